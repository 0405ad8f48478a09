package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import io.genserve.TestImages;
import io.genserve.imaging.Rect;
import io.genserve.imaging.TileGrid;
import io.genserve.model.ManifestReader;
import io.genserve.model.ModelManifest;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Issue 10 over real HTTP: one fixture graph per public export convention, served with a manifest
 * of at most 8 lines and, as {@code <name>-bare}, with none. Outputs are compared with what
 * make_fixtures.py computed with PyTorch and numpy. Shares EndToEndTest's application context.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
class UpscaleEndToEndTest {
    static final Path PHOTO = EndToEndTest.PHOTO;
    static final Path EXPECTED = EndToEndTest.EXPECTED;
    static final Path MODELS = FIXTURES.resolve("models");
    static final ObjectMapper JSON = EndToEndTest.JSON;

    @LocalServerPort
    int port;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    /** model, extra request fields, expected picture, expected width and height. */
    static Stream<Arguments> upscalers() {
        return Stream.of(
                Arguments.of("up-srcnn-bgr255", Map.of(), "up-srcnn-bgr255-photo.png", 903, 609),
                Arguments.of("up-espcn-y", Map.of(), "up-espcn-y-photo.png", 903, 609),
                Arguments.of("up-srcnn-factor", Map.of("scale", "3"), "up-srcnn-factor-photo-x3.png", 903, 609),
                Arguments.of("up-compact-x4", Map.of(), "up-compact-x4-photo.png", 1204, 812),
                Arguments.of("up-compact-x2-clip", Map.of(), "up-compact-x2-clip-photo.png", 602, 406));
    }

    @ParameterizedTest
    @MethodSource("upscalers")
    void eachConventionServedWithAShortManifestMatchesTheReference(
            String model, Map<String, String> fields, String expected, int width, int height) throws Exception {
        assertThat(manifestLines(model)).isLessThanOrEqualTo(8);
        Map<String, Object> request = parts("image", PHOTO, "model", model);
        request.putAll(fields);
        HttpResponse<byte[]> r = http.postMultipart("/upscale", request, null);

        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Genserve-Model")).hasValue(model);
        int[][][] out = TestImages.read(r.body());
        assertThat(out[0].length).isEqualTo(width);
        assertThat(out.length).isEqualTo(height);
        assertThat(TestImages.maxDiff(out, TestImages.read(EXPECTED.resolve(expected))))
                .isLessThanOrEqualTo(1);
    }

    static Stream<Arguments> otherConventions() {
        return Stream.of(
                Arguments.of("/style-transfer", "style-255-unclamped", "style-255-unclamped-photo.png"),
                Arguments.of("/generate", "gan-uniform", "gan-uniform-seed11.png"),
                Arguments.of("/generate", "gan-label-int32", "gan-label-int32-seed21-label3.png"));
    }

    @ParameterizedTest
    @MethodSource("otherConventions")
    void styleAndGanConventionsServedWithAShortManifestMatchTheReference(String path, String model, String expected)
            throws Exception {
        assertThat(manifestLines(model)).isLessThanOrEqualTo(8);
        HttpResponse<byte[]> r = switch (path) {
            case "/style-transfer" -> http.postMultipart(path, parts("image", PHOTO, "style", model), null);
            default ->
                http.postJson(
                        path,
                        "{\"model\": \"" + model + "\", \"seed\": " + (model.equals("gan-uniform") ? 11 : 21)
                                + (model.equals("gan-label-int32") ? ", \"label\": \"owl\"" : "") + "}",
                        null);
        };
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(TestImages.maxDiff(TestImages.read(r.body()), TestImages.read(EXPECTED.resolve(expected))))
                .isLessThanOrEqualTo(1);
    }

