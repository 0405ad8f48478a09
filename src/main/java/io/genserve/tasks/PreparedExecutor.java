package io.genserve.tasks;

import io.genserve.error.MemoryExhaustedException;
import io.genserve.runtime.HeapTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Runs a {@link Prepared} request: submits each item to the model's batcher and assembles the
 * answer on the post-processing pool once all are back, never on a batcher thread. The first
 * failing item fails the request at once and cancels its other items; cancelling the returned
 * future (a client that went away) cancels the items still queued. Thread-safe.
 */
final class PreparedExecutor {
    private final Executor postprocessing;

    PreparedExecutor(Executor postprocessing) {
        this.postprocessing = postprocessing;
    }

    <O> CompletableFuture<O> execute(
            ServedModel model, Prepared<O> prepared, Duration timeout, PostprocessTimer timer) {
        if (prepared.items().isEmpty()) {
            return CompletableFuture.completedFuture(prepared.assemble().apply(List.of()));
        }
        CompletableFuture<O> result = new CompletableFuture<>();
        List<CompletableFuture<Map<String, HeapTensor>>> items = new ArrayList<>();
        for (Map<String, HeapTensor> item : prepared.items()) {
            CompletableFuture<Map<String, HeapTensor>> f = model.batcher().submit(item, timeout);
            f.whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(Outcome.unwrap(e));
                }
            });
            items.add(f);
        }
        CompletableFuture.allOf(items.toArray(CompletableFuture[]::new))
                .thenRunAsync(
                        () -> {
                            if (result.isDone()) {
                                return;
                            }
                            long t0 = System.nanoTime();
                            try {
                                result.complete(prepared.assemble()
                                        .apply(items.stream()
                                                .map(CompletableFuture::join)
                                                .toList()));
                            } catch (RuntimeException e) {
                                result.completeExceptionally(e);
                            } catch (OutOfMemoryError e) {
                                // this answer's images did not fit: it fails, the pool thread and the service go on
                                result.completeExceptionally(
                                        MemoryExhaustedException.whileServing("assembling the answer", e));
                            } finally {
                                timer.record(System.nanoTime() - t0);
                            }
                        },
                        postprocessing);
        result.whenComplete((v, e) -> {
            if (e != null) {
                items.forEach(f -> f.cancel(false));
            }
        });
        return result;
    }

    @FunctionalInterface
    interface PostprocessTimer {
        void record(long nanos);
    }
}
