package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.genserve.TestHttp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (the Debian package's binary, installed by .ci/setup.sh) scrapes
 * the running service with the scrape settings the chart renders (the prometheus.io/* pod
 * annotations, which the ServiceMonitor's endpoint matches), and PromQL through Prometheus's HTTP
 * API finds the request counter after a few requests. Also asks the running service for the
 * chart's probe paths. Outside CI, a machine without /usr/bin/prometheus skips the scrape.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusScrapeTest {
    static final Path PROMETHEUS = Path.of(System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus"));
    static final String JOB = "genserve";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

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
