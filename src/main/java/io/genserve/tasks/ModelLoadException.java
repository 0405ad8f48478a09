package io.genserve.tasks;

import java.time.Duration;

/** A model could not be loaded; the message is the one line the catalog reports as its reason. */
final class ModelLoadException extends RuntimeException {
    private final Duration loadTime;

    ModelLoadException(String reason, Duration loadTime, Throwable cause) {
        super(reason, cause);
        this.loadTime = loadTime;
    }

    /** How long the load ran before it failed. */
    Duration loadTime() {
        return loadTime;
    }
}
