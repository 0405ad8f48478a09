package io.genserve.api;

import static io.genserve.TestHttp.FIXTURES;
import static io.genserve.TestHttp.parts;
import static io.genserve.TestHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A field the endpoint does not read is a 400 naming it and the nearest field, in JSON and in
 * multipart bodies alike, on every endpoint: a misspelt field must never be silently ignored.
 * (The same context as EndToEndTest, so Spring's test context cache shares it.)
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
class RequestFieldsTest {
    static final Path PHOTO = FIXTURES.resolve("photo-301x203.png");
    static final Path MASK = FIXTURES.resolve("mask-301x203.png");
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

    private static JsonNode problem(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return JSON.readTree(r.body());
    }
}
