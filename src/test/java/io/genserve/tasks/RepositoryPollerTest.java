package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.ModelState;
import io.genserve.runtime.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

/** Polling with real sessions; each look is called by the test, so nothing waits on a clock. */
class RepositoryPollerTest {
    @TempDir
    Path repository;

    @Test
    void aNewFolderLoadsAChangedOneIsReplacedAndARemovedOneUnloadsOnceTwoLooksAgree() throws Exception {
        TestCatalogs.copyFixture("swap-a", repository, "m");
        try (TestCatalogs parts = new TestCatalogs()) {
            ModelCatalog catalog = parts.catalog(repository, TestCatalogs.ORT::load);
            catalog.start();
            RepositoryPoller poller = new RepositoryPoller(
                    catalog,
                    new CatalogProperties(repository, true, Duration.ofSeconds(60), Duration.ofSeconds(1)),
                    Duration.ofSeconds(5));
            poller.prime();
            String first = catalog.status("m").served().version();

            TestCatalogs.copyFixture("swap-b", repository, "n");
            poller.poll();
            assertThat(catalog.statuses()).extracting(ModelStatus::name).containsExactly("m");
            poller.poll(); // the same sizes and times twice: settled
            assertThat(catalog.status("n").state()).isEqualTo(ModelState.READY);

            TestCatalogs.copyFixture("swap-b", repository, "m");
            poller.poll();
            assertThat(catalog.status("m").served().version()).isEqualTo(first);
            poller.poll();
            assertThat(catalog.status("m").served().version())
                    .isEqualTo(catalog.status("n").served().version())
                    .isNotEqualTo(first);

            FileSystemUtils.deleteRecursively(repository.resolve("n"));
            poller.poll();
            assertThat(catalog.statuses()).extracting(ModelStatus::name).containsExactly("m", "n");
            poller.poll();
            assertThat(catalog.statuses()).extracting(ModelStatus::name).containsExactly("m");
            assertThat(parts.registry.getMeters())
                    .noneMatch(meter -> "n".equals(meter.getId().getTag("model")));

            // m's first version and n are closed; m's second version serves.
            assertThat(parts.opened).hasSize(3);
            assertThat(parts.opened.stream().filter(OnnxModel::isClosed)).hasSize(2);
            assertThat(TestCatalogs.ORT.openSessions()).isEqualTo(1);
            poller.stop();
            catalog.stop();
            assertThat(parts.opened).allMatch(OnnxModel::isClosed);
            assertThat(Files.exists(repository.resolve("m"))).isTrue();
        }
    }
}
