package io.genserve.error;

/** ONNX Runtime failed on input the service had accepted as valid: a server-side failure. */
public class InferenceFailedException extends GenserveException {
    private final String model;

    public InferenceFailedException(String model, String problem, Throwable cause) {
        super("inference on model '" + model + "' failed: " + problem, cause);
        this.model = model;
    }

    public String model() {
        return model;
    }
}
