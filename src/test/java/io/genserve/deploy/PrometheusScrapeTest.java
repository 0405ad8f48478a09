package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.genserve.TestHttp;
import io.genserve.TestMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (the Debian package's binary, installed by .ci/setup.sh) scrapes
 * the running service with the scrape settings the chart renders (the prometheus.io/* pod
 * annotations, which the ServiceMonitor's endpoint matches), and PromQL through Prometheus's HTTP
 * API finds the request counter after a few requests. Also asks the running service for the
 * chart's probe paths. Outside CI, a machine without /usr/bin/prometheus skips the scrape.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusScrapeTest {
    /** The fixture models, plus a generator whose queue holds one request that waits 1.5 s: a sure refusal. */
    static final Path REPOSITORY = repository();

    static final Path PROMETHEUS = Path.of(System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus"));
    static final String JOB = "genserve";
    static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * The chart's alert rules, with thresholds that any failure, any slowness and any refusal
     * cross, and no pending time, so that the traffic below makes them fire.
     */
    static final PrometheusRule RULES_FIRING_ON_ANY_TROUBLE = HelmChart.render(
                    "prometheusRule.enabled", "true",
                    "prometheusRule.errorRatio.threshold", "0",
                    "prometheusRule.errorRatio.for", "0s",
                    "prometheusRule.latencyP99.seconds", "0.000001",
                    "prometheusRule.latencyP99.for", "0s",
                    "prometheusRule.rejectedRatio.threshold", "0",
                    "prometheusRule.rejectedRatio.for", "0s")
            .one(PrometheusRule.class);

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
    }

    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-scrape");
            Path fixtures = TestHttp.FIXTURES.resolve("models");
            try (var models = Files.list(fixtures)) {
                for (Path m : models.toList()) {
                    Path to = Files.createDirectories(root.resolve(m.getFileName()));
                    try (var files = Files.list(m)) {
                        for (Path f : files.toList()) {
                            Files.copy(f, to.resolve(f.getFileName()));
                        }
                    }
                }
            }
            TestMetrics.copyModel(
                    fixtures.resolve("gen-nchw-rgb"),
                    root.resolve("tiny-queue"),
                    "batching: {max-batch-size: 8, max-delay: 1500ms, max-queue-size: 1}");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the chart points the scrape annotations and the probes. */
    @LocalManagementPort
    int managementPort;

    Path dir;
    Process prometheus;
    Path log;
    String api;
    final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startPrometheus() throws IOException {
        boolean installed = Files.isExecutable(PROMETHEUS);
        if (!installed && System.getenv("CI") != null) {
            throw new AssertionError(PROMETHEUS + " is missing: CI must run .ci/setup.sh first");
        }
        if (!installed) {
            return; // the scrape test is skipped, the probe-path test still runs
        }

        Map<String, String> annotations = HelmChart.render()
                .one(Deployment.class)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true");
        dir = Files.createTempDirectory("genserve-prometheus");
        // The chart's scrape settings; only the address differs: the pod's IP and port there, the
        // test's random port here. Intervals are short so that the test is fast.
        String config = """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: [rules.yml]
                scrape_configs:
                  - job_name: %s
                    scheme: %s
                    metrics_path: %s
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels: {namespace: %s, pod: genserve-0}
                """.formatted(
                        JOB,
                        annotations.get("prometheus.io/scheme"),
                        annotations.get("prometheus.io/path"),
                        managementPort,
                        HelmChart.NAMESPACE);
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Files.writeString(dir.resolve("rules.yml"), RULES_FIRING_ON_ANY_TROUBLE.ruleFile());
        int prometheusPort = TestProcesses.freePort();
        api = "http://127.0.0.1:" + prometheusPort + "/api/v1/";
        log = dir.resolve("prometheus.log");
        prometheus = new ProcessBuilder(
                        PROMETHEUS.toString(),
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + prometheusPort,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        prometheus.getOutputStream().close();
        TestProcesses.await("Prometheus scraping the service", Duration.ofSeconds(60), prometheus, log, () -> {
            JsonNode up = query("up{job=\"" + JOB + "\"}");
            return up != null
                    && up.size() == 1
                    && up.get(0).at("/value/1").asString().equals("1");
        });
    }

    @AfterAll
    void stopPrometheus() throws IOException {
        if (prometheus != null) {
            TestProcesses.stop(prometheus, Duration.ofSeconds(10));
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void promqlFindsTheRequestCounterAfterAFewRequests() {
        Assumptions.assumeTrue(prometheus != null, PROMETHEUS + " is not installed (apt-get install prometheus)");
        double before = counter();
        TestHttp http = new TestHttp(port);
        for (int seed = 0; seed < 3; seed++) {
            HttpResponse<byte[]> r =
                    http.postJson("/generate", "{\"model\": \"gen-nchw-rgb\", \"seed\": " + seed + "}", null);
            assertThat(r.statusCode()).as(TestHttp.text(r)).isEqualTo(200);
        }
        TestProcesses.await(
                "genserve_requests_total through PromQL",
                Duration.ofSeconds(30),
                prometheus,
                log,
                () -> counter() >= before + 3);

        JsonNode histogram = query(
                "sum by (le) (genserve_request_duration_seconds_bucket{job=\"" + JOB + "\",model=\"gen-nchw-rgb\"})");
        assertThat(histogram)
                .as("the request-duration histogram is scraped too")
                .isNotEmpty();
    }

    @Test
    void theChartsProbePathsAnswerOnTheRunningService() {
        Container c = HelmChartTest.container(HelmChart.render());
        TestHttp http = new TestHttp(managementPort);
        for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
            HttpResponse<byte[]> r = http.get(probe.getHttpGet().getPath());
            // Readiness may be 503 (OUT_OF_SERVICE) while some fixture model is failed: it exists.
            assertThat(r.statusCode()).as(probe.getHttpGet().getPath()).isIn(200, 503);
            assertThat(TestHttp.text(r)).contains("\"status\"");
        }
        assertThat(http.get(c.getLivenessProbe().getHttpGet().getPath()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void everyQueryOfTheDashboardAnswersWithNumbersAfterAFewRequests() {
        Assumptions.assumeTrue(prometheus != null, PROMETHEUS + " is not installed (apt-get install prometheus)");
        Monitoring.Api prometheusApi = new Monitoring.Api(api);
        troubleInTwoWaves(prometheusApi);
        List<Monitoring.Query> queries = new ArrayList<>(Monitoring.dashboardQueries(JOB));
        queries.addAll(Monitoring.variableQueries(JOB));
        assertThat(queries).hasSizeGreaterThan(25);
        for (Monitoring.Query q : queries) {
            JsonNode result = prometheusApi.query(q.promql());
            assertThat(Monitoring.hasFiniteSample(result))
                    .as("%s: %s\nanswered %s", q.where(), q.promql(), result)
                    .isTrue();
        }
    }

    @Test
    void theChartsAlertRulesEvaluateAndFireOnFailuresSlownessAndRefusals() {
        Assumptions.assumeTrue(prometheus != null, PROMETHEUS + " is not installed (apt-get install prometheus)");
        Monitoring.Api prometheusApi = new Monitoring.Api(api);
        troubleInTwoWaves(prometheusApi);
        Set<String> fire = Set.of("GenserveErrorRatioHigh", "GenserveLatencyOverSlo", "GenserveQueueSaturated");
        TestProcesses.await("the alerts " + fire + " firing", Duration.ofSeconds(30), prometheus, log, () -> {
            Set<String> firing = new HashSet<>();
            for (JsonNode alert : prometheusApi.get("alerts").at("/data/alerts")) {
                if (alert.path("state").asString().equals("firing")) {
                    firing.add(alert.at("/labels/alertname").asString());
                }
            }
            return firing.containsAll(fire);
        });
        // Every rule Prometheus loaded evaluates without an error...
        List<String> loaded = new ArrayList<>();
        for (JsonNode group : prometheusApi.get("rules").at("/data/groups")) {
            for (JsonNode rule : group.path("rules")) {
                loaded.add(rule.path("name").asString());
                assertThat(rule.path("health").asString())
                        .as("%s: %s", rule.path("name"), rule.path("lastError"))
                        .isEqualTo("ok");
            }
        }
        assertThat(loaded)
                .containsExactlyInAnyOrderElementsOf(RULES_FIRING_ON_ANY_TROUBLE.rules().stream()
                        .map(PrometheusRule.Rule::alert)
                        .toList());
        // ...and the two that have nothing to say while every model is ready and the pod is up
        // are quiet, over series that exist.
        for (PrometheusRule.Rule rule : RULES_FIRING_ON_ANY_TROUBLE.rules()) {
            if (!fire.contains(rule.alert())) {
                assertThat(prometheusApi.query(rule.expr())).as(rule.alert()).isEmpty();
            }
        }
        String release = "job=\"" + JOB + "\", namespace=\"" + HelmChart.NAMESPACE + "\"";
        assertThat(prometheusApi.query("genserve_model_state{" + release + ", state=\"failed\"}"))
                .as("GenserveModelFailed's series")
                .hasSizeGreaterThan(5);
        assertThat(prometheusApi.query("up{" + release + "} == 1 unless on (instance) (genserve_model_state{" + release
                        + ", state!=\"ready\"} == 1)"))
                .as("GenserveNoReadyPods's ready pods")
                .hasSize(1);
    }

    /**
     * Successes on every task, a client error, a timeout and a refusal, twice, the second time
     * after Prometheus has scraped the first: a counter that appears with its first request has no
     * rate until it grows again.
     */
    private void troubleInTwoWaves(Monitoring.Api prometheusApi) {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        for (int wave = 0; wave < 2; wave++) {
            double seen = scrapedTroubles(prometheusApi);
            assertThat(http.postJson("/generate", "{\"model\": \"gen-nchw-rgb\", \"count\": 4}", null)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(http.postMultipart(
                                    "/inpaint",
                                    TestHttp.parts(
                                            "image", TestHttp.FIXTURES.resolve("photo-301x203.png"),
                                            "mask", TestHttp.FIXTURES.resolve("mask-301x203.png"),
                                            "model", "inpaint-dynamic"),
                                    null)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(http.postMultipart(
                                    "/style-transfer",
                                    TestHttp.parts(
                                            "image",
                                            TestHttp.FIXTURES.resolve("photo-301x203.png"),
                                            "style",
                                            "style-gray-tile"),
                                    null)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(http.postJson("/generate", "{\"model\": \"gen-nchw-rgb\", \"count\": 0}", null)
                            .statusCode())
                    .isEqualTo(400);
            // tiny-queue holds a lone request 1.5 s for company, so a deadline of 100 ms always
            // passes while it is queued (a deadline on a fast run depends on the machine's speed).
            assertThat(http.postJson("/generate", "{\"model\": \"tiny-queue\", \"timeoutMs\": 100}", null)
                            .statusCode())
                    .as("a request with a deadline of 100 ms timed out while queued")
                    .isEqualTo(504);
            // A request waits 1.5 s in tiny-queue's queue of one; the next is refused.
            CompletableFuture<HttpResponse<byte[]>> waiting = CompletableFuture.supplyAsync(
                    () -> http.postJson("/generate", "{\"model\": \"tiny-queue\"}", null));
            awaitQueued(management, "tiny-queue");
            HttpResponse<byte[]> refused = http.postJson("/generate", "{\"model\": \"tiny-queue\"}", null);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(waiting.join().statusCode()).isEqualTo(200);
            TestProcesses.await(
                    "wave " + wave + " scraped",
                    Duration.ofSeconds(30),
                    prometheus,
                    log,
                    () -> scrapedTroubles(prometheusApi) >= seen + 3);
        }
    }

    private static void awaitQueued(TestHttp management, String model) {
        try {
            TestMetrics.awaitMetric(management, "genserve_queue_depth\\{model=\"" + model + "\"}", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The timeouts, client errors and refusals Prometheus has scraped so far. */
    private static double scrapedTroubles(Monitoring.Api prometheusApi) {
        JsonNode r = prometheusApi.query(
                "sum(genserve_requests_total{job=\"" + JOB + "\", outcome=~\"timeout|client_error|rejected\"})");
        return r.isEmpty() ? 0 : Double.parseDouble(r.get(0).at("/value/1").asString());
    }

    /** The success counter of gen-nchw-rgb's generate requests, 0 before the first one. */
    private double counter() {
        JsonNode result = query("sum(genserve_requests_total{job=\"" + JOB
                + "\",model=\"gen-nchw-rgb\",task=\"generate\",outcome=\"success\"})");
        return result == null || result.isEmpty()
                ? 0
                : Double.parseDouble(result.get(0).at("/value/1").asString());
    }

    /** An instant query's result vector; null while Prometheus does not answer yet. */
    private JsonNode query(String promql) {
        try {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create(
                                    api + "query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("status").asString()).isEqualTo("success");
            return body.at("/data/result");
        } catch (IOException e) {
            return null; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
