package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import io.genserve.TestMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default generator failed to load (a corrupt graph) beside a good inpainting model: a request
 * that names no generator is the server's condition, 503 naming the model and its failure, not a
 * 404 "unknown model"; the other task is served as before.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DefaultModelFailedTest {
    static final Path REPOSITORY = repository();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
    }

    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-default-failed");
            Path models = FIXTURES.resolve("models");
            Path generator = Files.createDirectories(root.resolve("the-generator"));
            byte[] graph = Files.readAllBytes(models.resolve("gen-nchw-rgb/model.onnx"));
            Files.write(generator.resolve("model.onnx"), Arrays.copyOf(graph, graph.length / 2));
            Files.copy(models.resolve("gen-nchw-rgb/genserve.yaml"), generator.resolve("genserve.yaml"));
            TestMetrics.copyModel(models.resolve("inpaint-dynamic"), root.resolve("inpainter"), "");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRequestForTheFailedDefaultIs503NamingTheModelAndItsFailure() throws Exception {
        TestHttp http = new TestHttp(port);
        HttpResponse<byte[]> r = http.postJson("/generate", "{\"seed\": 1}", null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        JsonNode p = JsonMapper.builder().build().readTree(r.body());
        assertThat(p.get("model").asString()).isEqualTo("the-generator");
        assertThat(p.get("detail").asString())
                .startsWith("model 'the-generator' is failed: ONNX Runtime cannot load model.onnx")
                .endsWith("no generate model is ready for a request that names none");

        HttpResponse<byte[]> inpainted = http.postMultipart(
                "/inpaint",
                parts("image", FIXTURES.resolve("photo-301x203.png"), "mask", FIXTURES.resolve("mask-301x203.png")),
                null);
        assertThat(inpainted.statusCode()).as(text(inpainted)).isEqualTo(200);
    }
}
