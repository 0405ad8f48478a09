package io.genserve.tasks;

import io.genserve.batching.ModelBatcher;
import io.genserve.runtime.OnnxModel;
import java.time.Duration;

/**
 * One model that loaded: its session, its meters and its batcher, opened in that order by
 * {@link ModelLoader} and closed in the reverse order by {@link #close()}. The catalog holds
 * these objects and nothing else of a model. Thread-safe.
 */
final class LoadedModel implements AutoCloseable {
    private final ServedModel served;
    private final OnnxModel session;
    private final ModelMeters meters;
    private final ModelBatcher batcher;
    private final Duration loadTime;

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
