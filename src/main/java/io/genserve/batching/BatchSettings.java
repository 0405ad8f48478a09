package io.genserve.batching;

import io.genserve.model.BatchMode;
import io.genserve.model.BatchingOverrides;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.convert.DurationStyle;

/** One model's effective batching settings: the manifest's overrides over the service defaults. */
public record BatchSettings(
        int maxBatchSize,
        List<Integer> preferredBatchSizes,
        Duration maxDelay,
        int maxQueueSize,
        Duration timeout,
        Duration maxTimeout,
        int concurrency,
        Duration retryAfter) {

    public static BatchSettings resolve(BatchingProperties defaults, BatchingOverrides o, BatchMode mode) {
        // A graph whose batch axis is fixed to 1 takes one item per run, whatever was configured.
        int max = mode == BatchMode.FIXED ? 1 : o.maxBatchSize() != null ? o.maxBatchSize() : defaults.maxBatchSize();
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
                defaults.retryAfter());
    }
}
