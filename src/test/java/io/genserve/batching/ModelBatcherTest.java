package io.genserve.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.error.DeadlineExceededException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.OverloadedException;
import io.genserve.model.DType;
import io.genserve.runtime.HeapTensor;
import io.genserve.runtime.RunControl;
import io.genserve.runtime.RunTerminatedException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batcher with a fake runner (it doubles its input) and real threads; waits are bounded by latches. */
class ModelBatcherTest {
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    ModelBatcher batcher;

    @AfterEach
    void stop() {
        if (batcher != null) {
            batcher.drain(Duration.ofSeconds(5));
        }
        timer.shutdownNow();
    }

    static BatchSettings settings(int maxBatch, Duration delay, int queue) {
        return new BatchSettings(
                maxBatch,
                List.of(),
                delay,
                queue,
                Duration.ofSeconds(10),
                Duration.ofMinutes(1),
                1,
                Duration.ofSeconds(2),
                null);
    }

    /** Model "m" on the real clock and the test's timer, without meters. */
    ModelBatcher start(ModelBatcher.Runner runner, BatchSettings settings) {
        return start(runner, settings, MemoryBudget.unlimited());
    }

    ModelBatcher start(ModelBatcher.Runner runner, BatchSettings settings, MemoryBudget memory) {
        return new ModelBatcher("m", runner, settings, System::nanoTime, timer, BatchObserver.NONE, memory);
    }

    static Map<String, HeapTensor> item(float value) {
        return Map.of("x", new HeapTensor(DType.FLOAT32, new long[] {1, 2}, new float[] {value, value}));
    }

    Map<String, HeapTensor> doubling(Map<String, HeapTensor> batch, RunControl control) {
        HeapTensor x = batch.get("x");
        batchSizes.add((int) x.shape()[0]);
        float[] out = x.values().clone();
        for (int i = 0; i < out.length; i++) {
            if (Float.isNaN(out[i])) {
                throw new IllegalArgumentException("NaN in the batch");
            }
            out[i] *= 2;
        }
        return Map.of("y", new HeapTensor(DType.FLOAT32, x.shape(), out));
    }

    /** The doubling runner, blocked in its run until {@code release} opens (at most 5 s). */
    ModelBatcher.Runner heldUntil(CountDownLatch release) {
        return (b, c) -> {
            release.await(5, TimeUnit.SECONDS);
            return doubling(b, c);
        };
    }

