package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.PromText;
import io.genserve.TestHttp;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
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
 * Model management through real HTTP: replacing a model under load, unloading one with requests
 * queued, and the API's guard and failure answers. Model "m" starts as fixture swap-a, whose
 * answers are black (every value -1), and is replaced by swap-b, whose answers are white (+1):
 * which version served an answer, and whether one answer mixes both, is read off its pixels,
 * independently of the version header the service sends.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelReplacementTest {
    static final String TOKEN = "test-management-token-0123456789";
    static final Path REPOSITORY = repository();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ExecutorService CLIENTS = Executors.newFixedThreadPool(8);

    @LocalServerPort
    int port;

    /** Probes and metrics live on the management port. */
    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
        registry.add("genserve.management.enabled", () -> "true");
        registry.add("genserve.management.token", () -> TOKEN);
    }

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    static Path repository() {
        try {
            Path root = Files.createTempDirectory("genserve-replace");
            put("swap-a", root.resolve("m"));
            io.genserve.TestMetrics.copyModel(
                    FIXTURES.resolve("models/gen-nchw-rgb"),
                    root.resolve("slow"),
                    "batching: {max-batch-size: 8, max-delay: 1500ms}");
            put("swap-a", root.resolve("spare"));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts a fixture's files into a model folder, each file replaced in one rename. */
    static void put(String fixture, Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String f : List.of("model.onnx", "genserve.yaml")) {
            Path tmp = folder.resolve("." + f + ".tmp");
            Files.copy(
                    FIXTURES.resolve("models").resolve(fixture).resolve(f), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, folder.resolve(f), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    HttpResponse<byte[]> manage(String path, String token) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder b = http.request(path).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return JSON.readTree(r.body());
    }

    String versionOf(TestHttp http, String model) {
        return json(http.get("/models/" + model)).get("version").asString();
    }

    /** One /generate answer of model m: which version it names, and which its pixels say. */
    record Answer(int status, String header, Set<Integer> pixels, String body) {}

    static Answer generate(TestHttp http, long seed) {
        HttpResponse<byte[]> r = http.postJson(
                "/generate", "{\"model\": \"m\", \"count\": 3, \"seed\": " + seed + "}", "application/json");
        if (r.statusCode() != 200) {
            return new Answer(r.statusCode(), null, Set.of(), text(r));
        }
        Set<Integer> pixels = new java.util.HashSet<>();
        for (JsonNode image : json(r).get("images")) {
            try {
                Raster raster = ImageIO.read(new ByteArrayInputStream(
                                Base64.getDecoder().decode(image.get("data").asString())))
                        .getRaster();
                for (int y = 0; y < raster.getHeight(); y++) {
                    for (int x = 0; x < raster.getWidth(); x++) {
                        pixels.add(raster.getSample(x, y, 0));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Answer(200, r.headers().firstValue("Genserve-Model-Version").orElse(null), pixels, null);
    }

    /** One OIP answer of model m: a batch of two through the same batcher; -1 is black, +1 white. */
    static Answer infer(TestHttp http) {
        HttpResponse<byte[]> r = http.postJson(
                "/v2/models/m/infer",
                "{\"inputs\": [{\"name\": \"z\", \"shape\": [2, 8], \"datatype\": \"FP32\", \"data\": "
                        + "[1,2,3,4,5,6,7,8, 8,7,6,5,4,3,2,1]}]}",
                null);
        if (r.statusCode() != 200) {
            return new Answer(r.statusCode(), null, Set.of(), text(r));
        }
        JsonNode body = json(r);
        Set<Integer> pixels = new java.util.HashSet<>();
        body.get("outputs").get(0).get("data").forEach(v -> pixels.add(Math.round((v.floatValue() + 1) * 127.5f)));
        String version = body.get("model_version").asString();
        assertThat(r.headers().firstValue("Genserve-Model-Version")).hasValue(version);
        return new Answer(200, version, pixels, null);
    }

    @Test
    void aModelReplacedThreeTimesAndOnceByABrokenFileUnderLoadLosesNoRequestAndNeverMixesVersions() throws Exception {
        TestHttp http = new TestHttp(port);
        Path folder = REPOSITORY.resolve("m");
        String versionA = versionOf(http, "m");
        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger seeds = new AtomicInteger();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            boolean oip = c % 3 == 2; // two of six speak the Open Inference Protocol
            clients.add(CompletableFuture.runAsync(
                    () -> {
                        while (!stop.get()) {
                            answers.add(oip ? infer(http) : generate(http, seeds.incrementAndGet()));
                        }
                    },
                    CLIENTS));
        }
        Map<String, Integer> pixelOf = new ConcurrentHashMap<>(Map.of(versionA, 0));
        try {
            String serving = versionA;
            for (String fixture : List.of("swap-b", "swap-a", "swap-b")) {
                awaitAnswers(answers, 10);
                put(fixture, folder);
                HttpResponse<byte[]> loaded = manage("/v2/repository/models/m/load", TOKEN);
                assertThat(loaded.statusCode()).as(text(loaded)).isEqualTo(200);
                JsonNode body = json(loaded);
                assertThat(body.get("previous_version").asString()).isEqualTo(serving);
                assertThat(body.get("changed").asBoolean()).isTrue();
                serving = body.get("version").asString();
                pixelOf.put(serving, fixture.equals("swap-a") ? 0 : 255);
                assertThat(versionOf(http, "m")).isEqualTo(serving);
            }
            awaitAnswers(answers, 10);
            byte[] good = Files.readAllBytes(folder.resolve("model.onnx"));
            Files.write(folder.resolve("model.onnx"), java.util.Arrays.copyOf(good, good.length / 2));
            HttpResponse<byte[]> broken = manage("/v2/repository/models/m/load", TOKEN);
            assertThat(broken.statusCode()).isEqualTo(400);
            assertThat(json(broken).get("error").asString())
                    .contains("ONNX Runtime cannot load model.onnx", "version " + serving + " keeps serving");
            JsonNode model = json(http.get("/models/m"));
            assertThat(model.get("state").asString()).isEqualTo("ready");
            assertThat(model.get("version").asString()).isEqualTo(serving);
            assertThat(model.get("reason").asString()).contains("keeps serving");
            awaitAnswers(answers, 10);
        } finally {
            stop.set(true);
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }

        assertThat(answers).hasSizeGreaterThan(40);
        assertThat(answers).allSatisfy(a -> {
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(pixelOf).containsKey(a.header());
            assertThat(a.pixels()).as("one answer, one version").containsExactly(pixelOf.get(a.header()));
        });
        assertThat(answers.stream().map(Answer::header).distinct()).hasSize(2); // both versions served
        // Every old version's session was closed; the broken one never stayed open.
        String scrape = text(new TestHttp(managementPort).get("/actuator/prometheus"));
        assertThat(PromText.sum(scrape, "genserve_sessions_open")).isEqualTo(3); // m, slow, spare
        assertThat(PromText.has(scrape, "genserve_inference_seconds_count", "model", "m", "version", versionA))
                .as("the first version's meters left with it")
                .isFalse();
    }

    static void awaitAnswers(List<Answer> answers, int more) throws InterruptedException {
        int target = answers.size() + more;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (answers.size() < target && System.nanoTime() < until) {
            Thread.sleep(10);
        }
    }

    @Test
    void unloadingAModelWithQueuedRequestsRunsThemAndThenAnswers503() throws Exception {
        TestHttp http = new TestHttp(port);
        List<CompletableFuture<HttpResponse<byte[]>>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String body = "{\"model\": \"slow\", \"seed\": " + i + "}";
            queued.add(CompletableFuture.supplyAsync(() -> http.postJson("/generate", body, null), CLIENTS));
        }
        io.genserve.TestMetrics.awaitMetric(
                new TestHttp(managementPort), "genserve_queue_depth\\{model=\"slow\"}", 3); // a 1500 ms window
        CompletableFuture<HttpResponse<byte[]>> unload =
                CompletableFuture.supplyAsync(() -> manage("/v2/repository/models/slow/unload", TOKEN), CLIENTS);
        for (CompletableFuture<HttpResponse<byte[]>> f : queued) {
            HttpResponse<byte[]> r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        }
        HttpResponse<byte[]> unloaded = unload.get(20, TimeUnit.SECONDS);
        assertThat(unloaded.statusCode()).isEqualTo(200);
        assertThat(json(unloaded).get("state").asString()).isEqualTo("UNAVAILABLE");

        HttpResponse<byte[]> refused = http.postJson("/generate", "{\"model\": \"slow\"}", null);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(text(refused)).contains("model 'slow' is unloaded");
        assertThat(json(http.get("/models/slow")).get("state").asString()).isEqualTo("unloaded");
        // An unloaded model does not take the service out of rotation.
        assertThat(new TestHttp(managementPort)
                        .get("/actuator/health/readiness")
                        .statusCode())
                .isEqualTo(200);

        HttpResponse<byte[]> again = manage("/v2/repository/models/slow/load", TOKEN);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(http.postJson("/generate", "{\"model\": \"slow\"}", null).statusCode())
                .isEqualTo(200);
    }

    /**
     * A Linux thread inherits its creator's nice value, and API request threads run at a lower
     * priority (genserve.http.request-thread-nice): a model loaded from one of them would have run
     * its inference at that priority for its whole life.
     */
    @Test
    void aModelLoadedThroughTheApiRunsAtTheServicesPriorityNotTheRequestThreads() throws Exception {
        assertThat(manage("/v2/repository/models/spare/unload", TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(manage("/v2/repository/models/spare/load", TOKEN).statusCode())
                .isEqualTo(200);
        int service = nice(Path.of("/proc/self/stat"));
        Map<String, Integer> batchers = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                // Other threads (HTTP clients, pools) come and go while the list is read: one
                // that exited after the listing has no files any more and is not a batcher.
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    if (name.startsWith("batcher-spare")) {
                        batchers.put(name + " " + task.getFileName(), nice(task.resolve("stat")));
                    }
                } catch (java.nio.file.NoSuchFileException exited) {
                    continue;
                }
            }
        }
        assertThat(batchers).isNotEmpty();
        assertThat(batchers)
                .allSatisfy((thread, nice) ->
                        assertThat(nice).as("nice value of %s", thread).isEqualTo(service));
    }

    /** The nice value in a /proc stat file: the 19th field, counted after the name's last ')'. */
    private static int nice(Path stat) throws IOException {
        String s = Files.readString(stat);
        return Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[16]);
    }

    @Test
    void withoutTheTokenNothingIsDone() {
        TestHttp http = new TestHttp(port);
        String before = versionOf(http, "spare");
        for (String token : new String[] {null, "wrong-token-wrong-token-wrong"}) {
            HttpResponse<byte[]> r = manage("/v2/repository/models/spare/unload", token);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(json(r).get("error").asString()).isNotBlank();
            assertThat(manage("/v2/repository/index", token).statusCode()).isEqualTo(401);
        }
        JsonNode spare = json(http.get("/models/spare"));
        assertThat(spare.get("state").asString()).isEqualTo("ready");
        assertThat(spare.get("version").asString()).isEqualTo(before);
    }

    @Test
    void anUnknownModelIs404AndABrokenOneReportsWhyWhileTheOthersServe() throws Exception {
        TestHttp http = new TestHttp(port);
        HttpResponse<byte[]> unknown = manage("/v2/repository/models/nope/load", TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asString()).contains("no folder 'nope'");
        assertThat(manage("/v2/repository/models/nope/unload", TOKEN).statusCode())
                .isEqualTo(404);
        assertThat(manage("/v2/repository/models/..%2Fslow/load", TOKEN).statusCode())
                .isIn(400, 404);

        Path broken = Files.createDirectories(REPOSITORY.resolve("broken"));
        Files.write(broken.resolve("model.onnx"), new byte[] {1, 2, 3, 4});
        HttpResponse<byte[]> r = manage("/v2/repository/models/broken/load", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asString()).contains("'broken'", "ONNX Runtime cannot load model.onnx");

        JsonNode index = json(manage("/v2/repository/index", TOKEN));
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        index.forEach(n -> byName.put(n.get("name").asString(), n));
        assertThat(byName.get("broken").get("state").asString()).isEqualTo("UNAVAILABLE");
        assertThat(byName.get("broken").get("reason").asString()).contains("ONNX Runtime cannot load");
        assertThat(byName.get("spare").get("state").asString()).isEqualTo("READY");
        assertThat(byName.get("spare").get("version").asString()).hasSize(12);
        assertThat(http.postJson("/generate", "{\"model\": \"spare\"}", null).statusCode())
                .isEqualTo(200);
        // A model that failed after the start does not take the service out of rotation.
        assertThat(new TestHttp(managementPort)
                        .get("/actuator/health/readiness")
                        .statusCode())
                .isEqualTo(200);
    }
}
