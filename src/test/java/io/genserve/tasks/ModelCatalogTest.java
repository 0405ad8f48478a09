package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.runtime.CudaUnavailableException;
import io.genserve.runtime.OnnxModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog's lifecycle with real ONNX Runtime sessions and batcher threads. */
class ModelCatalogTest {
    @TempDir
    Path repository;

    @Test
    void aStartThatFailsOnAMissingGpuClosesTheModelsLoadedBeforeIt() throws Exception {
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "first");
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "second");
        try (TestCatalogs parts = new TestCatalogs()) {
            ModelCatalog catalog = parts.catalog(repository, (name, file, runs) -> {
                if (name.equals("second")) { // execution-provider: cuda on a machine without a GPU
                    throw new CudaUnavailableException("model 'second' cannot run on CUDA: no GPU here", null);
                }
                return TestCatalogs.ORT.load(name, file, runs);
            });

            assertThatThrownBy(catalog::start).isInstanceOf(CudaUnavailableException.class);

            assertThat(parts.opened).hasSize(1);
            assertThat(parts.opened).allMatch(OnnxModel::isClosed);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!TestCatalogs.threads("batcher-first-").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(TestCatalogs.threads("batcher-first-")).isEmpty();
            assertThat(parts.registry.getMeters())
                    .noneMatch(m -> "first".equals(m.getId().getTag("model")));
        }
    }

    @Test
    void loadsBeginWhenTheCatalogIsCreatedAndAContextThatFailsBeforeTheStartClosesThem() throws Exception {
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "first");
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "second");
        try (TestCatalogs parts = new TestCatalogs()) {
            ModelCatalog catalog = parts.catalog(repository, TestCatalogs.ORT::load);

            catalog.afterPropertiesSet(); // as Spring calls it right after creating the bean
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (parts.opened.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(parts.opened).as("sessions opened before start()").hasSize(2);
            assertThat(catalog.isRunning()).isFalse();

            catalog.destroy(); // the context failed: start() never came

            assertThat(parts.opened).allMatch(OnnxModel::isClosed);
            deadline = System.nanoTime() + 5_000_000_000L;
            // Only this test's models: other test classes' cached contexts keep theirs in this JVM.
            while (!(TestCatalogs.threads("batcher-first-").isEmpty()
                            && TestCatalogs.threads("batcher-second-").isEmpty())
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(TestCatalogs.threads("batcher-first-")).isEmpty();
            assertThat(TestCatalogs.threads("batcher-second-")).isEmpty();
        }
    }

    /** Spring's test framework stops cached contexts it does not use and starts them again. */
    @Test
    void aCatalogStoppedAndStartedAgainLoadsItsModelsAgain() throws Exception {
        TestCatalogs.copyFixture("gen-nchw-rgb", repository, "first");
        try (TestCatalogs parts = new TestCatalogs()) {
            ModelCatalog catalog = parts.catalog(repository, TestCatalogs.ORT::load);
            catalog.afterPropertiesSet();
            catalog.start();
            assertThat(catalog.isReady()).isTrue();

            catalog.stop();
            assertThat(catalog.isReady()).isFalse();
            catalog.start();

            assertThat(catalog.isReady()).isTrue();
            assertThat(parts.opened).hasSize(2);
            assertThat(parts.opened.get(0).isClosed()).isTrue();
            assertThat(parts.opened.get(1).isClosed()).isFalse();
            catalog.stop();
            catalog.destroy();
            assertThat(parts.opened).allMatch(OnnxModel::isClosed);
        }
    }
}