    @Test
    void anItemThatCouldNotRunBeforeItsDeadlineIsRefusedAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        batcher = start(
                (b, c) -> {
                    if (measured.getCount() > 0) {
                        Thread.sleep(200); // the first run: what a run costs, as the batcher sees it
                        measured.countDown();
                        return doubling(b, c);
                    }
                    return heldUntil(release).run(b, c);
                },
                settings(1, Duration.ZERO, 100));
        batcher.submit(item(1), null).get(5, TimeUnit.SECONDS);
        List<CompletableFuture<Map<String, HeapTensor>>> queued = new java.util.ArrayList<>();
        for (int i = 0; i < 11; i++) { // one runs (held), ten wait: at >= 200 ms each, >= 2 s of work
            queued.add(batcher.submit(item(i), Duration.ofSeconds(30)));
        }
        awaitQueueDepth(10);
        assertThatThrownBy(() -> batcher.refuseIfFull(Duration.ofSeconds(1)))
                .as("refused before the caller decodes anything")
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("deadline of 1.0 s");
        batcher.refuseIfFull(Duration.ofSeconds(60));
        CompletableFuture<Map<String, HeapTensor>> tooLate = batcher.submit(item(9), Duration.ofSeconds(1));
        assertThat(tooLate).isCompletedExceptionally();
        assertThatThrownBy(tooLate::join)
                .hasCauseInstanceOf(OverloadedException.class)
                .hasMessageContaining("10 requests queued")
                .hasMessageContaining("deadline of 1.0 s");
        CompletableFuture<Map<String, HeapTensor>> inTime = batcher.submit(item(9), Duration.ofSeconds(60));
        assertThat(inTime).isNotDone();
        release.countDown();
        assertThat(inTime.get(10, TimeUnit.SECONDS)).containsKey("y");
        for (CompletableFuture<Map<String, HeapTensor>> f : queued) {
            assertThat(f.get(10, TimeUnit.SECONDS)).containsKey("y");
        }
    }

    @Test
    void concurrentItemsShareARunAndEachGetsItsOwnRow() throws Exception {
        batcher = start(this::doubling, settings(8, Duration.ofMillis(200), 100));
        List<CompletableFuture<Map<String, HeapTensor>>> futures =
                List.of(batcher.submit(item(1), null), batcher.submit(item(2), null), batcher.submit(item(3), null));
        for (int i = 0; i < 3; i++) {
            assertThat(futures.get(i).get(5, TimeUnit.SECONDS).get("y").values())
                    .containsExactly(2f * (i + 1), 2f * (i + 1));
        }
        assertThat(batchSizes).containsExactly(3);
    }

    @Test
    void oneBadItemFailsOnlyItself() throws Exception {
        batcher = start(this::doubling, settings(8, Duration.ofMillis(200), 100));
        var good = batcher.submit(item(1), null);
        var bad = batcher.submit(item(Float.NaN), null);
        var alsoGood = batcher.submit(item(3), null);
        assertThat(good.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(2f, 2f);
        assertThat(alsoGood.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(6f, 6f);
        assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(InferenceFailedException.class);
        assertThat(batchSizes).containsExactly(3, 1, 1, 1);
    }

    @Test
    void aFullQueueRefusesAtOnceAndLosesNothingAccepted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        batcher = start(heldUntil(release), settings(1, Duration.ZERO, 2));
        var running = batcher.submit(item(1), null);
        awaitQueueDepth(0); // the first item is in the (blocked) run
        var q1 = batcher.submit(item(2), null);
        batcher.refuseIfFull(null); // one place left: no refusal before decoding
        var q2 = batcher.submit(item(3), null);
        assertThatThrownBy(() -> batcher.refuseIfFull(null))
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("queue of model 'm' is full");
        var refused = batcher.submit(item(4), null);
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join)
                .cause()
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("queue of model 'm' is full");
        release.countDown();
        assertThat(List.of(running.get(5, TimeUnit.SECONDS), q1.get(5, TimeUnit.SECONDS), q2.get(5, TimeUnit.SECONDS)))
                .hasSize(3);
    }

    @Test
    void anItemStillQueuedAtItsDeadlineIsNeverRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Float> ran = new CopyOnWriteArrayList<>();
        batcher = start(
                (b, c) -> {
                    ran.add(b.get("x").values()[0]);
                    release.await(5, TimeUnit.SECONDS);
                    return doubling(b, c);
                },
                settings(1, Duration.ZERO, 10));
        var blocker = batcher.submit(item(1), null);
        awaitQueueDepth(0);
        var late = batcher.submit(item(2), Duration.ofMillis(50));
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("while queued");
        assertThat(batcher.queueDepth()).isZero();
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        batcher.drain(Duration.ofSeconds(5));
        assertThat(ran).containsExactly(1f);
    }

    @Test
    void aRunThatOutlivesEveryDeadlineInItIsTerminated() throws Exception {
        CountDownLatch terminated = new CountDownLatch(1);
        batcher = start(
                (b, control) -> {
                    // Stands in for a long ORT run polling its terminate flag, as ORT does between kernels.
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < until) {
                        if (control.isTerminated()) {
                            terminated.countDown();
                            throw new RunTerminatedException("terminated");
                        }
                        Thread.sleep(1);
                    }
                    return doubling(b, control);
                },
                settings(1, Duration.ZERO, 10));
        var slow = batcher.submit(item(1), Duration.ofMillis(100));
        assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("while running");
        assertThat(terminated.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void cancellingAQueuedItemFreesItsPlace() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        batcher = start(heldUntil(release), settings(1, Duration.ZERO, 1));
        var running = batcher.submit(item(1), null);
        awaitQueueDepth(0);
        var queued = batcher.submit(item(2), null);
        assertThat(batcher.queueDepth()).isEqualTo(1);
        queued.cancel(false); // the client went away
        assertThat(batcher.queueDepth()).isZero();
        assertThat(batcher.submit(item(3), null)).isNotCompletedExceptionally();
        release.countDown();
        running.get(5, TimeUnit.SECONDS);
    }

    @Test
    void itemsBeyondTheMemoryBudgetAreRefusedAndTheirBytesComeBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        MemoryBudget budget = new MemoryBudget(16); // two items of two floats
        batcher = start(heldUntil(release), settings(8, Duration.ofSeconds(1), 100), budget);
        var first = batcher.submit(item(1), null);
        var second = batcher.submit(item(2), null);
        assertThatThrownBy(() -> batcher.submit(item(3), null).join())
                .cause()
                .isInstanceOf(MemoryExhaustedException.class)
                .hasMessageContaining("max-queued-memory");
        release.countDown();
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void drainingRefusesNewItemsAndFinishesAcceptedOnes() throws Exception {
        batcher = start(this::doubling, settings(4, Duration.ofSeconds(2), 10));
        var accepted = batcher.submit(item(5), null);
        assertThat(batcher.drain(Duration.ofSeconds(5))).isTrue();
        assertThat(accepted.get(1, TimeUnit.SECONDS).get("y").values()).containsExactly(10f, 10f);
        assertThatThrownBy(() -> batcher.submit(item(6), null).join()).cause().hasMessageContaining("shutting down");
    }

    private void awaitQueueDepth(int depth) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((batcher.queueDepth() != depth || batcher.runningBatches() == 0) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
    }
}