    @Test
    void aGrayImageThroughALumaModelStaysGray() {
        HttpResponse<byte[]> r = http.postMultipart(
                "/upscale", parts("image", FIXTURES.resolve("gray-301x203.png"), "model", "up-espcn-y"), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        int[][][] out = TestImages.read(r.body());
        assertThat(out[0][0]).hasSize(1);
        assertThat(TestImages.maxDiff(out, TestImages.read(EXPECTED.resolve("up-espcn-y-gray.png"))))
                .isLessThanOrEqualTo(1);
    }

    @Test
    void aRuntimeScaleFollowsTheRequestAndDefaultsToTheManifests() {
        int[][][] x2 = TestImages.read(
                http.postMultipart("/upscale", parts("image", PHOTO, "model", "up-srcnn-factor", "scale", "2"), null)
                        .body());
        assertThat(x2[0].length).isEqualTo(602);
        assertThat(x2.length).isEqualTo(406);
        int[][][] byDefault =
                TestImages.read(http.postMultipart("/upscale", parts("image", PHOTO, "model", "up-srcnn-factor"), null)
                        .body());
        assertThat(byDefault.length).isEqualTo(609); // scale: 3 in its manifest
    }

    @Test
    void outscaleResizesTheAnswerAndJsonWorksLikeMultipart() throws Exception {
        String image = Base64.getEncoder().encodeToString(Files.readAllBytes(PHOTO));
        HttpResponse<byte[]> r = http.postJson(
                "/upscale",
                "{\"image\": \"" + image + "\", \"model\": \"up-compact-x4\", \"outscale\": 1.5}",
                "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("model").asString()).isEqualTo("up-compact-x4");
        assertThat(body.get("image").get("width").asInt()).isEqualTo(452); // 301 x 1.5 = 451.5, rounded
        assertThat(body.get("image").get("height").asInt()).isEqualTo(305);
    }

    /** The manifest models/photo-upscale ships with, word for word, on an x2 net: it serves, and by default. */
    @Test
    void withoutAModelTheDefaultUpscalerAnswers() throws Exception {
        HttpResponse<byte[]> r = http.postMultipart("/upscale", parts("image", PHOTO), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Genserve-Model")).hasValue("up-default-like");
        assertThat(TestImages.maxDiff(
                        TestImages.read(r.body()), TestImages.read(EXPECTED.resolve("up-default-like-photo.png"))))
                .isLessThanOrEqualTo(1);
        JsonNode all = JSON.readTree(http.get("/models").body());
        assertThat(all.get("defaultUpscaler").asString()).isEqualTo("up-default-like");
        assertThat(all.get("upscalers").toString()).contains("up-espcn-y", "up-srcnn-factor-bare");
    }

    /**
     * A 400x300 photo through the fixed 256x256 x3 SRCNN: 2 x 2 tiles. Away from the tile borders
     * the answer equals the untiled reference within 2 grey levels, and across every place the
     * blend weights change (tile edge, end of the discarded margin, end of the ramp) the step
     * between neighbouring pixels is the reference's step within 2 levels: no seam.
     */
    @Test
    void aLargeImageThroughAFixedSizeUpscalerIsTiledWithoutSeams() {
        HttpResponse<byte[]> r = http.postMultipart(
                "/upscale", parts("image", FIXTURES.resolve("photo-400x300.png"), "model", "up-srcnn-bgr255"), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        int[][][] out = TestImages.read(r.body());
        int[][][] ref = TestImages.read(EXPECTED.resolve("up-srcnn-bgr255-large.png"));
        assertThat(out.length).isEqualTo(900);
        assertThat(out[0].length).isEqualTo(1200);

        int scale = 3;
        int pad = 16; // genserve.upscale.tile-pad
        TileGrid grid = TileGrid.cover(400, 300, 256, 256, 3 * pad, pad); // where the borders are, nothing more
        assertThat(grid.tiles()).hasSize(4);
        TreeSet<Integer> xs = new TreeSet<>();
        TreeSet<Integer> ys = new TreeSet<>();
        for (Rect t : grid.tiles()) {
            for (int d : new int[] {0, pad, 2 * pad}) {
                if (t.x() > 0) xs.add((t.x() + d) * scale);
                if (t.x() + 256 < 400) xs.add((t.x() + 256 - d) * scale);
                if (t.y() > 0) ys.add((t.y() + d) * scale);
                if (t.y() + 256 < 300) ys.add((t.y() + 256 - d) * scale);
            }
        }
        int seam = 0;
        for (int x : xs) {
            for (int y = 0; y < 900; y++) {
                for (int c = 0; c < 3; c++) {
                    int step = out[y][x][c] - out[y][x - 1][c];
                    seam = Math.max(seam, Math.abs(step - (ref[y][x][c] - ref[y][x - 1][c])));
                }
            }
        }
        for (int y : ys) {
            for (int x = 0; x < 1200; x++) {
                for (int c = 0; c < 3; c++) {
                    int step = out[y][x][c] - out[y - 1][x][c];
                    seam = Math.max(seam, Math.abs(step - (ref[y][x][c] - ref[y - 1][x][c])));
                }
            }
        }
        int away = 0;
        int everywhere = 0;
        int near = 3 * pad * scale;
        for (int y = 0; y < 900; y++) {
            for (int x = 0; x < 1200; x++) {
                boolean far = distance(xs, x) > near && distance(ys, y) > near;
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(out[y][x][c] - ref[y][x][c]);
                    everywhere = Math.max(everywhere, d);
                    if (far) {
                        away = Math.max(away, d);
                    }
                }
            }
        }
        System.out.printf(
                "tiling 400x300 x3 through 256x256 tiles: max difference from the untiled reference %d away from"
                        + " tile borders, %d everywhere; largest seam step %d%n",
                away, everywhere, seam);
        assertThat(away).isLessThanOrEqualTo(2);
        assertThat(seam).as("largest difference of a step across a tile border").isLessThanOrEqualTo(2);
    }

    private static int distance(TreeSet<Integer> borders, int p) {
        Integer below = borders.floor(p);
        Integer above = borders.ceiling(p);
        int d = Integer.MAX_VALUE;
        if (below != null) d = Math.min(d, p - below);
        if (above != null) d = Math.min(d, above - p);
        return d;
    }

    /** model, fields, the field a 4xx problem must name (413 when the answer could never fit, else 400). */
    static Stream<Arguments> badRequests() throws Exception {
        byte[] huge = hugeHeader(4000, 4000); // 16 M pixels in: accepted as an input, 256 M out at x4
        byte[] large = hugeHeader(2000, 2000);
        return Stream.of(
                Arguments.of(parts("image", PHOTO, "model", "up-srcnn-factor", "scale", "5"), "scale", "2, 3, 4"),
                Arguments.of(parts("image", PHOTO, "model", "up-compact-x4", "scale", "2"), "scale", "by 4 only"),
                Arguments.of(parts("image", huge, "model", "up-compact-x4"), "image", "max-output-pixels"),
                Arguments.of(
                        parts("image", large, "model", "up-compact-x2-clip", "outscale", "4"),
                        "outscale",
                        "max-output-pixels"),
                Arguments.of(parts("image", PHOTO, "model", "style-255-unclamped"), "model", "not upscale"),
                Arguments.of(parts("image", PHOTO, "model", "up-compact-x4", "outscale", "0"), "outscale", "above 0"),
                Arguments.of(parts("model", "up-compact-x4"), "image", "required"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badUpscaleRequestsAre4xxProblemsNamingTheField(Map<String, Object> request, String field, String says)
            throws Exception {
        HttpResponse<byte[]> r = http.postMultipart("/upscale", request, null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(says.equals("max-output-pixels") ? 413 : 400);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("field").asString()).isEqualTo(field);
        assertThat(p.get("detail").asString()).contains(says);
    }

    /** The fixture photo's PNG with its header claiming another size: decoding it would fail, so it must not happen. */
    static byte[] hugeHeader(int width, int height) throws Exception {
        byte[] png = Files.readAllBytes(PHOTO).clone();
        ByteBuffer.wrap(png, 16, 8).putInt(width).putInt(height);
        return png;
    }

    /** conventions without a manifest: what the probe must find. */
    static Stream<Arguments> probed() {
        return Stream.of(
                Arguments.of("up-srcnn-bgr255-bare", "[0, 255]", "[0, 255]", "3"),
                Arguments.of("up-espcn-y-bare", "[0, 1]", "[0, 1]", "3"),
                Arguments.of("up-srcnn-factor-bare", "[0, 1]", "[0, 1]", "2"),
                Arguments.of("up-compact-x4-bare", "[0, 1]", "[0, 1]", "4"),
                Arguments.of("up-compact-x2-clip-bare", "[0, 1]", "[0, 1]", "2"),
                Arguments.of("style-255-unclamped-bare", "[0, 255]", "[0, 255]", null));
    }

    @ParameterizedTest
    @MethodSource("probed")
    void withoutAManifestTheProbeFindsRangesAndScaleAndSaysWhy(
            String model, String inputRange, String outputRange, String scale) throws Exception {
        JsonNode m = JSON.readTree(http.get("/models/" + model).body());
        assertThat(m.get("state").asString()).as(m.toString()).isEqualTo("ready");
        Map<String, JsonNode> choices = choices(m);
        String in = m.get("signature").get("inputs").get(0).get("name").asString();
        String out = m.get("signature").get("outputs").get(0).get("name").asString();
        assertThat(choices.get("inputs." + in + ".range").get("value").asString())
                .isEqualTo(inputRange);
        assertThat(choices.get("inputs." + in + ".range").get("evidence").asString())
                .contains("calibration image");
        assertThat(choices.get("outputs." + out + ".range").get("value").asString())
                .isEqualTo(outputRange);
        if (scale != null) {
            assertThat(m.get("task").asString()).isEqualTo("upscale");
            assertThat(choices.get("scale").get("value").asString()).isEqualTo(scale);
            assertThat(m.get("scale").asInt()).isEqualTo(Integer.parseInt(scale));
        }
    }

    @Test
    void theProbeExplainsItsChoicesAndFindsLabelsAndRuntimeScales() throws Exception {
        Map<String, JsonNode> srcnn =
                choices(JSON.readTree(http.get("/models/up-srcnn-bgr255-bare").body()));
        assertThat(srcnn.get("outputs.output.range").get("evidence").asString())
                .matches("output max \\d+\\.?\\d* on the calibration image .*→ range \\[0, 255\\]");
        assertThat(srcnn.get("inputs.input.channels").get("value").asString()).isEqualTo("RGB"); // needs a manifest

        JsonNode gan = JSON.readTree(http.get("/models/gan-label-int32-bare").body());
        assertThat(gan.get("classes").toString()).isEqualTo("[\"0\",\"1\",\"2\",\"3\",\"4\"]");
        assertThat(choices(gan).get("classes").get("evidence").asString())
                .contains("embedding table 'embedding'", "5 rows");
        assertThat(choices(gan).get("outputs.image.range").get("value").asString())
                .isEqualTo("[-1, 1]");
        JsonNode uniform = JSON.readTree(http.get("/models/gan-uniform-bare").body());
        assertThat(choices(uniform).get("outputs.image.range").get("value").asString())
                .isEqualTo("[0, 1]");
        assertThat(choices(uniform).get("inputs.z.distribution").get("value").asString())
                .isEqualTo("normal"); // cannot be probed: one manifest line

        JsonNode factor = JSON.readTree(http.get("/models/up-srcnn-factor-bare").body());
        assertThat(factor.get("scales").toString()).isEqualTo("[2,3,4]");
        assertThat(choices(factor).get("inputs.factor.value").get("value").asString())
                .isEqualTo("[1, 1, scale, scale]");
        JsonNode espcn = JSON.readTree(http.get("/models/up-espcn-y-bare").body());
        assertThat(choices(espcn).get("inputs.input.channels").get("value").asString())
                .isEqualTo("Y");
    }

    /** Where the probe settles every convention, the bare model answers what the manifest-served one does. */
    @Test
    void probedModelsServeTheReferenceWhereTheProbeSufficed() {
        for (String[] c : new String[][] {
            {"up-espcn-y-bare", "up-espcn-y-photo.png", null},
            {"up-srcnn-factor-bare", "up-srcnn-factor-photo-x3.png", "3"},
            {"up-compact-x4-bare", "up-compact-x4-photo.png", null},
            {"up-compact-x2-clip-bare", "up-compact-x2-clip-photo.png", null}
        }) {
            Map<String, Object> request = parts("image", PHOTO, "model", c[0]);
            if (c[2] != null) {
                request.put("scale", c[2]);
            }
            HttpResponse<byte[]> r = http.postMultipart("/upscale", request, null);
            assertThat(r.statusCode()).as(c[0] + ": " + text(r)).isEqualTo(200);
            assertThat(TestImages.maxDiff(TestImages.read(r.body()), TestImages.read(EXPECTED.resolve(c[1]))))
                    .as(c[0])
                    .isLessThanOrEqualTo(1);
        }
        HttpResponse<byte[]> style =
                http.postMultipart("/style-transfer", parts("image", PHOTO, "style", "style-255-unclamped-bare"), null);
        assertThat(TestImages.maxDiff(
                        TestImages.read(style.body()),
                        TestImages.read(EXPECTED.resolve("style-255-unclamped-photo.png"))))
                .isLessThanOrEqualTo(1);
        HttpResponse<byte[]> gan = http.postJson(
                "/generate", "{\"model\": \"gan-label-int32-bare\", \"seed\": 21, \"label\": \"3\"}", null);
        assertThat(TestImages.maxDiff(
                        TestImages.read(gan.body()),
                        TestImages.read(EXPECTED.resolve("gan-label-int32-seed21-label3.png"))))
                .isLessThanOrEqualTo(1);
    }

    /** What GET /models/{name}/manifest answers is a genserve.yaml the service reads back, with the same settings. */
    @Test
    void theManifestInForceComesBackAsYamlTheReaderParses() throws Exception {
        for (String model :
                List.of("up-compact-x4-bare", "up-srcnn-factor-bare", "gan-label-int32-bare", "up-espcn-y")) {
            HttpResponse<byte[]> r = http.get("/models/" + model + "/manifest");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/yaml"));
            ModelManifest read = new ManifestReader().read(new ByteArrayInputStream(r.body()));
            JsonNode shown = JSON.readTree(http.get("/models/" + model).body()).get("manifest");
            JsonNode readBack = JSON.readTree(JSON.writeValueAsString(read));
            assertThat(readBack).as(model + ":\n" + text(r)).isEqualTo(shown);
        }
        assertThat(http.get("/models/absent/manifest").statusCode()).isEqualTo(404);
    }

    private static Map<String, JsonNode> choices(JsonNode model) {
        Map<String, JsonNode> out = new java.util.HashMap<>();
        for (JsonNode c : model.get("choices")) {
            out.put(c.get("setting").asString(), c);
        }
        return out;
    }

    private static int manifestLines(String model) throws Exception {
        List<String> lines =
                new ArrayList<>(Files.readAllLines(MODELS.resolve(model).resolve("genserve.yaml")));
        lines.removeIf(String::isBlank);
        return lines.size();
    }
}
