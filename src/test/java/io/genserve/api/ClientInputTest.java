package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import io.genserve.TestImages;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What clients send and accept. A field the endpoint does not read is a 400 naming it and the
 * nearest field, in JSON and in multipart bodies alike, on every endpoint: a misspelt field must
 * never be silently ignored. Uploads in WebP, TIFF, 16-bit PNG and CMYK JPEG are served like any
 * other; an Accept header that allows none of the answer types is a 406 problem listing them, not a
 * PNG nobody asked for. (The same context as EndToEndTest, so Spring's test context cache shares it.)
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
class ClientInputTest {
    static final Path PHOTO = FIXTURES.resolve("photo-301x203.png");
    static final Path MASK = FIXTURES.resolve("mask-301x203.png");
    static final Path FORMATS = FIXTURES.resolve("formats");
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    static Stream<Arguments> misspeltJsonFields() {
        return Stream.of(
                Arguments.of("/generate", "{\"lable\": \"sneaker\"}", "lable", "label"),
                Arguments.of(
                        "/inpaint",
                        "{\"image\": \"x\", \"mask\": \"x\", \"invertMsk\": true}",
                        "invertMsk",
                        "invertMask"),
                Arguments.of(
                        "/style-transfer",
                        "{\"image\": \"x\", \"style\": \"s\", \"strenght\": 1}",
                        "strenght",
                        "strength"),
                Arguments.of("/upscale", "{\"image\": \"x\", \"outscal\": 2}", "outscal", "outscale"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("misspeltJsonFields")
    void anUnknownJsonFieldNamesTheNearestField(String path, String json, String field, String nearest)
            throws Exception {
        JsonNode p = problem(http.postJson(path, json, null));
        assertThat(p.get("field").asString()).isEqualTo(field);
        assertThat(p.get("detail").asString()).contains("did you mean '" + nearest + "'?");
    }

    static Stream<Arguments> unknownMultipartFields() {
        return Stream.of(
                Arguments.of(
                        "/inpaint",
                        parts("image", PHOTO, "mask", MASK, "invertmask", "true"),
                        "invertmask",
                        "did you mean 'invertMask'? Fields: format, image, invertMask, mask, model, timeoutMs"),
                Arguments.of("/inpaint", parts("image", PHOTO, "maks", MASK), "maks", "did you mean 'mask'?"),
                Arguments.of(
                        "/inpaint",
                        parts("image", PHOTO, "mask", MASK, "lable", "x"),
                        "lable",
                        "unknown field 'lable' Fields: format, image, invertMask, mask, model, timeoutMs"),
                Arguments.of(
                        "/style-transfer",
                        parts("image", PHOTO, "style", "style-zoo-like", "strenght", "0.8"),
                        "strenght",
                        "did you mean 'strength'?"),
                Arguments.of(
                        "/style-transfer",
                        parts("image", PHOTO, "style", "style-zoo-like", "extra", PHOTO),
                        "extra",
                        "unknown field 'extra' Fields: format, image, strength, style, styleImage, timeoutMs"),
                Arguments.of("/upscale", parts("image", PHOTO, "scales", "2"), "scales", "did you mean 'scale'?"),
                Arguments.of(
                        "/upscale",
                        parts("image", PHOTO, "photo", PHOTO),
                        "photo",
                        "unknown field 'photo' Fields: format, image, model, outscale, scale, timeoutMs"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource({"unknownMultipartFields", "misplacedMultipartFields"})
    void anUnknownOrMisplacedMultipartFieldIsRefusedNamingIt(
            String path, Map<String, Object> parts, String field, String detail) throws Exception {
        JsonNode p = problem(http.postMultipart(path, parts, null));
        assertThat(p.get("field").asString()).isEqualTo(field);
        assertThat(p.get("detail").asString()).contains(detail);
    }

    /** A file for a text field, text for a file, or a field twice. */
    static Stream<Arguments> misplacedMultipartFields() {
        return Stream.of(
                Arguments.of("/upscale", parts("image", "photo.png"), "image", "'image' must be a file"),
                Arguments.of(
                        "/style-transfer", parts("image", PHOTO, "style", PHOTO), "style", "'style' is a text field"),
                Arguments.of(
                        "/inpaint?model=inpaint-dynamic",
                        parts("image", PHOTO, "mask", MASK, "model", "x"),
                        "model",
                        "'model' was sent 2 times"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lossy.webp", "lossless.webp", "lzw.tiff", "rgb16.tiff", "rgb16.png", "cmyk.jpg"})
    void everyUploadFormatIsServed(String file) {
        HttpResponse<byte[]> r = http.postMultipart(
                "/upscale", parts("image", FORMATS.resolve(file), "model", "up-compact-x2-clip"), null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        int[][][] answer = TestImages.read(r.body());
        assertThat(answer).hasNumberOfRows(96);
        assertThat(answer[0]).hasNumberOfRows(128);
    }

    static Stream<Arguments> requests() {
        Path photo = FIXTURES.resolve("photo-301x203.png");
        return Stream.of(
                Arguments.of("/generate", null),
                Arguments.of("/inpaint", parts("image", photo, "mask", FIXTURES.resolve("mask-301x203.png"))),
                Arguments.of("/style-transfer", parts("image", photo, "style", "style-zoo-like")),
                Arguments.of("/upscale", parts("image", photo)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void anAcceptHeaderThatAllowsNoAnswerTypeIs406ListingThem(String path, Map<String, Object> parts) throws Exception {
        HttpResponse<byte[]> r = parts == null
                ? http.postJson(path, "{\"seed\": 1}", "image/webp")
                : http.postMultipart(path, parts, "image/webp");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(406);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("type").asString()).isEqualTo("urn:genserve:problem:not-acceptable");
        assertThat(p.get("detail").asString()).contains("image/png", "image/jpeg", "application/json");
    }

    /** Errors are problem+json whatever the client accepts: a client that asked for a PNG gets the 4xx, not a 406. */
    @Test
    void errorsAreProblemsEvenWhenTheClientAcceptsOnlyAnImage() throws Exception {
        JsonNode misspelt = problem(http.postJson("/generate", "{\"lable\": \"sneaker\"}", "image/png"));
        assertThat(misspelt.get("field").asString()).isEqualTo("lable");
        JsonNode badForm = problem(http.postMultipart("/upscale", parts("image", PHOTO, "scales", "2"), "image/jpeg"));
        assertThat(badForm.get("field").asString()).isEqualTo("scales");

        HttpResponse<byte[]> unknown =
                http.postMultipart("/upscale", parts("image", PHOTO, "model", "no-such-model"), "image/png");
        assertThat(unknown.statusCode()).as(text(unknown)).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<byte[]> notAnImage =
                http.postMultipart("/inpaint", parts("image", "x".getBytes(), "mask", MASK), "image/png");
        assertThat(notAnImage.statusCode()).as(text(notAnImage)).isEqualTo(400);
        assertThat(notAnImage.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    /** What browsers send for a page, for an img element, and what fetch() sends by default. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
                "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
                "*/*"
            })
    void browsersAcceptHeadersGetAPng(String accept) {
        HttpResponse<byte[]> r = http.postJson("/generate", "{\"seed\": 1}", accept);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
    }

    @Test
    void anAcceptHeaderThatAllowsOneAnswerTypeGetsIt() {
        assertThat(http.postJson("/generate", "{\"seed\": 1}", "image/webp, image/png;q=0.5")
                        .headers()
                        .firstValue("Content-Type"))
                .hasValue("image/png");
        assertThat(http.postJson("/generate", "{\"seed\": 1}", "image/webp, image/*;q=0.5")
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.postJson("/generate", "{\"seed\": 1}", null).statusCode())
                .isEqualTo(200);
        assertThat(http.postJson("/generate", "{\"seed\": 1}", "image/webp, application/json;q=0.1")
                        .headers()
                        .firstValue("Content-Type"))
                .hasValue("application/json");
    }

    private static JsonNode problem(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return JSON.readTree(r.body());
    }
}
