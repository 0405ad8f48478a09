package io.genserve.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import io.genserve.TestMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The adaptive concurrency limit at the edge, pinned to 2 requests in progress: a third request
 * is refused at once with 429 + Retry-After before its body is parsed (a malformed body gets 429,
 * not 400), the refusal is counted, and the place comes back when the first two are answered.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "genserve.http.shedding.initial-limit=2",
            "genserve.http.shedding.min-limit=2",
            "genserve.http.shedding.max-limit=2"
        })
class LoadSheddingTest {
    static final Path REPOSITORY = repository();
    static final ExecutorService CLIENTS = Executors.newFixedThreadPool(4);
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
    }

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    /** A generator that waits 1.5 s for company before each batch: requests stay in progress. */
    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-shedding");
            TestMetrics.copyModel(
                    TestHttp.FIXTURES.resolve("models/gen-nchw-rgb"),
                    root.resolve("slow"),
                    "batching: {max-batch-size: 8, max-delay: 1500ms}");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void overTheLimitARequestIsRefusedBeforeItsBodyIsParsed() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double shedBefore = TestMetrics.metric(management, "genserve_http_shed_total\\{endpoint=\"generate\"}");
        List<CompletableFuture<HttpResponse<byte[]>>> inProgress = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String body = "{\"seed\": " + i + "}";
            inProgress.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), CLIENTS));
        }
        TestMetrics.awaitMetric(management, "genserve_queue_depth\\{model=\"slow\"}", 2);

        HttpResponse<byte[]> refused = http.postJson("/generate", "{this is not json", null);
        assertThat(refused.statusCode()).as(TestHttp.text(refused)).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = JSON.readTree(refused.body());
        assertThat(p.get("type").asString()).isEqualTo("urn:genserve:problem:overloaded");
        assertThat(p.get("detail").asString()).contains("adaptive limit 2");
        assertThat(TestMetrics.metric(management, "genserve_http_shed_total\\{endpoint=\"generate\"}"))
                .isEqualTo(shedBefore + 1);

        for (CompletableFuture<HttpResponse<byte[]>> f : inProgress) {
            assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        // Places come back once the answers are complete (asynchronously, just after the client has them).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (TestMetrics.metric(management, "genserve_http_in_flight\\{endpoint=\"generate\"}") > 0
                && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        HttpResponse<byte[]> malformed = http.postJson("/generate", "{this is not json", null);
        assertThat(malformed.statusCode())
                .as("within the limit, the same body is parsed and refused as bad input")
                .isEqualTo(400);
    }
}
