package io.genserve.batching;

import io.genserve.error.DeadlineExceededException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.OverloadedException;
import io.genserve.runtime.HeapTensor;
import io.genserve.runtime.RunControl;
import io.genserve.runtime.RunTerminatedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dynamic batcher of one model: admits items into a bounded {@link BatchAggregator}, runs the
 * batches it forms on {@code concurrency} worker threads, and splits the outputs back to each
 * item's future. Submitting never blocks: a full queue fails the future at once.
 *
 * <p>Deadlines: an item still queued at its deadline is dropped and never run; an item whose
 * deadline passes during its run is answered at once, and when no item of a batch still waits
 * for the run, the run itself is terminated through ORT's {@code RunOptions.setTerminate}.
 * A batch that fails is retried item by item, so one bad item fails only itself. Thread-safe.
 */
public final class ModelBatcher implements AutoCloseable {
    /** Runs one stacked batch; blocks for the run. {@code OnnxModel::run} in production. */
    @FunctionalInterface
    public interface Runner {
        Map<String, HeapTensor> run(Map<String, HeapTensor> batch, RunControl control) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(ModelBatcher.class);

    /**
     * An item is queued only when the work ahead of it, as estimated, fits its deadline this many
     * times over. The estimate is a smoothed past, and runs slow down just as a flood begins (its
     * decoding and answers take CPU from them): with no margin, 11 of 544 admitted requests still
     * ended as 504s in a /style-transfer soak (bench/soak.sh, 2026-12-07). Queued work beyond half
     * the deadline adds waiting, not throughput.
     */
    private static final long DEADLINE_MARGIN = 2;

    private final String model;
    private final Runner runner;
    private final BatchSettings settings;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private final BatchObserver observer;
    private final MemoryBudget memory;
    private final BatchAggregator aggregator;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    /** What a run takes per item, smoothed over runs (the newest weighs 1/8); 0 before the first run. */
    private final AtomicLong nanosPerItem = new AtomicLong();

    private volatile boolean closed;

