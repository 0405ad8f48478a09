package io.genserve.edge;

import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.RawHttp;
import io.genserve.TestHttp;
import io.genserve.TestImages;
import io.genserve.batching.MemoryBudget;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an attacker or an unlucky client sends, through real sockets against the running service:
 * bodies that trickle in, bodies far over their endpoint's limit, malformed URIs and chunks, loose
 * numbers, unknown fields, control characters, and images whose work can never fit. Every answer
 * must be problem+json, no 5xx, and the probes and the API must keep answering throughout.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "genserve.model-repository=src/test/resources/fixtures/models",
            // A fast pace check, so that the slow clients are cut within the test's few seconds.
            "genserve.http.body-grace=3s",
            "genserve.http.body-idle-timeout=5s",
            "genserve.http.min-body-rate=4KB",
            // Few request threads, so that a few clients that never read are enough to hold them all.
            "genserve.http.request-threads=" + HostileTrafficTest.API_THREADS
        })
class HostileTrafficTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ExecutorService CLIENTS = Executors.newFixedThreadPool(32);
    /** More than Tomcat's default of 200 request threads: before the body intake, this many slow bodies stopped every answer. */
    static final int SLOW_CLIENTS = 220;

    static final int API_THREADS = 4;

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    MemoryBudget memory;

    @Autowired
    WebServerApplicationContext context;

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    /**
     * A flood that opens hundreds of connections at once while the service is short of CPU must
     * fit the kernel's listen backlog: with Tomcat's 100 the soak's 512-connection flood overflowed
     * it, the kernel fell back to SYN cookies, and the clients whose cookie failed had their first
     * request reset (the read errors of bench/soak.sh, matched one for one by TcpExtSyncookiesFailed).
     */
    @Test
    void theListenBacklogHoldsAFloodOfConnectionsOpenedAtOnce() {
        Connector connector =
                ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
        assertThat(((AbstractProtocol<?>) connector.getProtocolHandler()).getAcceptCount())
                .as("server.tomcat.accept-count")
                .isGreaterThanOrEqualTo(1024);
    }

    @Test
    void slowBodiesHoldNoThreadWhileProbesAndTheApiStayAnsweredThenTheyAreCut() throws Exception {
        TestHttp management = new TestHttp(managementPort);
        TestHttp api = new TestHttp(port);
        // Warm: the first call of each pays for connections, class loading and JIT, which is not what is measured here.
        assertThat(management.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(api.postJson("/generate", "{\"seed\": 0}", null).statusCode())
                .isEqualTo(200);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(200);
                s.getOutputStream()
                        .write(("POST /style-transfer HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                                        + "boundary=b\r\nContent-Length: 200000\r\n\r\n--b\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                assertThat(management.get("/actuator/health/liveness").statusCode())
                        .isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1e9)
                        .as("liveness answered within 1 s")
                        .isLessThan(1.0);
                HttpResponse<byte[]> generated = api.postJson("/generate", "{\"seed\": " + i + "}", null);
                assertThat(generated.statusCode()).as(text(generated)).isEqualTo(200);
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write('x'); // a byte now and then: far below 4 KB/s
                    } catch (IOException cut) {
                        // on a slow machine the grace may be over already: its answer is checked below
                    }
                }
            }
            // Past the grace, every slow client is told why and its connection closed.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int cut = 0;
            for (Socket s : slow) {
                RawHttp.Answer a = awaitAnswer(s, deadline);
                assertThat(a.status()).as(a.head()).isEqualTo(408);
                assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(a.header("Connection")).isEqualTo("close");
                assertThat(a.body()).contains("urn:genserve:problem:body-timeout", "genserve.http.min-body-rate");
                cut++;
            }
            assertThat(cut).isEqualTo(SLOW_CLIENTS);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        awaitBudgetEmpty();
    }

    private static RawHttp.Answer awaitAnswer(Socket s, long deadline) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (System.nanoTime() < deadline) {
            try {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                if (got.size() > 0) {
                    break;
                }
            }
        }
        return RawHttp.parse(got.toByteArray());
    }

    @Test
    void aFiftyMegabytePromptIsRefusedFromItsLengthUnreadAndNotEchoed() throws Exception {
        List<CompletableFuture<RawHttp.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> sendLarge(50_000_000, 1 << 20), CLIENTS));
        }
        for (CompletableFuture<RawHttp.Answer> f : answers) {
            RawHttp.Answer a = f.get(30, TimeUnit.SECONDS);
            assertThat(a.status()).isEqualTo(413);
            assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(a.body().length()).as("a short answer, no echo").isLessThan(400);
            JsonNode p = JSON.readTree(a.body());
            assertThat(p.get("limit").asString()).isEqualTo("genserve.http.max-body.generate");
            assertThat(p.get("detail").asString()).contains("16384 bytes");
        }
        assertThat(memory.usedBytes()).isZero();
    }

    /** Declares {@code declared} bytes of JSON and sends {@code sent} of them, then reads the answer. */
    private RawHttp.Answer sendLarge(long declared, int sent) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                            + declared + "\r\n\r\n{\"seed\": 1, \"prompt\": \"")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(new byte[sent]);
            } catch (IOException closedEarly) {
                // the server answered and closed before taking it all: what this test wants
            }
            return RawHttp.parse(readAll(s));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Most clients write their whole request, then read the answer. One that sends all of a body
     * declared over the limit still reads its 413: the rest of the body is read and dropped before
     * the connection is closed. Closed at once, with the body unread, the socket is reset, and the
     * reset breaks the client's writes or overtakes the answer (with refused-body-linger 0 this
     * test fails on the writes).
     */
    @Test
    void aClientThatSendsAllOfARefusedBodyReadsItsAnswerNotAReset() throws Exception {
        int size = 16 << 20;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + size
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] piece = new byte[64 * 1024];
            for (int sent = 0; sent < size; sent += piece.length) {
                out.write(piece);
            }
            out.flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            s.getInputStream().transferTo(got); // to the server's close, which must not be a reset
            RawHttp.Answer a = RawHttp.parse(got.toByteArray());
            assertThat(a.status()).isEqualTo(413);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.body()).contains("genserve.http.max-body.generate");
        }
        assertThat(memory.usedBytes()).isZero();
    }

    private static byte[] readAll(Socket s) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n = s.getInputStream().read(buf);
                    n >= 0;
                    n = s.getInputStream().read(buf)) {
                got.write(buf, 0, n);
            }
        } catch (IOException reset) {
            // a reset after the answer: the answer is what counts
        }
        return got.toByteArray();
    }

    @Test
    void aChunkedBodyIsCutOnceItPassesTheLimit() {
        StringBuilder req = new StringBuilder(
                "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        String chunk = "a".repeat(4096);
        for (int i = 0; i < 8; i++) { // 32 KB, twice the limit of /generate
            req.append(Integer.toHexString(chunk.length()))
                    .append("\r\n")
                    .append(chunk)
                    .append("\r\n");
        }
        req.append("0\r\n\r\n");
        RawHttp.Answer a = RawHttp.exchange(port, req.toString(), 5000);
        assertThat(a.status()).isEqualTo(413);
        assertThat(a.body()).contains("genserve.http.max-body.generate");
    }

    @Test
    void aMalformedChunkIsABadRequestInProblemJson() {
        RawHttp.Answer a = RawHttp.exchange(
                port,
                "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "ZZZ\r\n{\"seed\": 1}\r\n0\r\n\r\n",
                5000);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(a.body()).contains("urn:genserve:problem:bad-input");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/models/..%2Fetc%2Fpasswd", "/models/%00", "/models/%ZZ", "/models/a%2F..%2F..%2Fb"})
    void aBadPathIsAProblemNotTomcatsHtml(String path) {
        RawHttp.Answer a =
                RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
        assertThat(a.status()).isBetween(400, 499);
        assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(a.body()).startsWith("{").doesNotContain("<html", "Tomcat", "Exception");
    }

    @Test
    void aHundredKilobyteNameIsAProblemNotTomcatsHtml() {
        RawHttp.Answer a = RawHttp.exchange(
                port, "GET /models/" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
        assertThat(a.status()).isBetween(400, 499);
        assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(a.body().length()).isLessThan(600);
    }

    @Test
    void traceAndTheErrorPathAnswerProblemJson() {
        RawHttp.Answer trace =
                RawHttp.exchange(port, "TRACE /generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.header("Content-Type")).isEqualTo("application/problem+json");
        HttpResponse<byte[]> error = new TestHttp(port).get("/error");
        assertThat(error.statusCode()).isEqualTo(404);
        assertThat(error.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<byte[]> unknownOnManagement = new TestHttp(managementPort).get("/actuator/nothing");
        assertThat(unknownOnManagement.statusCode()).isEqualTo(404);
        assertThat(unknownOnManagement.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"count\": 1.5}", "{\"seed\": 1.9}", "{\"seed\": 1e3}", "{\"count\": \"2\"}"})
    void numbersAreStrict(String body) {
        HttpResponse<byte[]> r = new TestHttp(port).postJson("/generate", body, null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        assertThat(text(r)).contains("must be an integer");
    }

    @Test
    void anUnknownFieldIsNamedWithTheNearestKnownOne() {
        HttpResponse<byte[]> r = new TestHttp(port).postJson("/generate", "{\"lable\": \"square\"}", null);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("field").asString()).isEqualTo("lable");
        assertThat(p.get("detail").asString()).contains("did you mean 'label'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"squ\\u0000are", "square\\u0007", "squ\\u200Bare", "\\u202Esquare"})
    void aLabelWithControlOrInvisibleCharactersIsRefused(String label) {
        HttpResponse<byte[]> r = new TestHttp(port).postJson("/generate", "{\"label\": \"" + label + "\"}", null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("field").asString()).isEqualTo("label");
        assertThat(p.get("detail").asString()).contains("U+");
    }

    @Test
    void healthNamesNoPathSizeOrModelToAnonymousCallers() {
        String health = text(new TestHttp(managementPort).get("/actuator/health"));
        assertThat(health).contains("\"status\":\"UP\"").doesNotContain("path", "free", "total", "gen-nchw-rgb");
    }

    @Test
    void anImageWhoseTilesCanNeverFitTheQueueIsRefusedBeforeItIsDecoded() {
        // 4096x4096 in one colour: a small PNG that declares 16.7 million pixels, i.e. ~21,000 tiles of 32x32.
        byte[] png = TestImages.png(4096, 4096);
        assertThat(png.length).isLessThan(200_000);
        HttpResponse<byte[]> r = new TestHttp(port)
                .postMultipart("/style-transfer", TestHttp.parts("image", png, "style", "style-gray-tile"), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(413);
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("limit").asString()).isEqualTo("genserve.batching.max-queue-size");
        assertThat(p.get("field").asString()).isEqualTo("image");
        assertThat(r.headers().firstValue("Retry-After")).isEmpty();
        assertThat(memory.usedBytes())
                .as("nothing was reserved, so nothing was decoded")
                .isZero();
    }

    @Test
    void clientsThatNeverReadTheirAnswerHoldNoRequestThread() throws Exception {
        // A 384x384 noise photo upscaled 4x: a PNG answer of ~7 MB, more than the kernel buffers of a
        // connection hold (4 MB to send at most here, and the client's receive buffer is small).
        BufferedImage noise = new BufferedImage(384, 384, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(5);
        for (int y = 0; y < 384; y++) {
            for (int x = 0; x < 384; x++) {
                noise.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(noise, "png", png);
        byte[] body = ("{\"model\": \"up-compact-x4\", \"image\": \""
                        + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"}")
                .getBytes(StandardCharsets.US_ASCII);
        Connector connector =
                ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
        assertThat(((ThreadPoolExecutor) ((AbstractProtocol<?>) connector.getProtocolHandler()).getExecutor())
                        .getMaximumPoolSize())
                .as("genserve.http.request-threads")
                .isEqualTo(API_THREADS);
        TestHttp api = new TestHttp(port);
        assertThat(api.postJson("/generate", "{\"seed\": 0}", null).statusCode())
                .isEqualTo(200);
        List<Socket> neverRead = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < API_THREADS + 2; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.setSoTimeout(30_000);
                s.connect(new InetSocketAddress("127.0.0.1", port));
                OutputStream out = s.getOutputStream();
                out.write(("POST /upscale HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                                + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                neverRead.add(s);
            }
            for (Socket s : neverRead) {
                // Its answer has started (the status line is in), and then the client stops reading.
                byte[] status = s.getInputStream().readNBytes(12);
                assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            }
            HttpResponse<byte[]> generated = api.postJson("/generate", "{\"seed\": 1}", null);
            assertThat(generated.statusCode()).as(text(generated)).isEqualTo(200);
            assertThat((System.nanoTime() - t0) / 1e9)
                    .as("every answer started and another request answered while " + neverRead.size()
                            + " clients do not read (before: they held every request thread in a blocking write"
                            + " until connection-timeout, 20 s)")
                    .isLessThan(10.0);
        } finally {
            for (Socket s : neverRead) {
                s.close();
            }
        }
    }

    private void awaitBudgetEmpty() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (memory.usedBytes() != 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(memory.usedBytes())
                .as("every body's reservation was given back")
                .isZero();
    }
}
