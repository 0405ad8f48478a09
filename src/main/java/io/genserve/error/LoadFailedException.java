package io.genserve.error;

/** A model asked to load (or reload) cannot serve; a version that served before keeps serving. */
public class LoadFailedException extends GenserveException {
    private final String model;

    public LoadFailedException(String model, String reason, Throwable cause) {
        super("model '" + model + "' failed to load: " + reason, cause);
        this.model = model;
    }

    public String model() {
        return model;
    }
}
