package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.Readme;
import io.genserve.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * The README blocks that need a service of their own (ReadmeShell.needsOwnService) run as written:
 * the model management block, against a service started with the settings it exports (given to the
 * service as environment variables, as the export gives them to {@code mvn spring-boot:run}) on a
 * copy of ./models, in a folder that also holds {@code retrained/model.onnx}; then the blocks that
 * use a fixture model (ReadmeShell.EXTRA_MODELS), which is copied into the repository and loaded
 * through the management API, as the README's reader copies it into models/.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextConfiguration(initializers = ReadmeManagementCommandsTest.ReadmeExports.class)
@DirtiesContext // the blocks replace and unload models: no other test may get this service
class ReadmeManagementCommandsTest {
    /** Where the blocks run: models/ (the repository served) and retrained/. */
    static final Path WORK = work();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", () -> WORK.resolve("models").toString());
    }

    /** The README's {@code export GENSERVE_...} settings, in the service's environment. */
    static final class ReadmeExports implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Map<String, Object> variables = new HashMap<>(System.getenv());
            variables.putAll(exports());
            context.getEnvironment()
                    .getPropertySources()
                    .replace(
                            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            new SystemEnvironmentPropertySource(
                                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        }
    }

    static List<Readme.Block> blocks() {
        return Readme.blocks().stream()
                .filter(ReadmeShell::runs)
                .filter(ReadmeShell::needsOwnService)
                .toList();
    }

    static Map<String, String> exports() {
        Map<String, String> exports = new HashMap<>();
        blocks().forEach(b -> exports.putAll(ReadmeShell.exports(b)));
        return exports;
    }

    /**
     * A copy of ./models to serve, and retrained/model.onnx: fashion-gan's graph with a doc_string
     * appended as one more field of the ONNX ModelProto (field 6, length-delimited; a later field
     * is as valid as an earlier one in protobuf). The same model, other bytes: another version.
     */
    static Path work() {
        try {
            Path work = Files.createTempDirectory("genserve-readme");
            Path models = work.resolve("models");
            try (Stream<Path> files = Files.walk(Path.of("models"))) {
                for (Path p : files.toList()) {
                    Path target = models.resolve(Path.of("models").relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            byte[] graph = Files.readAllBytes(Path.of("models/fashion-gan/model.onnx"));
            byte[] docString = "retrained".getBytes(StandardCharsets.US_ASCII);
            byte[] retrained = new byte[graph.length + 2 + docString.length];
            System.arraycopy(graph, 0, retrained, 0, graph.length);
            retrained[graph.length] = (6 << 3) | 2; // field 6 (doc_string), wire type 2 (length-delimited)
            retrained[graph.length + 1] = (byte) docString.length;
            System.arraycopy(docString, 0, retrained, graph.length + 2, docString.length);
            Files.createDirectories(work.resolve("retrained"));
            Files.write(work.resolve("retrained/model.onnx"), retrained);
            ReadmeShell.writeInputs(work);
            return work;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service has read its models; the folder (a copy of ./models) need not outlive the class. */
    @AfterAll
    static void removeWork() throws IOException {
        FileSystemUtils.deleteRecursively(WORK);
    }

    @TestFactory
    Stream<DynamicTest> blocksThatNeedTheirOwnServiceRunAsWritten() {
        ReadmeShell.requireTools();
        ReadmeShell shell = new ReadmeShell(port, managementPort);
        // A fixture model joins the repository only after the blocks that list the repository.
        return blocks().stream()
                .sorted(Comparator.comparing(b -> !ReadmeShell.extraModels(b).isEmpty()))
                .map(b -> DynamicTest.dynamicTest("README.md:" + b.line(), () -> {
                    for (String model : ReadmeShell.extraModels(b)) {
                        add(model, ReadmeShell.EXTRA_MODELS.get(model));
                    }
                    shell.run(b, WORK);
                }));
    }

    @Test
    void theReadmeHasBlocksForThisService() {
        // The management block (it exports the settings) and the block on the srcnn fixture.
        assertThat(blocks()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(exports()).containsKeys("GENSERVE_MANAGEMENT_ENABLED", "GENSERVE_MANAGEMENT_TOKEN");
    }

    /** Copies a fixture into the repository as {@code name} and loads it through the management API. */
    private void add(String name, String fixture) throws IOException {
        Path folder = WORK.resolve("models").resolve(name);
        if (Files.isDirectory(folder)) {
            return;
        }
        Files.createDirectories(folder);
        try (Stream<Path> files = Files.list(TestHttp.FIXTURES.resolve("models").resolve(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        TestHttp http = new TestHttp(port);
        HttpResponse<byte[]> load = http.send(http.request("/v2/repository/models/" + name + "/load")
                .header("Authorization", "Bearer " + exports().get("GENSERVE_MANAGEMENT_TOKEN"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(load.statusCode()).as(TestHttp.text(load)).isEqualTo(200);
    }
}
