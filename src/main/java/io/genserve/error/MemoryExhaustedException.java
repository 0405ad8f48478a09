package io.genserve.error;

import java.time.Duration;

/**
 * The service has no memory for this request right now: the memory budget is spent by requests
 * in progress, or the JVM ran out of heap while serving it. Never the client's fault: answered
 * 503 with Retry-After, and the service stays up.
 */
public class MemoryExhaustedException extends GenserveException {
    /** Retry-After when memory ran out: requests in progress free theirs within seconds. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private final Duration retryAfter;

    /**
     * The JVM ran out of heap while {@code doing} (e.g. "decoding 'image'") for this request: the
     * allocation that failed was this request's, so the request fails and the service goes on.
     */
    public static MemoryExhaustedException whileServing(String doing, OutOfMemoryError e) {
        return new MemoryExhaustedException("the service ran out of memory " + doing + "; retry later", RETRY_AFTER, e);
    }

    public MemoryExhaustedException(String problem, Duration retryAfter, Throwable cause) {
        super(problem, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
