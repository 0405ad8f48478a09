package io.genserve.batching;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The batching meters of one model, registered when its batcher starts and removed by
 * {@link #close()} when the model unloads. Gauges hold a strong reference to the batcher they
 * read (Micrometer keeps only a weak one). Thread-safe.
 */
public final class BatchMeters implements BatchObserver, AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter rejected;
    private final Counter expiredQueued;
    private final Counter expiredRunning;
    private final Timer queueWait;
    private final Timer inference;
    private final DistributionSummary batchSize;

    public BatchMeters(MeterRegistry registry, String model) {
        this.registry = registry;
        rejected = add(Counter.builder("genserve.queue.rejected")
                .tag("model", model)
                .description("Requests refused because the model's queue was full or it was draining")
                .register(registry));
        expiredQueued = add(Counter.builder("genserve.deadline.exceeded")
                .tag("model", model)
                .tag("stage", "queued")
                .description("Requests whose deadline passed, by where they were")
                .register(registry));
        expiredRunning = add(Counter.builder("genserve.deadline.exceeded")
                .tag("model", model)
                .tag("stage", "running")
                .description("Requests whose deadline passed, by where they were")
                .register(registry));
        queueWait = add(Timer.builder("genserve.queue.wait")
                .tag("model", model)
                .description("Time an item waited in the queue before its batch ran")
                .register(registry));
        inference = add(Timer.builder("genserve.inference")
                .tag("model", model)
                .description("Duration of one ONNX Runtime run (one batch)")
                .register(registry));
        batchSize = add(DistributionSummary.builder("genserve.batch.size")
                .tag("model", model)
                .description("Items per ONNX Runtime run")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry));
    }

    /** Registers the gauges that read the batcher; call once it exists. */
    public void watch(String model, ModelBatcher batcher) {
        add(Gauge.builder("genserve.queue.depth", batcher, ModelBatcher::queueDepth)
                .tag("model", model)
                .description("Items waiting in the model's queue")
                .register(registry));
        add(Gauge.builder("genserve.runs.active", batcher, ModelBatcher::runningBatches)
                .tag("model", model)
                .description("ONNX Runtime runs of the model in progress")
                .register(registry));
    }

    private synchronized <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void rejected() {
        rejected.increment();
    }

    @Override
    public void deadlineExceeded(boolean started) {
        (started ? expiredRunning : expiredQueued).increment();
    }

    @Override
    public void queueWait(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void batchRun(int size, long nanos) {
        inference.record(nanos, TimeUnit.NANOSECONDS);
        batchSize.record(size);
    }

    @Override
    public synchronized void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