    public ModelBatcher(
            String model,
            Runner runner,
            BatchSettings settings,
            LongSupplier clock,
            ScheduledExecutorService timer,
            BatchObserver observer,
            MemoryBudget memory) {
        this.model = model;
        this.runner = runner;
        this.settings = settings;
        this.clock = clock;
        this.timer = timer;
        this.observer = observer;
        this.memory = memory;
        this.aggregator = new BatchAggregator(
                settings.maxBatchSize(),
                settings.preferredBatchSizes(),
                settings.maxDelay().toNanos(),
                settings.maxQueueSize(),
                clock);
        for (int i = 0; i < settings.concurrency(); i++) {
            Thread t = new Thread(this::work, "batcher-" + model + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    public BatchSettings settings() {
        return settings;
    }

    /** Items waiting in the queue now. */
    public int queueDepth() {
        return aggregator.size();
    }

    /** Batches being run now. */
    public int runningBatches() {
        return running.get();
    }

    /**
     * Queues one item (every tensor with a batch axis of 1). Never blocks. Cancelling the returned
     * future frees the item's place in the queue (a client that went away).
     *
     * @param timeout the item's deadline from now, queue wait and run together; null for the model's default
     */
    public CompletableFuture<Map<String, HeapTensor>> submit(Map<String, HeapTensor> feed, Duration timeout) {
        Duration limit = deadline(timeout);
        long now = clock.getAsLong();
        Job job = new Job(feed, now, now + limit.toNanos());
        long bytes = job.bytes();
        String refusal = refusal(limit);
        if (refusal != null) {
            return CompletableFuture.failedFuture(overloaded(refusal));
        }
        if (!memory.tryAcquire(bytes)) {
            // Memory, like the other holders of the budget (body intake, decoding): 503, not the queue's 429.
            observer.rejected();
            return CompletableFuture.failedFuture(new MemoryExhaustedException(
                    "requests in progress hold " + memory.usedBytes() / (1 << 20) + " MiB, the limit is "
                            + memory.limitBytes() / (1 << 20)
                            + " MiB (genserve.batching.max-queued-memory); model '" + model
                            + "' cannot take more now; retry later",
                    settings.retryAfter(),
                    null));
        }
        if (!aggregator.offer(job)) {
            memory.release(bytes);
            return refuse(queueFull());
        }
        job.result.whenComplete((v, e) -> memory.release(bytes));
        ScheduledFuture<?> expiry = timer.schedule(() -> expire(job, limit), limit.toNanos(), TimeUnit.NANOSECONDS);
        job.result.whenComplete((value, error) -> {
            expiry.cancel(false);
            if (job.drop()) { // completed while queued: cancelled by its caller
                aggregator.remove(job);
            }
        });
        return job.result;
    }

    /**
     * Refuses at once, before the caller decodes a request, what {@link #submit} would refuse now:
     * the model shutting down, its queue full, or more work queued than the request's deadline
     * allows. Decoding an image costs milliseconds of CPU that, spent on requests refused anyway,
     * is taken from the runs (measured with 64 clients flooding a style model with a queue of 8:
     * 334 refusals a second instead of 141). Only a shortcut: the bounded offer in {@link #submit}
     * stays the bound.
     *
     * @param timeout the request's deadline from now; null for the model's default
     * @throws OverloadedException when a request submitted now would be refused
     */
    public void refuseIfFull(Duration timeout) {
        String refusal = refusal(deadline(timeout));
        if (refusal != null) {
            throw overloaded(refusal);
        }
    }

    /** The deadline an item gets: the request's own, or the model's default ({@code timeout}) when it set none. */
    public Duration deadline(Duration timeout) {
        return timeout == null ? settings.timeout() : timeout;
    }

    /** Why an item with this deadline would be refused if submitted now; null when it would be queued. */
    private String refusal(Duration limit) {
        if (closed) {
            return shuttingDown();
        }
        int ahead = aggregator.size();
        if (ahead >= settings.maxQueueSize()) {
            return queueFull();
        }
        long expected = expectedNanos(ahead);
        if (ahead > 0 && expected > limit.toNanos() / DEADLINE_MARGIN) {
            // It would wait in the queue only to be answered 504 at its deadline: refused now
            // (429 + Retry-After), before it takes a place, memory and the CPU of a wasted wait.
            // Never with an empty queue: there the deadline decides, and the runs that follow keep
            // the estimate current (refusing every request would freeze it on one slow run).
            return cannotMeetDeadline(ahead, expected, limit);
        }
        return null;
    }

    private CompletableFuture<Map<String, HeapTensor>> refuse(String why) {
        return CompletableFuture.failedFuture(overloaded(why));
    }

    private OverloadedException overloaded(String why) {
        observer.rejected();
        return new OverloadedException(model, why, settings.retryAfter());
    }

    private String shuttingDown() {
        return "model '" + model + "' is shutting down and accepts no new requests";
    }

    /**
     * How long until an item queued behind {@code ahead} others has run: their runs shared among
     * the workers, then its own. Why: the queue's bound (256 items) holds more work than a
     * deadline allows on a slow model (a style model at ~4 items a second: a minute), and items
     * admitted beyond what the deadline allows all ended as 504s (the /style-transfer soak's flood,
     * once refusals came fast); refused at once, they are a 429 the client can act on, and a drop
     * for the edge's adaptive limit all the same.
     */
    long expectedNanos(int ahead) {
        long perItem = nanosPerItem.get();
        return perItem * ahead / Math.max(1, workers.size()) + perItem;
    }

    private String cannotMeetDeadline(int ahead, long expectedNanos, Duration limit) {
        return String.format(
                "model '%s' has %d requests queued, about %.1f s of work, more than half of this request's deadline of %.1f s",
                model, ahead, expectedNanos / 1e9, limit.toNanos() / 1e9);
    }

    private String queueFull() {
        return "the queue of model '" + model + "' is full (" + settings.maxQueueSize() + " requests waiting)";
    }

    private void expire(Job job, Duration limit) {
        boolean queued = job.drop();
        if (queued) {
            aggregator.remove(job);
        }
        if (job.result.completeExceptionally(new DeadlineExceededException(model, limit, !queued))) {
            observer.deadlineExceeded(!queued);
        }
    }

    private void work() {
        try {
            while (true) {
                List<Job> batch = aggregator.take();
                if (batch.isEmpty()) {
                    return; // closed and drained
                }
                running.incrementAndGet();
                try {
                    run(batch, true);
                } finally {
                    running.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(List<Job> batch, boolean isolateFailures) {
        long started = clock.getAsLong();
        for (Job job : batch) {
            observer.queueWait(started - job.enqueuedNanos);
        }
        RunControl control = new RunControl();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicInteger waiting = new AtomicInteger(batch.size());
        for (Job job : batch) {
            // When every item of the batch has been answered otherwise (deadline, cancel), nobody needs the run.
            job.result.whenComplete((v, e) -> {
                if (waiting.decrementAndGet() == 0 && !finished.get()) {
                    control.terminate();
                }
            });
        }
        Map<String, HeapTensor> outputs;
        try {
            outputs = runner.run(
                    BatchStacker.stack(batch.stream().map(job -> job.feed).toList()), control);
        } catch (RunTerminatedException e) {
            finished.set(true);
            return; // every item was already answered
        } catch (OutOfMemoryError e) {
            // The heap could not hold this batch's tensors: its items fail and ask to be retried; the
            // worker (and so the model) stays alive, which an Error left to unwind would not.
            finished.set(true);
            log.warn("batch of {} on model '{}' ran out of heap: {}", batch.size(), model, e.getMessage());
            batch.forEach(job -> job.result.completeExceptionally(outOfMemory(e)));
            return;
        } catch (Exception e) {
            finished.set(true);
            if (isNativeAllocationFailure(e)) {
                log.warn("batch of {} on model '{}': {}", batch.size(), model, e.getMessage());
                batch.forEach(job -> job.result.completeExceptionally(outOfMemory(e)));
                return;
            }
            if (isolateFailures && batch.size() > 1) {
                log.warn(
                        "batch of {} on model '{}' failed ({}); retrying item by item",
                        batch.size(),
                        model,
                        e.getMessage());
                for (Job job : batch) {
                    run(List.of(job), false);
                }
            } else {
                batch.forEach(job -> job.result.completeExceptionally(
                        new InferenceFailedException(model, String.valueOf(e.getMessage()), e)));
            }
            return;
        }
        finished.set(true);
        long took = clock.getAsLong() - started;
        observer.batchRun(batch.size(), took);
        long perItem = took / batch.size();
        nanosPerItem.updateAndGet(old -> old == 0 ? perItem : old + (perItem - old) / 8);
        List<Map<String, HeapTensor>> rows = BatchStacker.split(outputs, batch.size());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result.complete(rows.get(i));
        }
    }

    private MemoryExhaustedException outOfMemory(Throwable e) {
        return new MemoryExhaustedException(
                "model '" + model + "' ran out of memory for this request; retry later", settings.retryAfter(), e);
    }

    /** ONNX Runtime's own allocation failures (its arena or the C++ allocator), which retrying later can cure. */
    static boolean isNativeAllocationFailure(Exception e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Failed to allocate memory") || m.contains("bad_alloc") || m.contains("bad allocation");
    }

    /**
     * Stops admitting, lets the workers run what was already accepted, and waits up to
     * {@code drainTimeout} for them. The caller closes the session afterwards. Blocks.
     *
     * @return true when everything accepted was finished in time
     */
    public boolean drain(Duration drainTimeout) {
        closed = true;
        aggregator.close();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        boolean done = true;
        for (Thread t : workers) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done &= !t.isAlive();
        }
        return done;
    }

    @Override
    public void close() {
        drain(Duration.ZERO);
    }
}
