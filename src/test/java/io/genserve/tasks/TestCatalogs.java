package io.genserve.tasks;

import ai.onnxruntime.OrtEnvironment;
import io.genserve.batching.BatchingProperties;
import io.genserve.batching.HeapShare;
import io.genserve.batching.MemoryBudget;
import io.genserve.model.MaxBatchSize;
import io.genserve.runtime.GraphLoader;
import io.genserve.runtime.MemoryArena;
import io.genserve.runtime.OnnxModel;
import io.genserve.runtime.OnnxModelLoader;
import io.genserve.runtime.OnnxProperties;
import io.genserve.runtime.ProviderChoice;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A catalog of real parts (ONNX Runtime on CPU, batchers, the generation codec, a simple meter
 * registry) over a repository folder, recording every session it opened. Close it after the test.
 */
final class TestCatalogs implements AutoCloseable {
    static final Path FIXTURE_MODELS = Path.of("src/test/resources/fixtures/models");
    static final OnnxModelLoader ORT = new OnnxModelLoader(
            OrtEnvironment.getEnvironment(),
            new OnnxProperties(
                    ProviderChoice.CPU,
                    0,
                    1,
                    1,
                    ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT,
                    false,
                    false,
                    MemoryArena.SHRINK),
            2);

    final MeterRegistry registry = new SimpleMeterRegistry();
    final List<OnnxModel> opened = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final ExecutorService postprocessing = Executors.newFixedThreadPool(2);
    final BatchingProperties batching = new BatchingProperties(
            new MaxBatchSize(8),
            16,
            0.10,
            5,
            64,
            List.of(),
            Duration.ZERO,
            64,
            Duration.ofSeconds(30),
            Duration.ofMinutes(2),
            1,
            Duration.ofSeconds(1),
            Duration.ofSeconds(20),
            HeapShare.valueOf("256MB"));

    /** Loads graphs with real ONNX Runtime through {@code front}, which may refuse some. */
    ModelCatalog catalog(Path repository, GraphLoader front) {
        return catalog(repository, front, List.of(new GenerationCodec()), MemoryBudget.unlimited());
    }

    /** As {@link #catalog(Path, GraphLoader)}, serving the tasks of {@code codecs} under {@code memory}. */
    ModelCatalog catalog(Path repository, GraphLoader front, List<TaskCodec<?, ?, ?>> codecs, MemoryBudget memory) {
        CatalogProperties properties = new CatalogProperties(repository, true, Duration.ofSeconds(60), Duration.ZERO);
        GraphLoader recording = (name, file, runs) -> {
            OnnxModel m = front.load(name, file, runs);
            opened.add(m);
            return m;
        };
        ModelLoader loader = new ModelLoader(
                properties, batching, recording, registry, timer, new ItemDispatcher(postprocessing), codecs, memory);
        return new ModelCatalog(properties, batching, loader, registry);
    }

    /** A copy of a fixture model folder under {@code repository/name}, replacing what is there. */
    static void copyFixture(String fixture, Path repository, String name) {
        io.genserve.TestRepositories.copy(fixture, repository.resolve(name), null);
    }

    /** Live threads whose name starts with {@code prefix}. */
    static List<Thread> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .toList();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        postprocessing.shutdownNow();
    }
}
