package io.genserve.error;

import java.time.Duration;

/** The model's queue is full or the service is draining: the client should retry later. */
public class OverloadedException extends GenserveException {
    private final String model;
    private final Duration retryAfter;

    public OverloadedException(String model, String problem, Duration retryAfter) {
        super(problem);
        this.model = model;
        this.retryAfter = retryAfter;
    }

    public String model() {
        return model;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
