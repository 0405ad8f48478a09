package io.genserve.tasks;

import io.genserve.batching.BatchObserver;
import io.genserve.batching.ModelBatcher;
import io.genserve.runtime.ExecutionProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one loaded model: what its batcher reports (refusals, deadlines, queue wait,
 * runs, batch sizes), gauges on its queue, its execution provider and its load time.
 * {@link #bindTo} registers them when the model loads, {@link #close()} removes exactly these when
 * it unloads or fails. The gauges read this object, which holds the batcher strongly (Micrometer
 * keeps only a weak reference to what a gauge reads). Reports that come before binding are not
 * counted. Thread-safe.
 */
final class ModelMeters implements MeterBinder, BatchObserver, AutoCloseable {
    private final Tags tags;
    private final ExecutionProvider provider;
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;
    private volatile Bound bound;
    private volatile ModelBatcher batcher;
    private volatile double loadSeconds = Double.NaN;

    /** The meters the batcher reports into, once registered. */
    private record Bound(
            Counter rejected,
            Counter expiredQueued,
            Counter expiredRunning,
            Timer queueWait,
            Timer inference,
            DistributionSummary batchSize) {}

    /**
     * @param version tags every meter: while a replacement drains the old version, the old and the
     *     new one each have their own series (as Triton's metrics carry the version)
     */
    ModelMeters(String model, String version, ExecutionProvider provider) {
        this.tags = Tags.of("model", model, "version", version);
        this.provider = provider;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Bound b = new Bound(
                add(Counter.builder("genserve.queue.rejected")
                        .tags(tags)
                        .description("Requests refused because the model's queue was full or it was draining")
                        .register(registry)),
                deadlineExceeded(registry, "queued"),
                deadlineExceeded(registry, "running"),
                add(Timer.builder("genserve.queue.wait")
                        .tags(tags)
                        .description("Time an item waited in the queue before its batch ran")
                        .register(registry)),
                add(Timer.builder("genserve.inference")
                        .tags(tags)
                        .description("Duration of one ONNX Runtime run (one batch)")
                        .register(registry)),
                add(DistributionSummary.builder("genserve.batch.size")
                        .tags(tags)
                        .description("Items per ONNX Runtime run")
                        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                        .register(registry)));
        add(Gauge.builder("genserve.queue.depth", this, m -> m.read(ModelBatcher::queueDepth))
                .tags(tags)
                .description("Items waiting in the model's queue")
                .register(registry));
        add(Gauge.builder("genserve.runs.active", this, m -> m.read(ModelBatcher::runningBatches))
                .tags(tags)
                .description("ONNX Runtime runs of the model in progress")
                .register(registry));
        add(Gauge.builder("genserve.model.provider", this, m -> 1)
                .tags(tags)
                .tag("provider", provider.name().toLowerCase(Locale.ROOT))
                .description("1 for the execution provider the model runs on")
                .register(registry));
        add(TimeGauge.builder("genserve.model.load.duration", this, TimeUnit.SECONDS, m -> m.loadSeconds)
                .tags(tags)
                .description("Time to load, check and warm up the model")
                .register(registry));
        bound = b;
    }

    private Counter deadlineExceeded(MeterRegistry registry, String stage) {
        return add(Counter.builder("genserve.deadline.exceeded")
                .tags(tags)
                .tag("stage", stage)
                .description("Requests whose deadline passed, by where they were")
                .register(registry));
    }

    /**
     * The batcher the queue gauges read (they read 0 before), and whose largest batch the
     * {@code genserve.batch.limit} gauge shows from now on.
     */
    synchronized void watch(ModelBatcher batcher) {
        this.batcher = batcher;
        if (registry != null && bound != null) {
            add(Gauge.builder(
                            "genserve.batch.limit",
                            this,
                            m -> m.read(b -> b.settings().maxBatchSize()))
                    .tags(tags)
                    .tag("source", batcher.settings().calibration() != null ? "auto" : "pinned")
                    .description("Largest batch a run of the model receives: measured at load (auto) or"
                            + " configured (pinned)")
                    .register(registry));
        }
    }

    /** The load took this long; the load-duration gauge is NaN until then. */
    void loaded(Duration loadTime) {
        this.loadSeconds = loadTime.toNanos() / 1e9;
    }

    private double read(java.util.function.ToIntFunction<ModelBatcher> f) {
        ModelBatcher b = batcher;
        return b == null ? 0 : f.applyAsInt(b);
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void rejected() {
        Bound b = bound;
        if (b != null) {
            b.rejected.increment();
        }
    }

    @Override
    public void deadlineExceeded(boolean started) {
        Bound b = bound;
        if (b != null) {
            (started ? b.expiredRunning : b.expiredQueued).increment();
        }
    }

    @Override
    public void queueWait(long nanos) {
        Bound b = bound;
        if (b != null) {
            b.queueWait.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void batchRun(int size, long nanos) {
        Bound b = bound;
        if (b != null) {
            b.inference.record(nanos, TimeUnit.NANOSECONDS);
            b.batchSize.record(size);
        }
    }

    /** Removes the meters {@link #bindTo} registered, and only those. Idempotent. */
    @Override
    public synchronized void close() {
        bound = null;
        if (registry != null) {
            meters.forEach(registry::remove);
        }
        meters.clear();
    }
}
