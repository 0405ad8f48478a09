package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.PromText;
import io.genserve.TestHttp;
import io.genserve.TestImages;
import io.genserve.batching.BatchCalibration;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole service over real HTTP on the fixture repository: real ONNX Runtime on the committed
 * fixture graphs, outputs compared with what make_fixtures.py computed with numpy.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
class EndToEndTest {
    static final Path PHOTO = FIXTURES.resolve("photo-301x203.png");
    static final Path MASK = FIXTURES.resolve("mask-301x203.png");
    static final Path EXPECTED = FIXTURES.resolve("expected");
    static final ObjectMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    @Test
    void seededGenerationMatchesTheIndependentComputationAndRepeatsBitForBit() {
        HttpResponse<byte[]> first = http.postJson("/generate", "{\"seed\": 42, \"label\": \"square\"}", null);
        HttpResponse<byte[]> second = http.postJson("/generate", "{\"seed\": 42, \"label\": 1}", null);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(first.headers().firstValue("Genserve-Model")).hasValue("gen-nchw-rgb");
        assertThat(first.headers().firstValue("Genserve-Seed")).hasValue("42");
        assertThat(first.headers().firstValue("Genserve-Label")).hasValue("square");
        assertThat(second.body()).isEqualTo(first.body());
        // numpy computed these pixels from the same sampler specification; float32 sums may differ in the last bit
        int[][][] expected = TestImages.read(EXPECTED.resolve("gen-nchw-rgb-seed42-label1.png"));
        assertThat(TestImages.maxDiff(TestImages.read(first.body()), expected)).isLessThanOrEqualTo(1);
    }

