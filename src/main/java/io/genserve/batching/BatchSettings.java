package io.genserve.batching;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.genserve.model.BatchMode;
import io.genserve.model.BatchingOverrides;
import io.genserve.model.MaxBatchSize;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.convert.DurationStyle;

/**
 * One model's effective batching settings: the manifest's overrides over the service defaults.
 *
 * @param maxBatchSize the largest batch of a run: pinned, or measured ({@code calibration})
 * @param calibration how {@code max-batch-size: auto} chose {@code maxBatchSize}; null when a number
 *     was pinned or the graph takes one item per run
 */
public record BatchSettings(
        int maxBatchSize,
        List<Integer> preferredBatchSizes,
        Duration maxDelay,
        int maxQueueSize,
        Duration timeout,
        Duration maxTimeout,
        int concurrency,
        Duration retryAfter,
        @JsonInclude(JsonInclude.Include.NON_NULL) BatchCalibration calibration) {

    /**
     * Whether the model's largest batch is to be measured: {@code auto} in its manifest, or nothing
     * there and {@code auto} in the configuration (the default), on a graph that takes batches.
     */
    public static boolean calibrates(BatchingProperties defaults, BatchingOverrides o, BatchMode mode) {
        return mode != BatchMode.FIXED
                && (o.maxBatchSize() != null ? o.maxBatchSize() : defaults.maxBatchSize()).isAuto();
    }

    /**
     * The settings of a model whose largest batch is pinned, or is one because the graph says so.
     *
     * @throws IllegalStateException for a model that {@link #calibrates}: use the other resolve
     */
    public static BatchSettings resolve(BatchingProperties defaults, BatchingOverrides o, BatchMode mode) {
        if (calibrates(defaults, o, mode)) {
            throw new IllegalStateException("max-batch-size is auto: it is measured, not resolved");
        }
        // A graph whose batch axis is fixed to 1 takes one item per run, whatever was configured.
        MaxBatchSize pinned = o.maxBatchSize() != null ? o.maxBatchSize() : defaults.maxBatchSize();
        return resolve(defaults, o, mode == BatchMode.FIXED ? 1 : pinned.pinned(), null);
    }

    /** The settings of a model whose largest batch {@code auto} measured. */
    public static BatchSettings resolve(BatchingProperties defaults, BatchingOverrides o, BatchCalibration measured) {
        return resolve(defaults, o, measured.chosen(), measured);
    }

    private static BatchSettings resolve(
            BatchingProperties defaults, BatchingOverrides o, int max, BatchCalibration calibration) {
        List<Integer> preferred = (o.preferredBatchSizes() != null
                        ? o.preferredBatchSizes()
                        : defaults.preferredBatchSizes())
                .stream().filter(s -> s <= max).toList();
        return new BatchSettings(
                max,
                preferred,
                o.maxDelay() != null ? DurationStyle.detectAndParse(o.maxDelay()) : defaults.maxDelay(),
                o.maxQueueSize() != null ? o.maxQueueSize() : defaults.maxQueueSize(),
                o.timeout() != null ? DurationStyle.detectAndParse(o.timeout()) : defaults.timeout(),
                defaults.maxTimeout(),
                o.concurrency() != null ? o.concurrency() : defaults.concurrency(),
                defaults.retryAfter(),
                calibration);
    }
}
