package io.genserve.tasks;

import io.genserve.error.MemoryExhaustedException;
import io.genserve.runtime.HeapTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Takes one request's encoded items through the model's batcher: submits each item and decodes
 * the answer on the post-processing pool once all are back, never on a batcher thread. The first
 * failing item fails the request at once and cancels its other items; cancelling the returned
 * future (a client that went away) cancels the items still queued. Thread-safe.
 */
final class ItemDispatcher {
    private final Executor postprocessing;

    ItemDispatcher(Executor postprocessing) {
        this.postprocessing = postprocessing;
    }

    /** @param decode from the items' outputs, in item order, to the answer (the codec's decode step) */
    <O> CompletableFuture<O> dispatch(
            ServedModel model,
            List<Map<String, HeapTensor>> encoded,
            Duration timeout,
            Function<List<Map<String, HeapTensor>>, O> decode,
            PostprocessTimer timer) {
        if (encoded.isEmpty()) {
            return CompletableFuture.completedFuture(decode.apply(List.of()));
        }
        CompletableFuture<O> result = new CompletableFuture<>();
        List<CompletableFuture<Map<String, HeapTensor>>> items = new ArrayList<>();
        for (Map<String, HeapTensor> item : encoded) {
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
                                result.complete(decode.apply(items.stream()
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