    @Test
    void jpegIsAnsweredWhenAskedForByFieldOrAcceptHeader() {
        HttpResponse<byte[]> byField = http.postJson("/generate", "{\"seed\": 1, \"format\": \"jpeg\"}", null);
        assertThat(byField.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        HttpResponse<byte[]> byAccept = http.postJson("/generate", "{\"seed\": 1}", "image/jpeg");
        assertThat(byAccept.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(byAccept.body()).isEqualTo(byField.body());
        assertThat(TestImages.read(byAccept.body())).hasNumberOfRows(16);
    }

    @Test
    void truncationAndUniformLatentsAndNhwcGrayFollowTheSpecification() {
        HttpResponse<byte[]> truncated =
                http.postJson("/generate", "{\"seed\": 7, \"label\": \"triangle\", \"truncation\": 0.5}", null);
        assertThat(TestImages.maxDiff(
                        TestImages.read(truncated.body()),
                        TestImages.read(EXPECTED.resolve("gen-nchw-rgb-seed7-label2-trunc0.5.png"))))
                .isLessThanOrEqualTo(1);

        HttpResponse<byte[]> gray = http.postJson("/generate", "{\"model\": \"gen-nhwc-gray-b1\", \"seed\": 5}", null);
        assertThat(gray.statusCode()).isEqualTo(200);
        int[][][] pixels = TestImages.read(gray.body());
        assertThat(pixels[0][0]).hasSize(1); // a gray PNG
        assertThat(TestImages.maxDiff(pixels, TestImages.read(EXPECTED.resolve("gen-nhwc-gray-b1-seed5.png"))))
                .isLessThanOrEqualTo(1);
    }

    @Test
    void severalImagesComeBackAsJsonWithEachSeedAndEqualTheSingleRequests() throws Exception {
        HttpResponse<byte[]> many =
                http.postJson("/generate", "{\"seed\": 42, \"count\": 3, \"prompt\": \"a red square\"}", null);
        assertThat(many.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(many.body());
        assertThat(body.get("model").asString()).isEqualTo("gen-nchw-rgb");
        assertThat(body.get("images")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode image = body.get("images").get(i);
            assertThat(image.get("seed").asLong()).isEqualTo(42 + i);
            assertThat(image.get("label").asString()).isEqualTo("square");
            byte[] alone = http.postJson("/generate", "{\"seed\": " + (42 + i) + ", \"label\": \"square\"}", null)
                    .body();
            assertThat(Base64.getDecoder().decode(image.get("data").asString())).isEqualTo(alone);
        }
        byte[] fromBatch =
                Base64.getDecoder().decode(body.get("images").get(1).get("data").asString());
        assertThat(TestImages.maxDiff(
                        TestImages.read(fromBatch),
                        TestImages.read(EXPECTED.resolve("gen-nchw-rgb-seed43-label1.png"))))
                .isLessThanOrEqualTo(1);
    }

    static Stream<Arguments> inpainters() {
        return Stream.of(
                Arguments.of("inpaint-dynamic", List.of(51, 128, 204)),
                Arguments.of("inpaint-migan-like", List.of(200, 60, 30)),
                Arguments.of("inpaint-lama-like", List.of(26, 230, 102)));
    }

    @ParameterizedTest
    @MethodSource("inpainters")
    void inpaintingKeepsSizeAndEveryPixelOutsideTheHole(String model, List<Integer> holeColour) {
        HttpResponse<byte[]> r =
                http.postMultipart("/inpaint", parts("image", PHOTO, "mask", MASK, "model", model), null);

        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Genserve-Model")).hasValue(model);
        int[][][] out = TestImages.read(r.body());
        int[][][] photo = TestImages.read(PHOTO);
        int[][][] mask = TestImages.read(MASK);
        assertThat(out).hasNumberOfRows(203);
        assertThat(out[0]).hasNumberOfRows(301);
        for (int y = 0; y < 203; y++) {
            for (int x = 0; x < 301; x++) {
                if (mask[y][x][0] < 128) {
                    assertThat(out[y][x])
                            .as("pixel %d,%d outside the hole", x, y)
                            .isEqualTo(photo[y][x]);
                }
            }
        }
        // The middle of the rectangular hole is the model's fill colour (checks layout, BGR, dtype, polarity, range).
        assertThat(out[95][140]).containsExactly(holeColour.get(0), holeColour.get(1), holeColour.get(2));
    }

    @Test
    void inpaintingAcceptsJsonWithDataUrisAndAnswersJsonWhenAsked() throws Exception {
        String image = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(PHOTO));
        String mask = Base64.getEncoder().encodeToString(Files.readAllBytes(MASK));
        HttpResponse<byte[]> r = http.postJson(
                "/inpaint", "{\"image\": \"" + image + "\", \"mask\": \"" + mask + "\"}", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("model").asString()).isEqualTo("inpaint-dynamic");
        assertThat(body.get("image").get("width").asInt()).isEqualTo(301);
        assertThat(body.get("image").get("height").asInt()).isEqualTo(203);
    }

    @Test
    void invertedMaskSwapsHolesAndKeptPixels() {
        HttpResponse<byte[]> r = http.postMultipart(
                "/inpaint",
                parts("image", PHOTO, "mask", MASK, "invertMask", "true", "model", "inpaint-dynamic"),
                null);
        int[][][] out = TestImages.read(r.body());
        int[][][] photo = TestImages.read(PHOTO);
        assertThat(out[95][140]).isEqualTo(photo[95][140]); // painted white: now kept
        assertThat(out[5][5]).containsExactly(51, 128, 204); // was black: now a hole
    }

    @Test
    void styleTransferKeepsSizeAndAppliesLayoutChannelOrderAndDtype() {
        HttpResponse<byte[]> r =
                http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "style-nhwc-bgr-fp16"), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(TestImages.maxDiff(
                        TestImages.read(r.body()), TestImages.read(EXPECTED.resolve("style-nhwc-bgr-fp16-photo.png"))))
                .isLessThanOrEqualTo(1);
    }

    @Test
    void fixedSizeModelsAreTiledOrResizedBackToTheInputSize() {
        HttpResponse<byte[]> tiled =
                http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "style-gray-tile"), null);
        assertThat(TestImages.maxDiff(
                        TestImages.read(tiled.body()), TestImages.read(EXPECTED.resolve("style-gray-tile-photo.png"))))
                .isLessThanOrEqualTo(1);

