package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.GenserveApplication;
import io.genserve.TestHttp;
import io.genserve.TestMetrics;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SIGTERM semantics (what context close does on SIGTERM): stop accepting, finish every accepted
 * request, only then close the sessions.
 */
class GracefulShutdownTest {

    @Test
    void acceptedRequestsFinishBeforeTheSessionsClose() throws Exception {
        Path repo = Files.createTempDirectory("genserve-shutdown");
        TestMetrics.copyModel(
                TestHttp.FIXTURES.resolve("models/gen-nchw-rgb"),
                repo.resolve("slow"),
                "batching: {max-batch-size: 8, max-delay: 1500ms}");
        ConfigurableApplicationContext context = new SpringApplication(GenserveApplication.class)
                .run(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--genserve.model-repository=" + repo,
                        "--spring.main.banner-mode=off");
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        TestHttp http = new TestHttp(port);
        TestHttp management =
                new TestHttp(Integer.parseInt(context.getEnvironment().getProperty("local.management.port")));
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<HttpResponse<byte[]>>> accepted = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String body = "{\"seed\": " + i + "}";
                accepted.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), clients));
            }
            TestMetrics.awaitMetric(
                    management,
                    "genserve_queue_depth\\{model=\"slow\"}",
                    3); // all three wait for the 1500 ms batch window
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(context::close, clients);
            for (CompletableFuture<HttpResponse<byte[]>> f : accepted) {
                HttpResponse<byte[]> r = f.get(20, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
            }
            shutdown.get(30, TimeUnit.SECONDS);
            assertThat(context.isActive()).isFalse();
            // Nothing listens any more: a new request cannot even connect.
            assertThat(CompletableFuture.supplyAsync(() -> {
                                try {
                                    return http.get("/models").statusCode();
                                } catch (RuntimeException e) {
                                    return -1;
                                }
                            })
                            .get(10, TimeUnit.SECONDS))
                    .isEqualTo(-1);
        } finally {
            clients.shutdownNow();
            if (context.isActive()) {
                context.close();
            }
        }
    }
}
