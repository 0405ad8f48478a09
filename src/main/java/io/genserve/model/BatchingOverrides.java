package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A manifest's per-model batching settings; a null keeps the service-wide default.
 * Durations are written as in Spring configuration ({@code 5ms}, {@code 30s}).
 *
 * @param maxBatchSize a number, or {@code auto}: measured at load
 * @param concurrency how many runs of this model may go on at once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchingOverrides(
        MaxBatchSize maxBatchSize,
        java.util.List<Integer> preferredBatchSizes,
        String maxDelay,
        Integer maxQueueSize,
        String timeout,
        Integer concurrency) {
    public static final BatchingOverrides NONE = new BatchingOverrides(null, null, null, null, null, null);
}
