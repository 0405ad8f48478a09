package io.genserve.api;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * HTTP answers ({@code genserve.api.*}).
 *
 * @param overloadStatus status of an answer to a request refused because a queue is full:
 *     429 (the default: the client should slow down) or 503 (for load balancers that retry
 *     elsewhere on 503 only)
 */
@Validated
@ConfigurationProperties("genserve.api")
record ApiProperties(
        @NotNull @DefaultValue("TOO_MANY_REQUESTS") OverloadStatus overloadStatus) {
    enum OverloadStatus {
        TOO_MANY_REQUESTS(429),
        SERVICE_UNAVAILABLE(503);

        final int code;

        OverloadStatus(int code) {
            this.code = code;
        }
    }
}
