package io.genserve.batching;

import io.genserve.model.MaxBatchSize;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Service-wide batching defaults ({@code genserve.batching.*}); a manifest's {@code batching:} block
 * overrides them per model.
 *
 * @param maxBatchSize largest batch one session run may receive: a number, or {@code auto} (the
 *     default): measured per model when it loads ({@link BatchCalibrator})
 * @param autoCeiling the largest batch {@code auto} tries
 * @param autoMargin how much cheaper per image (0.05: 5%) a batch twice as large must be for
 *     {@code auto} to take it. Not more by default: ONNX Runtime's CPU per image of the default
 *     generator falls from 0.451 ms at 1 to 0.314 ms at 16 (README, Benchmark), 9% a doubling
 * @param autoRuns timed runs per batch size (more until they last 20 ms; fewer, but 2, once they
 *     last 250 ms), after an untimed one, alternating with the size before; {@code auto} compares
 *     their fastest
 * @param autoSide for a model that takes images of any size: the side of the square images
 *     {@code auto} decides for, its timings on the warm-up image carried there
 *     ({@link BatchCalibration#projectedTo}, which says why)
 * @param preferredBatchSizes batch sizes dispatched at once, without waiting out max-delay, when
 *     exactly that many compatible requests are queued
 * @param maxDelay how long the first request of a batch waits for company; 0 (as in Triton) is greedy:
 *     a free model takes whatever is queued, and under load requests pile up while it runs, so
 *     batches form without adding latency when the load is light
 * @param maxQueueSize requests a model may hold queued; one more is refused at once
 * @param timeout default deadline of a request, queue wait and run together
 * @param maxTimeout the longest deadline a request may ask for
 * @param concurrency runs of one model that may go on at once
 * @param retryAfter what {@code Retry-After} says when a queue is full
 * @param drainTimeout on shutdown, how long accepted requests may take to finish before sessions close
 * @param maxQueuedMemory heap that requests in progress may hold at once, over all models: their
 *     buffered bodies, decoded images and queued tensors; a share of the maximum heap ({@code 25%},
 *     the default) or a size ({@code 512MB})
 */
@Validated
@ConfigurationProperties("genserve.batching")
public record BatchingProperties(
        @NotNull @DefaultValue("auto") MaxBatchSize maxBatchSize,
        @Min(1) @Max(MaxBatchSize.LIMIT) @DefaultValue("16") int autoCeiling,

        @DecimalMin("0.0") @DecimalMax("0.9") @DefaultValue("0.05")
        double autoMargin,

        @Min(1) @Max(200) @DefaultValue("5") int autoRuns,
        @Min(8) @Max(4096) @DefaultValue("256") int autoSide,
        List<@Min(1) Integer> preferredBatchSizes,

        @NotNull @DurationMin(millis = 0) @DefaultValue("0ms")
        Duration maxDelay,

        @Min(1) @DefaultValue("256") int maxQueueSize,

        @NotNull @DurationMin(millis = 1) @DefaultValue("30s")
        Duration timeout,

        @NotNull @DurationMin(millis = 1) @DefaultValue("2m")
        Duration maxTimeout,

        @Min(1) @DefaultValue("1") int concurrency,

        @NotNull @DurationMin(millis = 1) @DefaultValue("1s")
        Duration retryAfter,

        @NotNull @DurationMin(millis = 0) @DefaultValue("20s")
        Duration drainTimeout,

        @NotNull @DefaultValue("25%") HeapShare maxQueuedMemory) {

    public BatchingProperties {
        preferredBatchSizes = preferredBatchSizes == null ? List.of() : List.copyOf(preferredBatchSizes);
    }
}
