package io.genserve.api;

import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.PromText;
import io.genserve.TestHttp;
import io.genserve.TestRepositories;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol over REST, every request and answer held against the protocol's
 * published OpenAPI document ({@link OipSpec}). Expected tensors follow from the fixtures' graphs
 * (make_fixtures.py): no-manifest computes 1 - x; style-nhwc-bgr-fp16 negates channel 0;
 * inpaint-migan-like with a mask of 255 everywhere returns its image; swap-a answers -1.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OipRestTest {
    static final Path REPOSITORY = repository();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ExecutorService CLIENTS = Executors.newFixedThreadPool(4);

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

    static Path repository() {
        Path root = TestRepositories.of("no-manifest", "style-nhwc-bgr-fp16", "inpaint-migan-like", "gen-nchw-rgb");
        TestRepositories.copy("swap-a", root.resolve("shared"), "batching: {max-batch-size: 8, max-delay: 1500ms}");
        TestRepositories.copy(
                "swap-a", root.resolve("tiny"), "batching: {max-batch-size: 8, max-delay: 1500ms, max-queue-size: 2}");
        return root;
    }

    HttpResponse<byte[]> get(String path) {
        return new TestHttp(port).get(path);
    }

    HttpResponse<byte[]> postJson(String path, String json) {
        return new TestHttp(port).postJson(path, json, null);
    }

    /** The binary tensor data extension: the JSON header, then the raw tensors. */
    HttpResponse<byte[]> postBinary(String path, String json, byte[]... tensors) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        body.writeBytes(header);
        for (byte[] t : tensors) {
            body.writeBytes(t);
        }
        TestHttp http = new TestHttp(port);
        return http.send(http.request(path)
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    static JsonNode json(String s) {
        return JSON.readTree(s);
    }

    String versionOf(String model) {
        return json(text(new TestHttp(port).get("/models/" + model)))
                .get("version")
                .asString();
    }

    @Test
    void healthAndServerMetadata() {
        for (String path : List.of("/v2/health/live", "/v2/health/ready")) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            OipSpec.check("GET", path, null, r);
        }
        HttpResponse<byte[]> server = get("/v2");
        assertThat(server.statusCode()).isEqualTo(200);
        OipSpec.check("GET", "/v2/", null, server);
        JsonNode body = json(text(server));
        assertThat(body.get("name").asString()).isEqualTo("genserve");
        assertThat(body.get("version").asString()).isEqualTo("0.1.0-SNAPSHOT");
        assertThat(body.get("extensions").toString()).contains("binary_tensor_data");
        OipSpec.check("GET", "/v2/", null, get("/v2/"));
    }

    @Test
    void modelMetadataIsTheGraphsRealSignatureWithTheManifestInParameters() {
        String version = versionOf("gen-nchw-rgb");
        for (String path : List.of("/v2/models/gen-nchw-rgb", "/v2/models/gen-nchw-rgb/versions/" + version)) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            OipSpec.check("GET", path, null, r);
            JsonNode m = json(text(r));
            assertThat(m.get("name").asString()).isEqualTo("gen-nchw-rgb");
            assertThat(m.get("versions").toString()).isEqualTo("[\"" + version + "\"]");
            assertThat(m.get("platform").asString()).isEqualTo("onnxruntime_onnx");
            assertThat(m.get("inputs").toString())
                    .isEqualTo("[{\"name\":\"z\",\"datatype\":\"FP32\",\"shape\":[-1,8]},"
                            + "{\"name\":\"label\",\"datatype\":\"INT64\",\"shape\":[-1]}]");
            assertThat(m.get("outputs").toString())
                    .isEqualTo("[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,3,16,16]}]");
            assertThat(m.get("parameters").get("task").asString()).isEqualTo("generate");
            assertThat(m.get("parameters").get("manifest").get("classes").toString())
                    .contains("circle");
        }
        JsonNode fp16 = json(text(get("/v2/models/style-nhwc-bgr-fp16")));
        assertThat(fp16.get("inputs").get(0).get("datatype").asString()).isEqualTo("FP16");
        JsonNode derived = json(text(get("/v2/models/no-manifest")));
        assertThat(derived.get("parameters").get("choices").toString()).contains("RGB");

        for (String path : List.of("/v2/models/gen-nchw-rgb/versions/000000000000", "/v2/models/absent")) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).isEqualTo(404);
            OipSpec.checkError(r);
        }
    }

    @Test
    void modelReadinessAnswers200404OrNot() {
        String version = versionOf("no-manifest");
        for (String path :
                List.of("/v2/models/no-manifest/ready", "/v2/models/no-manifest/versions/" + version + "/ready")) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            OipSpec.check("GET", path, null, r);
        }
        assertThat(get("/v2/models/no-manifest/versions/000000000000/ready").statusCode())
                .isEqualTo(503);
        HttpResponse<byte[]> unknown = get("/v2/models/absent/ready");
        assertThat(unknown.statusCode()).isEqualTo(404);
        OipSpec.checkError(unknown);
    }

    static final float[] X = {0f, 0.25f, 0.5f, 1f, -2f, 3.5f, 0.125f, 7f, 0.75f, -0.5f, 2f, 1.5f};

    @Test
    void jsonTensorsInAndOutNestedOrFlat() {
        String request = "{\"id\": \"req-7\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 3, 2, 2], "
                + "\"datatype\": \"FP32\", \"data\": [[[0, 0.25], [0.5, 1]], [[-2, 3.5], [0.125, 7]], [[0.75, -0.5], [2, 1.5]]]}]}";
        HttpResponse<byte[]> r = postJson("/v2/models/no-manifest/infer", request);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        OipSpec.check("POST", "/v2/models/no-manifest/infer", request, r);
        JsonNode body = json(text(r));
        assertThat(body.get("model_name").asString()).isEqualTo("no-manifest");
        assertThat(body.get("model_version").asString()).isEqualTo(versionOf("no-manifest"));
        assertThat(r.headers().firstValue("Genserve-Model-Version")).hasValue(versionOf("no-manifest"));
        assertThat(body.get("id").asString()).isEqualTo("req-7");
        JsonNode out = body.get("outputs").get(0);
        assertThat(out.get("name").asString()).isEqualTo("output");
        assertThat(out.get("datatype").asString()).isEqualTo("FP32");
        assertThat(out.get("shape").toString()).isEqualTo("[1,3,2,2]");
        float[] got = new float[X.length];
        for (int i = 0; i < X.length; i++) {
            got[i] = out.get("data").get(i).floatValue();
        }
        assertThat(got).containsExactly(oneMinus(X));
    }

    static float[] oneMinus(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 1f - x[i];
        }
        return y;
    }

    static byte[] fp32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static float[] fp32(byte[] bytes, int from, int count) {
        ByteBuffer b = ByteBuffer.wrap(bytes, from, 4 * count).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    @Test
    void binaryTensorsInAndOutWithABatchOfTwo() {
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = X[i % X.length] * (i < 12 ? 1 : -3);
        }
        String header = "{\"inputs\": [{\"name\": \"input\", \"shape\": [2, 3, 2, 2], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": 96}}], \"parameters\": {\"binary_data_output\": true}}";
        HttpResponse<byte[]> r = postBinary("/v2/models/no-manifest/infer", header, fp32(x));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(OipSpec.contentType(r)).isEqualTo("application/octet-stream");
        OipSpec.checkBinary("/v2/models/no-manifest/infer", header, r);
        int json = Integer.parseInt(
                r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode out = json(OipSpec.jsonPart(r)).get("outputs").get(0);
        assertThat(out.get("shape").toString()).isEqualTo("[2,3,2,2]");
        assertThat(out.get("parameters").get("binary_data_size").asInt()).isEqualTo(96);
        assertThat(out.has("data")).isFalse();
        assertThat(r.body().length).isEqualTo(json + 96);
        assertThat(fp32(r.body(), json, 24)).containsExactly(oneMinus(x));

        // JSON in, one output asked for in binary.
        String mixed = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3, 2, 2], \"datatype\": \"FP32\", \"data\": "
                + java.util.Arrays.toString(X)
                + "}], \"outputs\": [{\"name\": \"output\", \"parameters\": {\"binary_data\": true}}]}";
        HttpResponse<byte[]> m = postJson("/v2/models/no-manifest/infer", mixed);
        assertThat(m.statusCode()).isEqualTo(200);
        OipSpec.checkBinary("/v2/models/no-manifest/infer", mixed, m);
        int mj = Integer.parseInt(
                m.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(fp32(m.body(), mj, 12)).containsExactly(oneMinus(X));
    }

    @Test
    void fp16AndUint8TravelAsRawBytesExactly() {
        // FP16 [1, 1, 2, 3] NHWC: the graph negates channel 0, i.e. flips the sign bit of every third half.
        short[] halves = {0x3C00, 0x4000, (short) 0xC200, 0x3555, 0x0001, 0x7BFF};
        ByteBuffer in = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            in.putShort(h);
        }
        String header = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 1, 2, 3], \"datatype\": \"FP16\", "
                + "\"parameters\": {\"binary_data_size\": 12}}], \"outputs\": [{\"name\": \"y\", \"parameters\": {\"binary_data\": true}}]}";
        HttpResponse<byte[]> r = postBinary("/v2/models/style-nhwc-bgr-fp16/infer", header, in.array());
        assertThat(r.statusCode()).as(OipSpec.jsonPart(r)).isEqualTo(200);
        OipSpec.checkBinary("/v2/models/style-nhwc-bgr-fp16/infer", header, r);
        int json = Integer.parseInt(
                r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        ByteBuffer out = ByteBuffer.wrap(r.body(), json, 12).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < halves.length; i++) {
            short expected = (short) (i % 3 == 0 ? halves[i] ^ 0x8000 : halves[i]);
            assertThat(out.getShort()).as("half " + i).isEqualTo(expected);
        }

        // UINT8: with a mask of 255 (keep) everywhere, the MI-GAN-like graph returns its image.
        byte[] image = new byte[3 * 64 * 64];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 7);
        }
        byte[] mask = new byte[64 * 64];
        java.util.Arrays.fill(mask, (byte) 255);
        String u8 = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 3, 64, 64], \"datatype\": \"UINT8\", "
                + "\"parameters\": {\"binary_data_size\": 12288}}, {\"name\": \"mask\", \"shape\": [1, 1, 64, 64], "
                + "\"datatype\": \"UINT8\", \"parameters\": {\"binary_data_size\": 4096}}], "
                + "\"parameters\": {\"binary_data_output\": true}}";
        HttpResponse<byte[]> u = postBinary("/v2/models/inpaint-migan-like/infer", u8, image, mask);
        assertThat(u.statusCode()).as(OipSpec.jsonPart(u)).isEqualTo(200);
        int uj = Integer.parseInt(
                u.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(java.util.Arrays.copyOfRange(u.body(), uj, u.body().length)).isEqualTo(image);
        assertThat(json(OipSpec.jsonPart(u))
                        .get("outputs")
                        .get(0)
                        .get("datatype")
                        .asString())
                .isEqualTo("UINT8");
    }

    @Test
    void int64InputsAndJsonIntegersOut() {
        String request = "{\"inputs\": [{\"name\": \"z\", \"shape\": [2, 8], \"datatype\": \"FP32\", \"data\": "
                + "[0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0]}, {\"name\": \"label\", \"shape\": [2], \"datatype\": \"INT64\", "
                + "\"data\": [0, 2]}]}";
        HttpResponse<byte[]> r = postJson("/v2/models/gen-nchw-rgb/infer", request);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        OipSpec.check("POST", "/v2/models/gen-nchw-rgb/infer", request, r);
        assertThat(json(text(r)).get("outputs").get(0).get("shape").toString()).isEqualTo("[2,3,16,16]");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"INT32\", \"data\": [1,2,3,4,5,6,7,8,9,10,11,12]}]}|is float32 in the graph",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2], \"datatype\": \"FP32\", \"data\": [1,2,3,4,5,6]}]}|has shape [1, 3, 2]",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"FP32\", \"data\": [1,2,3]}]}|has 3 values",
                "{\"inputs\": [{\"name\": \"nope\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}|has no input 'nope'",
                "{\"inputs\": []}|'inputs' must be a non-empty array",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"BOOL\", \"data\": [true]}]}|datatype BOOL is not supported",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"FP32\", \"data\": [1,2,3,4,5,6,7,8,9,10,11,\"x\"]}]}|not a number",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"FP32\", \"data\": [1,2,3,4,5,6,7,8,9,10,11,12]}], \"outputs\": [{\"name\": \"nope\"}]}|has no output 'nope'",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,3,2,2], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 48}}]}|48 bytes of binary data",
                "{not json|not valid JSON"
            })
    void badRequestsAre400WithTheProtocolsErrorNamingWhatIsWrong(String request, String says) {
        HttpResponse<byte[]> r = postJson("/v2/models/no-manifest/infer", request);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        OipSpec.check("POST", "/v2/models/no-manifest/infer", null, r);
        assertThat(json(text(r)).get("error").asString()).contains(says);
    }

    @Test
    void binaryPartsThatDoNotAddUpAre400() {
        String header = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3, 2, 2], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": 48}}]}";
        HttpResponse<byte[]> extra = postBinary("/v2/models/no-manifest/infer", header, fp32(X), new byte[] {1, 2});
        assertThat(extra.statusCode()).isEqualTo(400);
        assertThat(text(extra)).contains("2 bytes of binary data follow");
        HttpResponse<byte[]> wrongSize = postBinary(
                "/v2/models/no-manifest/infer", header.replace("48", "44"), java.util.Arrays.copyOf(fp32(X), 44));
        assertThat(wrongSize.statusCode()).isEqualTo(400);
        assertThat(text(wrongSize)).contains("needs 48");
        OipSpec.checkError(wrongSize);
    }

    @Test
    void oipAndGenerateRequestsShareOneBatchAndOneRun() throws Exception {
        TestHttp http = new TestHttp(port);
        String scrape = text(new TestHttp(managementPort).get("/actuator/prometheus"));
        double runs = PromText.sum(scrape, "genserve_batch_size_count", "model", "shared");
        double items = PromText.sum(scrape, "genserve_batch_size_sum", "model", "shared");
        CompletableFuture<HttpResponse<byte[]>> generate = CompletableFuture.supplyAsync(
                () -> http.postJson("/generate", "{\"model\": \"shared\", \"seed\": 1}", null), CLIENTS);
        String oip = "{\"inputs\": [{\"name\": \"z\", \"shape\": [2, 8], \"datatype\": \"FP32\", \"data\": "
                + "[1,2,3,4,5,6,7,8, 8,7,6,5,4,3,2,1]}]}";
        CompletableFuture<HttpResponse<byte[]>> infer =
                CompletableFuture.supplyAsync(() -> postJson("/v2/models/shared/infer", oip), CLIENTS);
        assertThat(generate.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> r = infer.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode data = json(text(r)).get("outputs").get(0).get("data");
        assertThat(data).hasSize(32).allSatisfy(v -> assertThat(v.floatValue()).isEqualTo(-1f));
        scrape = text(new TestHttp(managementPort).get("/actuator/prometheus"));
        // Both requests waited in the same 1500 ms window: one run of three items.
        assertThat(PromText.sum(scrape, "genserve_batch_size_count", "model", "shared"))
                .isEqualTo(runs + 1);
        assertThat(PromText.sum(scrape, "genserve_batch_size_sum", "model", "shared"))
                .isEqualTo(items + 3);
        assertThat(PromText.sum(
                        scrape,
                        "genserve_requests_total",
                        "model",
                        "shared",
                        "protocol",
                        "oip-rest",
                        "task",
                        "infer",
                        "outcome",
                        "success"))
                .isGreaterThanOrEqualTo(1);
        assertThat(PromText.sum(
                        scrape,
                        "genserve_requests_total",
                        "model",
                        "shared",
                        "protocol",
                        "genserve",
                        "task",
                        "generate",
                        "outcome",
                        "success"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aFullQueueIs429WithRetryAfterAndAnOversizedBatch400() throws Exception {
        String two = "{\"inputs\": [{\"name\": \"z\", \"shape\": [2, 8], \"datatype\": \"FP32\", \"data\": "
                + "[0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0]}]}";
        CompletableFuture<HttpResponse<byte[]>> filling =
                CompletableFuture.supplyAsync(() -> postJson("/v2/models/tiny/infer", two), CLIENTS);
        io.genserve.TestMetrics.awaitMetric(new TestHttp(managementPort), "genserve_queue_depth\\{model=\"tiny\"}", 2);
        HttpResponse<byte[]> refused = postJson("/v2/models/tiny/infer", two);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(text(refused)).contains("queue of model 'tiny' is full");
        OipSpec.checkError(refused);
        assertThat(filling.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        HttpResponse<byte[]> tooBig = postJson(
                "/v2/models/tiny/infer", two.replace("[2, 8]", "[3, 8]").replace("[0,", "[0,0,0,0,0,0,0,0,0,"));
        assertThat(tooBig.statusCode()).isEqualTo(413); // more rows than the queue holds: never fits
        assertThat(tooBig.headers().firstValue("Retry-After")).isEmpty();
        assertThat(text(tooBig)).contains("needs 3 runs of model 'tiny'", "more than its queue holds (2");
        OipSpec.checkError(tooBig);
    }

    @Test
    void anUnknownModelIs404() {
        HttpResponse<byte[]> r = postJson("/v2/models/absent/infer", "{\"inputs\": []}");
        assertThat(r.statusCode()).isEqualTo(404);
        OipSpec.checkError(r);
    }
}
