package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.GenserveApplication;
import io.genserve.TestHttp;
import io.genserve.TestImages;
import io.genserve.deploy.TestProcesses;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service in a JVM with a small heap (a child process with -Xmx160m), asked for large images
 * in parallel. With the memory budget out of the way, decoding really runs out of heap: every
 * answer must be 200 or 503 + Retry-After (never a 400 "corrupt image", never a 500), and the
 * service must stay healthy. With the default budget (a quarter of the heap), an image whose
 * decoding could never fit is refused with 413 before it is decoded.
 */
class SmallHeapTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** One colour: a 40 KB file that takes ~100 MB of heap to decode (12 bytes a pixel at the peak). */
    static final byte[] LARGE = TestImages.png(2900, 2900);

    @Test
    void runningOutOfHeapWhileDecodingAnswers503AndTheServiceStaysHealthy() throws Exception {
        try (Service service = Service.start("--genserve.batching.max-queued-memory=8GB")) {
            ExecutorService clients = Executors.newFixedThreadPool(6);
            try {
                List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    answers.add(CompletableFuture.supplyAsync(service::styleLarge, clients));
                }
                int unavailable = 0;
                for (CompletableFuture<HttpResponse<byte[]>> f : answers) {
                    HttpResponse<byte[]> r = f.get(120, TimeUnit.SECONDS);
                    // 504: a 2900x2900 run that decoded can outlast the 30 s deadline on a loaded machine.
                    assertThat(r.statusCode()).as(TestHttp.text(r)).isIn(200, 503, 504);
                    if (r.statusCode() == 503) {
                        unavailable++;
                        assertThat(r.headers().firstValue("Retry-After")).isPresent();
                        assertThat(JSON.readTree(r.body()).get("type").asString())
                                .isEqualTo("urn:genserve:problem:memory-exhausted");
                    }
                }
                assertThat(unavailable)
                        .as("the heap really ran out at least once")
                        .isPositive();
            } finally {
                clients.shutdownNow();
            }
            service.assertHealthy();
        }
    }

    @Test
    void withTheDefaultBudgetAnImageThatCouldNeverFitIsRefusedBeforeDecoding() throws Exception {
        try (Service service = Service.start()) {
            HttpResponse<byte[]> r = service.styleLarge();
            assertThat(r.statusCode()).as(TestHttp.text(r)).isEqualTo(413);
            JsonNode p = JSON.readTree(r.body());
            assertThat(p.get("limit").asString()).isEqualTo("genserve.batching.max-queued-memory");
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            service.assertHealthy();
        }
    }

    /** The application in a child JVM with a small heap, on the fixture repository. */
    record Service(Process process, Path log, TestHttp api, TestHttp management) implements AutoCloseable {
        static Service start(String... extra) throws Exception {
            int port = TestProcesses.freePort();
            int managementPort = TestProcesses.freePort();
            while (managementPort == port) {
                managementPort = TestProcesses.freePort();
            }
            Path log = Files.createTempFile("genserve-small-heap", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx160m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    GenserveApplication.class.getName(),
                    "--server.port=" + port,
                    "--management.server.port=" + managementPort,
                    "--genserve.model-repository=" + new File("src/test/resources/fixtures/models").getAbsolutePath(),
                    "--spring.main.banner-mode=off",
                    "--springdoc.api-docs.enabled=false"));
            command.addAll(List.of(extra));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            p.getOutputStream().close();
            TestHttp management = new TestHttp(managementPort);
            TestProcesses.await("the small-heap service ready", Duration.ofSeconds(120), p, log, () -> {
                try {
                    return management.get("/actuator/health/readiness").statusCode() == 200;
                } catch (RuntimeException notYet) {
                    return false;
                }
            });
            return new Service(p, log, new TestHttp(port), management);
        }

        HttpResponse<byte[]> styleLarge() {
            return api.postMultipart(
                    "/style-transfer", TestHttp.parts("image", LARGE, "style", "style-nhwc-bgr-fp16"), null);
        }

        /** Alive, live and still serving: liveness 200, and a small request answered 200. */
        void assertHealthy() {
            assertThat(process.isAlive()).as(TestProcesses.tail(log)).isTrue();
            assertThat(management.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> small = api.postJson("/generate", "{\"seed\": 3}", null);
            assertThat(small.statusCode()).as(TestHttp.text(small)).isEqualTo(200);
        }

        @Override
        public void close() {
            TestProcesses.stop(process, Duration.ofSeconds(20));
        }
    }
}
