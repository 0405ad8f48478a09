package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One good model, one whose manifest contradicts its graph, one corrupt graph: the service starts and says why. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BrokenRepositoryTest {
    static final Path REPOSITORY = repository();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
    }

    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-broken");
            Path models = FIXTURES.resolve("models");
            Path good = Files.createDirectories(root.resolve("good"));
            Files.copy(models.resolve("gen-nchw-rgb/model.onnx"), good.resolve("model.onnx"));
            Files.copy(models.resolve("gen-nchw-rgb/genserve.yaml"), good.resolve("genserve.yaml"));

            Path mismatch = Files.createDirectories(root.resolve("mismatch"));
            Files.copy(models.resolve("gen-nchw-rgb/model.onnx"), mismatch.resolve("model.onnx"));
            Files.writeString(
                    mismatch.resolve("genserve.yaml"),
                    Files.readString(models.resolve("gen-nchw-rgb/genserve.yaml"))
                            .replace(
                                    "{name: z, role: latent, dtype: float32",
                                    "{name: noise, role: latent, dtype: float16"));

            Path corrupt = Files.createDirectories(root.resolve("corrupt"));
            byte[] graph = Files.readAllBytes(models.resolve("gen-nchw-rgb/model.onnx"));
            Files.write(corrupt.resolve("model.onnx"), java.util.Arrays.copyOf(graph, graph.length / 2));
            Files.copy(models.resolve("gen-nchw-rgb/genserve.yaml"), corrupt.resolve("genserve.yaml"));

            Path typo = Files.createDirectories(root.resolve("typo"));
            Files.copy(models.resolve("gen-nchw-rgb/model.onnx"), typo.resolve("model.onnx"));
            Files.writeString(
                    typo.resolve("genserve.yaml"),
                    Files.readString(models.resolve("gen-nchw-rgb/genserve.yaml"))
                            .replace("batch: dynamic", "bacth: dynamic"));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void servesTheGoodModelAndReportsEachBrokenOneWithItsReason() throws Exception {
        TestHttp http = new TestHttp(port);
        assertThat(http.postJson("/generate", "{\"model\": \"good\", \"seed\": 1}", null)
                        .statusCode())
                .isEqualTo(200);

        JsonNode models = JsonMapper.builder()
                .build()
                .readTree(http.get("/models").body())
                .get("models");
        assertThat(models).hasSize(4);
        JsonNode mismatch = JsonMapper.builder()
                .build()
                .readTree(http.get("/models/mismatch").body());
        assertThat(mismatch.get("state").asString()).isEqualTo("failed");
        assertThat(mismatch.get("reason").asString())
                .contains("input 'noise' is not in the graph", "graph input 'z' is not described");
        JsonNode corrupt = JsonMapper.builder()
                .build()
                .readTree(http.get("/models/corrupt").body());
        assertThat(corrupt.get("state").asString()).isEqualTo("failed");
        assertThat(corrupt.get("reason").asString()).contains("ONNX Runtime cannot load model.onnx");
        JsonNode typo =
                JsonMapper.builder().build().readTree(http.get("/models/typo").body());
        assertThat(typo.get("reason").asString()).contains("unknown key 'bacth'", "batch");

        var refused = http.postJson("/generate", "{\"model\": \"corrupt\"}", null);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();

        // Strict readiness: the pod is not ready while a configured model is broken; liveness stays up.
        // The reasons are in /models; the health endpoint names no model and no failure to anonymous callers.
        TestHttp management = new TestHttp(managementPort);
        var readiness = management.get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(text(readiness)).contains("OUT_OF_SERVICE").doesNotContain("mismatch", "failed");
        assertThat(management.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }
}
