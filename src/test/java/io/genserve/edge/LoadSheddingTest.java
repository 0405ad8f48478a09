package io.genserve.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.RawHttp;
import io.genserve.TestHttp;
import io.genserve.TestMetrics;
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
 * is refused at once with 429 + Retry-After from its headers, before its body is read or parsed (a
 * malformed body gets 429, not 400), the refusal is counted, and the place comes back when the
 * first two are answered. A client still sending its body holds no place, and is refused once its
 * body is in, on a connection that stays open; a body over the endpoint's size is still 413.
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
    void overTheLimitARequestIsRefusedFromItsHeadersAndKeepsItsConnection() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double shedBefore = shed(management, "headers");
        List<CompletableFuture<HttpResponse<byte[]>>> inProgress = fillTheLimit(http, management);
        try {
            // Headers and body in one write, so that the body is there when the headers are looked at
            // (java.net.http writes them apart, and its body may come a moment later: then it is read
            // and refused by the intake filter instead, which the next test covers).
            String malformed = "{this is not json";
            RawHttp.Answer refused = RawHttp.exchange(port, post("/generate", malformed.length(), malformed), 5_000);
            assertThat(refused.status()).as(refused.head()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            JsonNode p = JSON.readTree(refused.body());
            assertThat(p.get("type").asString()).isEqualTo("urn:genserve:problem:overloaded");
            assertThat(p.get("detail").asString()).contains("adaptive limit 2");
            assertThat(shed(management, "headers")).isEqualTo(shedBefore + 1);
            // The body came with the headers: drained, so the client keeps its connection.
            assertThat(refused.header("Connection")).isNull();
        } finally {
            awaitEmpty(inProgress, management); // whatever failed, the next test starts with the limit free
        }
        HttpResponse<byte[]> malformed = http.postJson("/generate", "{this is not json", null);
        assertThat(malformed.statusCode())
                .as("within the limit, the same body is parsed and refused as bad input")
                .isEqualTo(400);
    }

    @Test
    void aRefusedBodyThatIsStillComingIsReadWithoutAThreadAndRefusedOnTheSameConnection() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        List<CompletableFuture<HttpResponse<byte[]>>> inProgress = fillTheLimit(http, management);
        try {
            double shedBefore = shed(management, "body");
            String body = "{\"seed\": 1}";
            try (Socket client = new Socket("127.0.0.1", port)) {
                client.setSoTimeout(10_000);
                // The tail of the body comes 300 ms after the headers. Cut off then, its unread bytes would
                // make the close a reset that can overtake the 429 (what a flood of large bodies saw).
                send(client, post("/generate", body.length(), body.substring(0, 4)));
                Thread.sleep(300);
                send(client, body.substring(4));
                RawHttp.Answer refused = RawHttp.parse(readAnswer(client));
                assertThat(refused.status()).as(refused.head()).isEqualTo(429);
                assertThat(refused.header("Retry-After")).isEqualTo("1");
                assertThat(refused.header("Connection"))
                        .as("the body was read: the connection stays")
                        .isNull();
                assertThat(shed(management, "body")).isEqualTo(shedBefore + 1);
                // The same connection carries the client's next request.
                send(client, post("/generate", body.length(), body));
                assertThat(RawHttp.parse(readAnswer(client)).status()).isEqualTo(429);
            }
            // Over the endpoint's size a request can never succeed: 413 naming the limit, not "retry later".
            RawHttp.Answer tooLarge = RawHttp.exchange(port, post("/generate", 20_000, "{"), 10_000);
            assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(413);
            assertThat(tooLarge.body()).contains("genserve.http.max-body.generate");
        } finally {
            awaitEmpty(inProgress, management);
        }
    }

    @Test
    void aClientStillSendingItsBodyHoldsNoPlaceAndIsRefusedOnceItsBodyIsInIfThereIsNoneLeft() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp management = new TestHttp(managementPort);
        double shedBefore = shed(management, "body");
        String body = "{\"seed\": 7}";
        try (Socket slow = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(10_000);
            // Past the headers' look while there is room; the body is not in yet.
            send(slow, post("/generate", body.length(), body.substring(0, 4)));
            Thread.sleep(200);
            assertThat(TestMetrics.metric(management, "genserve_http_in_flight\\{endpoint=\"generate\"}"))
                    .as("a body still coming holds no place")
                    .isZero();
            List<CompletableFuture<HttpResponse<byte[]>>> inProgress = fillTheLimit(http, management);
            try {
                send(slow, body.substring(4));
                RawHttp.Answer refused = RawHttp.parse(readAnswer(slow));
                assertThat(refused.status()).as(refused.head()).isEqualTo(429);
                assertThat(refused.body()).contains("adaptive limit 2");
                assertThat(shed(management, "body")).isEqualTo(shedBefore + 1);
            } finally {
                awaitEmpty(inProgress, management);
            }
        }
    }

    /** Two requests that wait 1.5 s in the slow model's queue: the limit of 2 is in use. */
    private static List<CompletableFuture<HttpResponse<byte[]>>> fillTheLimit(TestHttp http, TestHttp management)
            throws InterruptedException {
        List<CompletableFuture<HttpResponse<byte[]>>> inProgress = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String body = "{\"seed\": " + i + "}";
            inProgress.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), CLIENTS));
        }
        TestMetrics.awaitMetric(management, "genserve_queue_depth\\{model=\"slow\"}", 2);
        return inProgress;
    }

    /** The requests in progress succeed and their places come back (just after the client has the answer). */
    private static void awaitEmpty(List<CompletableFuture<HttpResponse<byte[]>>> inProgress, TestHttp management)
            throws Exception {
        for (CompletableFuture<HttpResponse<byte[]>> f : inProgress) {
            assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (TestMetrics.metric(management, "genserve_http_in_flight\\{endpoint=\"generate\"}") > 0
                && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    private static double shed(TestHttp management, String stage) {
        return TestMetrics.metric(
                management, "genserve_http_shed_total\\{endpoint=\"generate\",stage=\"" + stage + "\"}");
    }

    private static String post(String path, int contentLength, String bodySent) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n" + bodySent;
    }

    /** Writes {@code text} to the server at once. */
    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(ascii(text));
        s.getOutputStream().flush();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Reads one answer with a Content-Length body from a connection that stays open. */
    private static byte[] readAnswer(Socket s) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (true) {
            int n = s.getInputStream().read(buf);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, n);
            RawHttp.Answer a = RawHttp.parse(out.toByteArray());
            String length = a.header("Content-Length");
            if (length != null && a.body().length() >= Integer.parseInt(length)) {
                return out.toByteArray();
            }
        }
    }
}
