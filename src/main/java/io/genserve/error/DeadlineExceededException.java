package io.genserve.error;

import java.time.Duration;

/** The request's deadline passed while it was queued (never run) or while its run was going on. */
public class DeadlineExceededException extends GenserveException {
    private final String model;
    private final boolean started;

    public DeadlineExceededException(String model, Duration deadline, boolean started) {
        super("request to model '" + model + "' exceeded its deadline of " + deadline.toMillis() + " ms "
                + (started ? "while running; the run was terminated" : "while queued; it was never run"));
        this.model = model;
        this.started = started;
    }

    public String model() {
        return model;
    }

    public boolean started() {
        return started;
    }
}
