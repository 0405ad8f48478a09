package io.genserve.tasks;

import io.genserve.batching.ModelBatcher;
import io.genserve.runtime.OnnxModel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded version of a model: its session, its meters and its batcher, opened in that order by
 * {@link ModelLoader} and closed in the reverse order by {@link #close()}. The catalog holds
 * these objects and nothing else of a model.
 *
 * <p>A request {@link #enter}s before it encodes and submits its items and {@link #exit}s once
 * they are all queued; {@link #retire()} turns new requests away and waits for those inside, so
 * that a request is queued whole on one version or not at all (then it goes to the next one).
 * Thread-safe.
 */
final class LoadedModel implements AutoCloseable {
    private final ServedModel served;
    private final OnnxModel session;
    private final ModelMeters meters;
    private final ModelBatcher batcher;
    private final Duration loadTime;
    private final AtomicInteger inside = new AtomicInteger();
    private volatile boolean retired;

    LoadedModel(ServedModel served, OnnxModel session, ModelMeters meters, ModelBatcher batcher, Duration loadTime) {
        this.served = served;
        this.session = session;
        this.meters = meters;
        this.batcher = batcher;
        this.loadTime = loadTime;
    }

    ServedModel served() {
        return served;
    }

    Duration loadTime() {
        return loadTime;
    }

    String version() {
        return served.version();
    }

    /**
     * A request starts submitting to this version. Lock-free.
     *
     * @return false when the version is retired: take the model's current version instead
     */
    boolean enter() {
        inside.incrementAndGet();
        if (retired) {
            exit();
            return false;
        }
        return true;
    }

    /** The request that {@link #enter}ed has queued all its items (or given up). */
    void exit() {
        if (inside.decrementAndGet() == 0 && retired) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Turns new requests away and waits for those that entered to finish submitting (a few
     * milliseconds of encoding). After it, nothing new reaches the batcher except what was
     * already on its way. Blocks.
     */
    void retire() {
        retired = true;
        synchronized (this) {
            while (inside.get() > 0) {
                try {
                    wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Stops admitting and waits up to {@code timeout} for the batcher to run what it had accepted.
     * Blocks.
     *
     * @return true when everything accepted has finished
     */
    boolean drain(Duration timeout) {
        return batcher.drain(timeout);
    }

    /**
     * Stops admitting, removes the meters, then closes the session, which waits for a run still in
     * flight (closing during a run crashes the JVM: onnxruntime #21812). Queued requests are not
     * waited for: {@link #drain} first. Blocks; idempotent.
     */
    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            try {
                meters.close();
            } finally {
                session.close();
            }
        }
    }
}
