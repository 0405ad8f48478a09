package io.genserve.error;

/** The model exists but is loading, failed to load or is unloading: a server-side condition. */
public class ModelNotReadyException extends GenserveException {
    private final String model;
    private final String state;

    public ModelNotReadyException(String model, String state, String reason) {
        super("model '" + model + "' is " + state + (reason == null ? "" : ": " + reason));
        this.model = model;
        this.state = state;
    }

    public String model() {
        return model;
    }

    public String state() {
        return state;
    }
}
