package io.genserve.api;

import java.time.Duration;

/** The optional per-request deadline field, in milliseconds. */
final class Timeouts {
    private Timeouts() {}

    static Duration ofMillis(Long timeoutMs) {
        return timeoutMs == null ? null : Duration.ofMillis(timeoutMs);
    }
}
