package io.genserve.tasks;

import io.genserve.error.LoadFailedException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Model management while serving, in the shape of Triton's repository extension: list the
 * repository, load (or reload, or replace) a model, unload one. One change at a time; each call
 * blocks until it is done, for a replacement or an unload until the old version's last run is
 * over. Thread-safe.
 *
 * <p>Loads and unloads run on a thread of their own, started with the service at normal CPU
 * priority, not on the caller's: Linux threads inherit their creator's nice value, and a load
 * starts the model's batcher threads and ONNX Runtime's thread pool. Loaded from an API request
 * thread (which runs at a lower priority, see genserve.http.request-thread-nice), the model's
 * inference would have run at that priority for its whole life.
 */
public final class ModelManagement implements AutoCloseable {
    private final ModelCatalog catalog;
    private final ThreadPoolExecutor changes;

    ModelManagement(ModelCatalog catalog) {
        this.catalog = catalog;
        this.changes = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "model-change");
            t.setDaemon(true);
            return t;
        });
        changes.prestartAllCoreThreads(); // created now, by the thread that starts the service
    }

    @Override
    public void close() {
        changes.shutdownNow();
    }

    private <T> T onChangeThread(Callable<T> change) {
        Future<T> done = changes.submit(change);
        try {
            return done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            // The change goes on (a half-made change is the catalog's to avoid): only this caller stops waiting.
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model change", e);
        }
    }

    /** Every model of the catalog and every folder of the repository, with its state and reason. */
    public List<ModelStatus> index() {
        return catalog.index();
    }

    /**
     * @throws io.genserve.error.UnknownModelException when the repository has no such folder
     * @throws LoadFailedException naming why; a version that served before keeps serving
     */
    public LoadOutcome load(String name) {
        try {
            return onChangeThread(() -> catalog.load(name));
        } catch (ModelLoadException e) {
            throw new LoadFailedException(name, e.getMessage(), e);
        }
    }

    /** @throws io.genserve.error.UnknownModelException when neither the catalog nor the repository has it */
    public ModelStatus unload(String name) {
        return onChangeThread(() -> catalog.unload(name));
    }
}
