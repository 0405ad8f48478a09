package io.genserve.api;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * HTTP answers ({@code genserve.api.*}).
 *
 * @param overloadStatus status of an answer to a request refused because a queue is full:
 *     429 (the default: the client should slow down) or 503 (for load balancers that retry
 *     elsewhere on 503 only)
 * @param disconnectCheckInterval how often the connections of waiting requests are checked, so
 *     that a client that went away frees its places in the queues at once (Linux; 0 turns the
 *     check off, and such a request is run and its answer dropped)
 */
@Validated
@ConfigurationProperties("genserve.api")
record ApiProperties(
        @NotNull @DefaultValue("TOO_MANY_REQUESTS") OverloadStatus overloadStatus,

        @NotNull @DurationMin(millis = 0) @DefaultValue("200ms")
        Duration disconnectCheckInterval) {
    enum OverloadStatus {
        TOO_MANY_REQUESTS(429),
        SERVICE_UNAVAILABLE(503);

        final int code;

        OverloadStatus(int code) {
            this.code = code;
        }
    }
}