        HttpResponse<byte[]> resized =
                http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "style-zoo-like"), null);
        int[][][] out = TestImages.read(resized.body());
        assertThat(out).hasNumberOfRows(203);
        assertThat(out[0]).hasNumberOfRows(301);
    }

    @Test
    void styleImageAndStrengthAreHonoured() {
        byte[] styleColour = solidPng(250, 10, 130);
        HttpResponse<byte[]> r = http.postMultipart(
                "/style-transfer", parts("image", PHOTO, "style", "style-two-inputs", "styleImage", styleColour), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(TestImages.maxDiff(
                        TestImages.read(r.body()), TestImages.read(EXPECTED.resolve("style-two-inputs-photo.png"))))
                .isLessThanOrEqualTo(1);

        HttpResponse<byte[]> none = http.postMultipart(
                "/style-transfer", parts("image", PHOTO, "style", "style-nhwc-bgr-fp16", "strength", "0"), null);
        assertThat(TestImages.read(none.body())).isDeepEqualTo(TestImages.read(PHOTO));
    }

    @Test
    void modelsListsStatesTasksStylesAndWhatWasAssumed() throws Exception {
        JsonNode all = JSON.readTree(http.get("/models").body());
        assertThat(all.get("models")).hasSize(29);
        assertThat(all.get("models"))
                .allSatisfy(m -> assertThat(m.get("version").asString()).matches("[0-9a-f]{12}"));
        assertThat(all.get("defaultGenerator").asString()).isEqualTo("gen-nchw-rgb");
        assertThat(all.get("styles").toString()).contains("style-zoo-like", "no-manifest");

        JsonNode derived = JSON.readTree(http.get("/models/no-manifest").body());
        assertThat(derived.get("state").asString()).isEqualTo("ready");
        assertThat(derived.get("task").asString()).isEqualTo("image-to-image");
        assertThat(derived.get("provider").asString()).isEqualTo("cpu");
        assertThat(derived.get("choices").toString()).contains("[0, 1]", "RGB", "calibration image");

        JsonNode gen = JSON.readTree(http.get("/models/gen-nchw-rgb").body());
        assertThat(gen.get("classes").toString()).contains("circle", "square", "triangle");
        assertThat(gen.get("signature").get("inputs").get(0).get("shape").toString())
                .isEqualTo("[-1,8]");

        assertThat(http.get("/models/absent").statusCode()).isEqualTo(404);
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("/generate", "{\"count\": 0}", "count"),
                Arguments.of("/generate", "{\"count\": 10000}", "count"),
                Arguments.of("/generate", "{\"label\": \"giraffe\"}", "label"),
                Arguments.of("/generate", "{\"prompt\": \"a photo of a dog\"}", "prompt"),
                Arguments.of("/generate", "{\"count\": \"many\"}", "count"),
                Arguments.of("/generate", "{\"seed\": -1}", "seed"),
                Arguments.of("/generate", "{\"truncation\": 0.5, \"model\": \"gen-nhwc-gray-b1\"}", "truncation"),
                Arguments.of("/generate", "{\"format\": \"gif\"}", "format"),
                Arguments.of("/generate", "{\"model\": \"inpaint-dynamic\"}", "model"),
                Arguments.of("/generate", "{\"timeoutMs\": 999999999}", "timeoutMs"),
                Arguments.of("/inpaint", "{\"image\": \"@@@\", \"mask\": \"\"}", "image"),
                Arguments.of("/style-transfer", "{\"image\": \"aGVsbG8=\", \"style\": \"style-zoo-like\"}", "image"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badJsonInputIsA400ProblemNamingTheField(String path, String json, String field) throws Exception {
        HttpResponse<byte[]> r = http.postJson(path, json, null);
        assertThat(assertProblem(r, 400).get("field").asString()).isEqualTo(field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"count\": ", "[1, 2", "not json at all"})
    void malformedJsonIsA400Problem(String json) throws Exception {
        assertProblem(http.postJson("/generate", json, "image/png"), 400);
    }

    @Test
    void unknownModelIsA404ProblemListingTheModels() throws Exception {
        JsonNode p = assertProblem(http.postJson("/generate", "{\"model\": \"nope\"}", null), 404);
        assertThat(p.get("model").asString()).isEqualTo("nope");
        assertThat(p.get("available").toString()).contains("gen-nchw-rgb");
        assertProblem(http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "nope"), null), 404);
    }

    @Test
    void brokenUploadsAreA400ProblemNamingThePart() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        byte[] truncated = java.util.Arrays.copyOf(photo, photo.length / 3);
        byte[] text = "this is a text file, not an image".getBytes();
        byte[] smallMask = Files.readAllBytes(EXPECTED.resolve("gen-nhwc-gray-b1-seed5.png"));
        assertField(http.postMultipart("/inpaint", parts("image", truncated, "mask", MASK), null), "image");
        assertField(http.postMultipart("/inpaint", parts("image", text, "mask", MASK), null), "image");
        assertField(http.postMultipart("/inpaint", parts("image", PHOTO, "mask", smallMask), null), "mask");
        assertField(http.postMultipart("/inpaint", parts("image", PHOTO), null), "mask");
        assertField(http.postMultipart("/inpaint", parts("mask", MASK), null), "image");
        assertField(
                http.postMultipart("/style-transfer", parts("image", truncated, "style", "style-zoo-like"), null),
                "image");
        assertField(http.postMultipart("/style-transfer", parts("image", PHOTO), null), "style");
        assertField(
                http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "style-two-inputs"), null),
                "styleImage");
        assertField(
                http.postMultipart(
                        "/style-transfer", parts("image", PHOTO, "style", "style-zoo-like", "strength", "1.5"), null),
                "strength");
        assertField(
                http.postMultipart(
                        "/style-transfer", parts("image", PHOTO, "style", "style-zoo-like", "strength", "lots"), null),
                "strength");
    }

    @Test
    void anImageThatClaimsHugeDimensionsIsRefusedBeforeDecoding() throws Exception {
        byte[] png = Files.readAllBytes(PHOTO).clone();
        // IHDR width and height live at bytes 16..23; claim 100000 x 100000 without the pixels to back it.
        java.nio.ByteBuffer.wrap(png, 16, 8).putInt(100_000).putInt(100_000);
        HttpResponse<byte[]> r =
                http.postMultipart("/style-transfer", parts("image", png, "style", "style-zoo-like"), null);
        JsonNode p = assertProblem(r, 413);
        assertThat(p.get("detail").asString()).contains("100000x100000");
        assertThat(p.get("limit").asString()).isEqualTo("genserve.imaging.max-side");
    }

    @Test
    void healthProbesAndMetricsAreServedOnTheManagementPortOnly() {
        TestHttp management = new TestHttp(managementPort);
        assertThat(text(management.get("/actuator/health/readiness"))).contains("\"status\":\"UP\"");
        assertThat(management.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/health/liveness").statusCode())
                .as("the API port serves no actuator endpoint")
                .isEqualTo(404);
        http.postJson("/generate", "{\"seed\": 1}", null);
        String metrics = text(management.get("/actuator/prometheus"));
        assertThat(PromText.sum(
                        metrics,
                        "genserve_requests_total",
                        "model",
                        "gen-nchw-rgb",
                        "outcome",
                        "success",
                        "task",
                        "generate"))
                .isGreaterThanOrEqualTo(1);
        assertThat(PromText.sum(metrics, "genserve_inference_seconds_count", "model", "gen-nchw-rgb"))
                .isGreaterThanOrEqualTo(1);
        assertThat(PromText.sum(metrics, "genserve_model_provider", "model", "gen-nchw-rgb", "provider", "cpu"))
                .isEqualTo(1.0);
        assertThat(PromText.sum(metrics, "genserve_model_state", "model", "no-manifest", "state", "ready"))
                .isEqualTo(1.0);
    }

    @Test
    void openApiDescribesTheEndpoints() {
        String doc = text(http.get("/v3/api-docs"));
        assertThat(doc)
                .contains("/generate", "/inpaint", "/style-transfer", "/upscale", "/models/{name}/manifest")
                .contains("application/problem+json", "application/yaml");
        assertThat(http.get("/swagger-ui/index.html").statusCode()).isEqualTo(200);
    }

    /**
     * The upload endpoints take multipart forms and JSON, their form's text fields are form fields
     * (not query parameters), and every task endpoint documents its problem answers.
     */
    @ParameterizedTest
    @CsvSource({
        "/inpaint, image mask invertMask model format timeoutMs",
        "/style-transfer, image style styleImage strength format timeoutMs",
        "/upscale, image model scale outscale format timeoutMs"
    })
    void openApiDescribesUploadsAsMultipartFormsAndTheirErrors(String path, String fields) throws Exception {
        JsonNode post = JSON.readTree(text(http.get("/v3/api-docs")))
                .path("paths")
                .path(path)
                .path("post");
        JsonNode content = post.path("requestBody").path("content");
        assertThat(content.has("application/json")).as(content.toString()).isTrue();
        JsonNode form = content.path("multipart/form-data").path("schema").path("properties");
        for (String field : fields.split(" ")) {
            assertThat(form.has(field))
                    .as(path + " form field " + field + " in " + form)
                    .isTrue();
        }
        for (JsonNode parameter : post.path("parameters")) {
            assertThat(parameter.path("in").asString()).as(parameter.toString()).isNotEqualTo("query");
        }
        for (String status : List.of("400", "404", "406", "413", "429", "503", "504")) {
            JsonNode problem =
                    post.path("responses").path(status).path("content").path("application/problem+json");
            assertThat(problem.isMissingNode()).as(path + " " + status).isFalse();
            assertThat(problem.path("example").path("type").asString()).startsWith("urn:genserve:problem:");
        }
    }

    private static JsonNode assertProblem(HttpResponse<byte[]> r, int status) throws Exception {
        assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("detail").asString()).isNotBlank().doesNotContain("Exception", "at io.genserve");
        return p;
    }

    private static void assertField(HttpResponse<byte[]> r, String field) throws Exception {
        assertThat(assertProblem(r, 400).get("field").asString()).isEqualTo(field);
    }

    static byte[] solidPng(int r, int g, int b) {
        return TestImages.solidPng(10, 10, (r << 16) | (g << 8) | b);
    }

    @Test
    void maxBatchSizeAutoIsMeasuredAtLoadAndShownWithItsTimingsInModelsAndAsAMetric() throws Exception {
        // Which size wins depends on the machine; what is checked is that it was measured, reported and applied.
        JsonNode gen = JSON.readTree(http.get("/models/gen-nchw-rgb").body());
        JsonNode calibration = gen.get("batching").get("calibration");
        int chosen = calibration.get("chosen").asInt();
        assertThat(gen.get("batching").get("maxBatchSize").asInt()).isEqualTo(chosen);
        assertThat(calibration.get("margin").asDouble()).isEqualTo(0.05);
        List<BatchCalibration.SizeTiming> sizes = new java.util.ArrayList<>();
        for (JsonNode t : calibration.get("sizes")) {
            sizes.add(new BatchCalibration.SizeTiming(
                    t.get("size").asInt(),
                    t.get("msPerRun").asDouble(),
                    t.get("msPerImage").asDouble()));
        }
        assertThat(sizes).extracting(BatchCalibration.SizeTiming::size).startsWith(1, 2);
        assertThat(sizes.size()).isLessThanOrEqualTo(5);
        for (int i = 0; i < sizes.size(); i++) {
            BatchCalibration.SizeTiming t = sizes.get(i);
            assertThat(t.size()).isEqualTo(1 << i);
            assertThat(t.msPerRun()).isPositive();
            assertThat(t.msPerImage()).isCloseTo(t.msPerRun() / t.size(), org.assertj.core.data.Offset.offset(0.001));
        }
        assertThat(chosen).isEqualTo(BatchCalibration.choose(sizes, 0.05));
        assertThat(sizes.size() == 5 || calibration.has("stopped"))
                .as("the climb reached the ceiling (16) or says why it stopped: %s", calibration)
                .isTrue();
        assertThat(gen.get("choices").toString())
                .contains(
                        "\"setting\":\"batching.max-batch-size\",\"value\":\"" + chosen + "\"", "ms per image at 1: ");

        JsonNode fixed = JSON.readTree(http.get("/models/gen-nhwc-gray-b1").body());
        assertThat(fixed.get("batching").get("maxBatchSize").asInt()).isEqualTo(1);
        assertThat(fixed.get("batching").has("calibration"))
                .as("a graph fixed to one item has nothing to measure")
                .isFalse();

        String metrics = text(new TestHttp(managementPort).get("/actuator/prometheus"));
        assertThat(PromText.sum(metrics, "genserve_batch_limit", "model", "gen-nchw-rgb", "source", "auto"))
                .isEqualTo(chosen);
        assertThat(PromText.sum(metrics, "genserve_batch_limit", "model", "gen-nhwc-gray-b1", "source", "pinned"))
                .isEqualTo(1);
    }
}
