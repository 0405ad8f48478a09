package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static io.genserve.TestMetrics.awaitMetric;
import static io.genserve.TestMetrics.copyModel;
import static io.genserve.TestMetrics.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.PromText;
import io.genserve.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Batching, admission and deadlines through real HTTP. The repository's manifests slow the
 * batcher down on purpose (a long max-delay, a tiny queue) so that batches, a full queue and a
 * queued deadline happen every time, not by chance of timing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BatchingEndToEndTest {
    static final Path REPOSITORY = repository();
    static final ExecutorService CLIENTS = Executors.newFixedThreadPool(16);

    @LocalServerPort
    int port;

    /** Probes and metrics live on the management port. */
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

    /** Three copies of fixture models with batching overrides in their manifests. */
    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-batching");
            Path models = FIXTURES.resolve("models");
            copyModel(
                    models.resolve("gen-nchw-rgb"),
                    root.resolve("gen"),
                    "batching: {max-batch-size: 8, max-delay: 400ms}");
            copyModel(
                    models.resolve("inpaint-dynamic"),
                    root.resolve("inpaint"),
                    "batching: {max-batch-size: 8, max-delay: 400ms}");
            copyModel(
                    models.resolve("gen-nchw-rgb"),
                    root.resolve("tiny-queue"),
                    "batching: {max-batch-size: 8, max-delay: 1500ms, max-queue-size: 3}");
            copyModel(
                    models.resolve("gen-nchw-rgb"),
                    root.resolve("lonely"),
                    "batching: {max-batch-size: 8, max-delay: 20s}");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void generatedImagesAreBitIdenticalAloneAndInsideABatch() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        List<byte[]> alone = new ArrayList<>();
        for (int seed = 100; seed < 106; seed++) {
            alone.add(http.postJson("/generate", "{\"model\": \"gen\", \"seed\": " + seed + "}", null)
                    .body());
        }
        double batchesBefore = metric(management, "genserve_batch_size_count\\{model=\"gen\"}");
        List<CompletableFuture<HttpResponse<byte[]>>> together = new ArrayList<>();
        for (int seed = 100; seed < 106; seed++) {
            String body = "{\"model\": \"gen\", \"seed\": " + seed + "}";
            together.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), CLIENTS));
        }
        for (int i = 0; i < 6; i++) {
            assertThat(together.get(i).join().body()).isEqualTo(alone.get(i));
        }
        // Six concurrent requests inside one 400 ms window: fewer runs than requests.
        assertThat(metric(management, "genserve_batch_size_count\\{model=\"gen\"}") - batchesBefore)
                .isLessThan(6);
    }

    @Test
    void inpaintedImagesAreBitIdenticalAloneAndInsideABatch() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        Path photo = FIXTURES.resolve("photo-301x203.png");
        Path mask = FIXTURES.resolve("mask-301x203.png");
        byte[] alone = http.postMultipart("/inpaint", parts("image", photo, "mask", mask, "model", "inpaint"), null)
                .body();
        List<CompletableFuture<HttpResponse<byte[]>>> together = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            together.add(CompletableFuture.supplyAsync(
                    () -> http.postMultipart("/inpaint", parts("image", photo, "mask", mask, "model", "inpaint"), null),
                    CLIENTS));
        }
        for (CompletableFuture<HttpResponse<byte[]>> f : together) {
            assertThat(f.join().body()).isEqualTo(alone);
        }
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAtOnceAndLosesNoRequest() {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        List<CompletableFuture<HttpResponse<byte[]>>> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String body = "{\"model\": \"tiny-queue\", \"seed\": " + i + "}";
            burst.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), CLIENTS));
        }
        int ok = 0, refused = 0;
        for (CompletableFuture<HttpResponse<byte[]>> f : burst) {
            HttpResponse<byte[]> r = f.join();
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(text(r)).contains("queue of model 'tiny-queue' is full");
                refused++;
            }
        }
        assertThat(ok + refused).isEqualTo(10);
        assertThat(ok).isBetween(3, 9); // the queue holds 3; what left it for a run made room for more
        assertThat(refused).isPositive();
    }

    @Test
    void aRequestStillQueuedAtItsDeadlineGets504AndIsNeverRun() {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double ranBefore = metric(management, "genserve_batch_size_sum\\{model=\"tiny-queue\"}");
        HttpResponse<byte[]> r = http.postJson("/generate", "{\"model\": \"tiny-queue\", \"timeoutMs\": 100}", null);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(text(r)).contains("while queued; it was never run");
        assertThat(metric(management, "genserve_deadline_exceeded_total\\{model=\"tiny-queue\",stage=\"queued\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(management, "genserve_batch_size_sum\\{model=\"tiny-queue\"}"))
                .isEqualTo(ranBefore);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClientThatClosesOrResetsItsConnectionWhileQueuedFreesItsPlaceAndIsNeverRun(boolean reset) throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double cancelled = metric(management, LONELY_CANCELLED);
        double runs = metric(management, "genserve_batch_size_count\\{model=\"lonely\"}");
        try (Socket client = new Socket("127.0.0.1", port)) {
            String body = "{\"model\": \"lonely\"}";
            client.getOutputStream()
                    .write(("POST /generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
            awaitMetric(management, "genserve_queue_depth\\{model=\"lonely\"}", 1); // waits for company for 20 s
            // Gone at once, perhaps before the watch's first look: the table lists the server's
            // listening socket, so a connection missing from it is gone whether seen open or not.
            if (reset) {
                client.setSoLinger(true, 0); // close() sends RST instead of FIN
            }
        }
        // Without the watch it would stay queued for the rest of the 20 s batch window.
        awaitMetric(management, "genserve_queue_depth\\{model=\"lonely\"}", 0);
        awaitMetric(management, LONELY_CANCELLED, cancelled + 1);
        assertThat(metric(management, "genserve_batch_size_count\\{model=\"lonely\"}"))
                .isEqualTo(runs);
    }

    static final String LONELY_CANCELLED =
            "genserve_requests_total\\{model=\"lonely\",outcome=\"cancelled\",task=\"generate\"}";

    @Test
    void metricsMoveAsRequestsAreServed() {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double before =
                metric(management, "genserve_requests_total\\{model=\"gen\",outcome=\"success\",task=\"generate\"}");
        http.postJson("/generate", "{\"model\": \"gen\", \"count\": 3}", null);
        http.postJson("/generate", "{\"model\": \"gen\", \"count\": 0}", null);
        String scrape = text(management.get("/actuator/prometheus"));
        assertThat(metric(scrape, "genserve_requests_total\\{model=\"gen\",outcome=\"success\",task=\"generate\"}"))
                .isEqualTo(before + 1);
        assertThat(metric(
                        scrape, "genserve_requests_total\\{model=\"gen\",outcome=\"client_error\",task=\"generate\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(scrape).contains("jvm_memory_used_bytes").contains("process_cpu_usage");
        for (String[] series : new String[][] {
            {"genserve_request_duration_seconds_bucket", "model", "gen", "task", "generate", "le", "0.1"},
            {"genserve_queue_wait_seconds_count", "model", "gen"},
            {"genserve_inference_seconds_bucket", "model", "gen"},
            {"genserve_preprocess_seconds_count", "model", "gen", "task", "generate"},
            {"genserve_postprocess_seconds_count", "model", "gen", "task", "generate"},
            {"genserve_batch_size_bucket", "model", "gen", "le", "8.0"},
            {"genserve_runs_active", "model", "gen"},
            {"genserve_model_load_duration_seconds", "model", "gen"},
            {"genserve_sessions_open"},
            {"genserve_memory_trim_seconds_count"}
        }) {
            assertThat(PromText.has(scrape, series[0], java.util.Arrays.copyOfRange(series, 1, series.length)))
                    .as(String.join(" ", series))
                    .isTrue();
        }
        assertThat(metric(scrape, "genserve_batch_size_sum\\{model=\"gen\"}")).isGreaterThanOrEqualTo(3);
    }

    /**
     * The histograms publish the buckets the README documents and no others: with Micrometer's
     * percentile histogram a timer published about 70 buckets per series, some 1,800 genserve_*
     * lines for four models.
     */
    @Test
    void histogramsPublishTheirDocumentedBucketsOnly() {
        new TestHttp(port).postJson("/generate", "{\"model\": \"gen\"}", null);
        String scrape = text(new TestHttp(managementPort).get("/actuator/prometheus"));
        assertThat(
                        buckets(
                                scrape,
                                "genserve_request_duration_seconds_bucket{model=\"gen\",protocol=\"genserve\",task=\"generate\","))
                .containsExactly("0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "5.0", "+Inf");
        assertThat(buckets(scrape, "genserve_queue_wait_seconds_bucket{model=\"gen\","))
                .containsExactly("0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1.0", "+Inf");
        assertThat(buckets(scrape, "genserve_inference_seconds_bucket{model=\"gen\","))
                .containsExactly("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "+Inf");
        assertThat(scrape).doesNotContain("genserve_preprocess_seconds_bucket", "genserve_postprocess_seconds_bucket");
    }

    /** The le values of one series' buckets, in the order of the scrape. */
    private static List<String> buckets(String scrape, String seriesPrefix) {
        List<String> les = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith(seriesPrefix)) {
                int le = line.indexOf("le=\"") + 4;
                les.add(line.substring(le, line.indexOf('"', le)));
            }
        }
        return les;
    }
}
