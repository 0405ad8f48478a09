package io.genserve.error;

import java.time.Duration;

/**
 * The value of a {@code Retry-After} header (HTTP) or {@code retry-after} trailer (gRPC): whole
 * seconds, rounded up, at least 1. Rounded up because a client that comes back before the time
 * asked for meets the same full queue; at least 1 because 0 invites the immediate retry that the
 * header is there to prevent. Stateless.
 */
public final class RetryAfter {
    private RetryAfter() {}

    public static String seconds(Duration wait) {
        return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
    }
}
