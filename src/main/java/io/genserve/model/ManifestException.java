package io.genserve.model;

/** A manifest or graph that cannot be served; the message is the one line shown as the model's failure reason. */
public class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message);
    }
}
