package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.Readme;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every ```bash block of the README runs as written against the service on the bundled models in
 * ./models, as `mvn -q spring-boot:run` serves them, and prints what the README shows
 * (ReadmeShell says what is compared); each block in a folder of its own holding the files its
 * commands read. Blocks that need another service (settings exported for it, a model that is not
 * bundled) are ReadmeManagementCommandsTest's; commands no test can run here are ReadmeNotRun's.
 * Same context as ExamplesTest and PlaygroundBrowserTest: one service for the three.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=models")
class ReadmeCommandsTest {
    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    static List<Readme.Block> blocks() {
        return Readme.blocks().stream()
                .filter(ReadmeShell::runs)
                .filter(b -> !ReadmeShell.needsOwnService(b))
                .toList();
    }

    @TestFactory
    Stream<DynamicTest> everyBlockRunsAsWrittenOnTheBundledModels(@TempDir Path work) {
        ReadmeShell.requireTools();
        ReadmeShell shell = new ReadmeShell(port, managementPort);
        return blocks().stream()
                .map(b -> DynamicTest.dynamicTest("README.md:" + b.line(), () -> {
                    Path dir = work.resolve("block-" + b.line());
                    ReadmeShell.writeInputs(dir);
                    shell.run(b, dir);
                }));
    }

    @Test
    void theExtractionFindsTheTranscripts() {
        // Against an extraction that quietly finds nothing: the README has 9 transcripts, 7 of them run here.
        assertThat(Readme.blocks().stream().filter(Readme.Block::transcript)).hasSizeGreaterThanOrEqualTo(9);
        assertThat(blocks().stream().filter(Readme.Block::transcript)).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test
    void everyToleranceNamesACommandOfTheReadme() {
        List<String> firstLines =
                Readme.commands().stream().map(Readme.Command::firstLine).toList();
        assertThat(firstLines).containsAll(ReadmeShell.VARYING.keySet());
    }
}
