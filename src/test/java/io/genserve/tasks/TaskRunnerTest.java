package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestImages;
import io.genserve.batching.MemoryBudget;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImagingProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a request's images are decoded: on the preprocessing pool, not on the caller's thread (the
 * API's request threads run at a low CPU priority). Real ONNX Runtime sessions, real codecs.
 */
class TaskRunnerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path repository;

    /** Holds what it is given until the test runs it, counting it. */
    static final class HeldExecutor implements Executor {
        final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            held.add(task);
        }

        int runAll() {
            int n = 0;
            for (Runnable r; (r = held.poll()) != null; n++) {
                r.run();
            }
            return n;
        }
    }

    private final HeldExecutor preprocessing = new HeldExecutor();
    private final MemoryBudget memory = new MemoryBudget(256L << 20);

    private final TestCatalogs parts = new TestCatalogs();
    private ModelCatalog catalog;
    private TaskRunner runner;

    @BeforeEach
    void start() {
        TestCatalogs.copyFixture("style-zoo-like", repository, "style");
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "gen");
        catalog = parts.catalog(repository, TestCatalogs.ORT::load, codecs(), memory);
        catalog.afterPropertiesSet();
        catalog.start();
        assertThat(catalog.isReady()).isTrue();
        runner = new TaskRunner(
                catalog,
                new ItemDispatcher(parts.postprocessing),
                new TaskMeters(parts.registry),
                memory,
                preprocessing,
                codecs());
    }

    /** Stops the models and closes their sessions and this test's pools. */
    @AfterEach
    void stop() {
        catalog.stop();
        catalog.destroy();
        parts.close();
    }

    private static List<TaskCodec<?, ?, ?>> codecs() {
        return List.of(
                new GenerationCodec(),
                new StyleTransferCodec(new ImageCodec(new ImagingProperties(1 << 22, 4096, 0.9f))));
    }

    @Test
    void anImageIsDecodedOnThePreprocessingPoolAndGenerationOnTheCallersThread() throws Exception {
        CompletableFuture<ImageResult> styled = style(runner, TestImages.solidPng(40, 30, 0x336699));
        assertThat(styled).isNotDone(); // nothing decoded yet: it waits for the pool
        assertThat(memory.usedBytes())
                .as("its decoding memory, reserved before it queues")
                .isPositive();
        assertThat(preprocessing.runAll()).isEqualTo(1);
        ImageResult image = styled.get(30, TimeUnit.SECONDS);
        assertThat(image.image().width()).isEqualTo(40);
        assertThat(image.image().height()).isEqualTo(30);

        CompletableFuture<GeneratedImages> generated =
                runner.generate(new GenerateRequest("gen", 2, 7L, null, null, null), TIMEOUT);
        assertThat(generated.get(30, TimeUnit.SECONDS).images()).hasSize(2);
        assertThat(preprocessing.held).as("generation never waits for the pool").isEmpty();
        awaitNoMemoryHeld();
    }

    @Test
    void aRequestGoneBeforeItsTurnOnThePoolIsNeitherDecodedNorRunAndReleasesWhatItHeld() throws Exception {
        CompletableFuture<ImageResult> styled = style(runner, TestImages.solidPng(40, 30, 0x336699));
        styled.cancel(false); // the client went away (the disconnect watch cancels its answer's future)
        assertThat(preprocessing.runAll()).isEqualTo(1);

        assertThat(memory.usedBytes()).isZero();
        assertThat(parts.registry.find("genserve.preprocess").timers())
                .as("nothing decoded")
                .isEmpty();
        assertThat(parts.registry
                        .get("genserve.requests")
                        .tag("model", "style")
                        .tag("outcome", "cancelled")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aRequestThatWaitedOutItsDeadlineForThePoolIsNeitherDecodedNorRun() throws Exception {
        CompletableFuture<ImageResult> styled = runner.styleTransfer(
                new StyleRequest("style", TestImages.solidPng(40, 30, 0x336699), null, null), Duration.ofMillis(50));
        Thread.sleep(100); // every preprocessing thread busy with others
        assertThat(preprocessing.runAll()).isEqualTo(1);

        assertThat(styled)
                .failsWithin(Duration.ofSeconds(30))
                .withThrowableThat()
                .havingRootCause()
                .isInstanceOf(io.genserve.error.DeadlineExceededException.class)
                .withMessageContaining("deadline of 50 ms while queued; it was never run");
        assertThat(parts.registry.find("genserve.preprocess").timers())
                .as("nothing decoded")
                .isEmpty();
        assertThat(memory.usedBytes()).isZero();
    }

    @Test
    void anImageThatIsNotOneFailsOnThePoolAsBadInputAndReleasesWhatItHeld() throws Exception {
        byte[] png = TestImages.solidPng(40, 30, 0x336699);
        byte[] truncated = java.util.Arrays.copyOf(png, 33 + 12); // signature and IHDR intact: cost is known

        CompletableFuture<ImageResult> styled = style(runner, truncated);
        preprocessing.runAll();

        assertThat(styled)
                .failsWithin(Duration.ofSeconds(30))
                .withThrowableThat()
                .havingRootCause()
                .isInstanceOf(io.genserve.error.BadInputException.class);
        assertThat(memory.usedBytes()).isZero();
    }

    private static CompletableFuture<ImageResult> style(TaskRunner runner, byte[] image) {
        return runner.styleTransfer(new StyleRequest("style", image, null, null), TIMEOUT);
    }

    private void awaitNoMemoryHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (memory.usedBytes() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5); // released as the answer completes, on the post-processing thread
        }
        assertThat(memory.usedBytes()).isZero();
    }
}
