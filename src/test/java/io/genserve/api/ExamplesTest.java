package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The clients in examples/ (Python with requests, Java with the JDK's HttpClient in source-file
 * mode) run as child processes against the service on the default models, and what they print and
 * write is held against the service's own answers to the same requests made here.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=models")
class ExamplesTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path PHOTO = TestHttp.FIXTURES.resolve("photo-301x203.png");
    static final Path MASK = TestHttp.FIXTURES.resolve("mask-301x203.png");
    static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    static Stream<Arguments> clients() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Stream.of(
                Arguments.of("python", List.of(PYTHON.toString(), "examples/python/genserve_client.py")),
                Arguments.of("java", List.of(java, "examples/java/GenserveClient.java")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void theClientCallsEveryEndpointAndSavesWhatTheServiceAnswers(String name, List<String> client, @TempDir Path out)
            throws Exception {
        if (name.equals("python")) {
            pythonWithRequests();
        }
        String url = "http://127.0.0.1:" + port;
        List<String> command = new ArrayList<>(client);
        command.addAll(
                name.equals("python")
                        ? List.of(
                                "--url",
                                url,
                                "--out",
                                out.toString(),
                                "--photo",
                                PHOTO.toString(),
                                "--mask",
                                MASK.toString())
                        : List.of(url, out.toString(), PHOTO.toString(), MASK.toString()));
        List<String> lines = run(command);
        TestHttp http = new TestHttp(port);

        JsonNode listing = JSON.readTree(http.get("/models").body());
        List<String> models = new ArrayList<>();
        for (JsonNode m : listing.path("models")) {
            models.add(m.path("name").asString() + " (" + m.path("task").asString() + ", "
                    + m.path("state").asString() + ")");
        }
        assertThat(lines).contains("models: " + String.join(", ", models));

        // The default generator's last class; the same seeds asked here give the same bytes.
        assertThat(lines).anyMatch(l -> l.startsWith("generate: fashion-gan seed 42 label ankle boot -> "));
        for (int seed : new int[] {42, 7, 8, 9, 10}) {
            HttpResponse<byte[]> direct =
                    http.postJson("/generate", "{\"label\": \"ankle boot\", \"seed\": " + seed + "}", "image/png");
            assertThat(Files.readAllBytes(out.resolve("generate-seed" + seed + ".png")))
                    .as("seed %d", seed)
                    .isEqualTo(direct.body());
        }
        assertThat(lines).contains("generate x4: seeds 7 8 9 10 -> " + out + "/generate-seed7.png ...");

        HttpResponse<byte[]> inpainted = http.postMultipart(
                "/inpaint", TestHttp.parts("image", PHOTO, "mask", MASK, "model", "photo-inpaint"), "image/png");
        assertThat(pixels(Files.readAllBytes(out.resolve("inpaint.png")))).isEqualTo(pixels(inpainted.body()));
        assertThat(pixels(Files.readAllBytes(out.resolve("inpaint-json.png")))).isEqualTo(pixels(inpainted.body()));
        assertThat(lines)
                .contains(
                        "inpaint (multipart): photo-inpaint -> " + out.resolve("inpaint.png") + " 301x203",
                        "inpaint (json): photo-inpaint -> " + out.resolve("inpaint-json.png") + " 301x203");

        String style = listing.path("styles").get(0).asString();
        HttpResponse<byte[]> styled = http.postMultipart(
                "/style-transfer", TestHttp.parts("image", PHOTO, "style", style, "strength", "0.8"), "image/png");
        assertThat(pixels(Files.readAllBytes(out.resolve("style-" + style + ".png"))))
                .isEqualTo(pixels(styled.body()));

        boolean upscaler = listing.path("models")
                .valueStream()
                .anyMatch(m -> m.path("task").asString().equals("upscale")
                        && m.path("state").asString().equals("ready"));
        if (upscaler) {
            assertThat(out.resolve("upscale.png")).exists();
        } else {
            assertThat(lines).contains("upscale: skipped, no model for it is listed");
        }

        String detail = JSON.readTree(
                        http.postJson("/generate", "{\"count\": 0}", null).body())
                .path("detail")
                .asString();
        assertThat(lines).contains("error: 400 " + detail + " (field count)");
    }

    private static void pythonWithRequests() throws Exception {
        boolean available = Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import requests")
                                .redirectErrorStream(true)
                                .start()
                                .waitFor()
                        == 0;
        if (!available && System.getenv("CI") != null) {
            throw new AssertionError("python3-requests is missing: CI must run .ci/setup.sh first");
        }
        Assumptions.assumeTrue(available, "python3 with requests is not installed (apt-get install python3-requests)");
    }

    /** Runs the client; fails with its output unless it exits 0 within two minutes. */
    private static List<String> run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text.lines().toList();
    }

    private static int[] pixels(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
