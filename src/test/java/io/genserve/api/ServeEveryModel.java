package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.GenserveApplication;
import io.genserve.TestHttp;
import io.genserve.TestImages;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Starts the service on a repository and sends one real request to every model; every model must load. */
final class ServeEveryModel {
    private ServeEveryModel() {}

    static void check(Path repository) throws Exception {
        ConfigurableApplicationContext context = new SpringApplication(GenserveApplication.class)
                .run("--server.port=0", "--genserve.model-repository=" + repository, "--spring.main.banner-mode=off");
        try {
            TestHttp http = new TestHttp(
                    ((WebServerApplicationContext) context).getWebServer().getPort());
            JsonNode models = JsonMapper.builder()
                    .build()
                    .readTree(http.get("/models").body())
                    .get("models");
            assertThat(models).isNotEmpty();
            Path photo = TestHttp.FIXTURES.resolve("photo-301x203.png");
            for (JsonNode m : models) {
                String name = m.get("name").asString();
                assertThat(m.get("state").asString())
                        .as(name + ": " + m.get("reason"))
                        .isEqualTo("ready");
                HttpResponse<byte[]> r = switch (m.get("task").asString()) {
                    case "generate" -> http.postJson("/generate", "{\"model\": \"" + name + "\", \"seed\": 3}", null);
                    case "inpaint" ->
                        http.postMultipart(
                                "/inpaint",
                                TestHttp.parts(
                                        "image",
                                        photo,
                                        "mask",
                                        TestHttp.FIXTURES.resolve("mask-301x203.png"),
                                        "model",
                                        name),
                                null);
                    case "upscale" ->
                        http.postMultipart("/upscale", TestHttp.parts("image", photo, "model", name), null);
                    default ->
                        http.postMultipart("/style-transfer", TestHttp.parts("image", photo, "style", name), null);
                };
                assertThat(r.statusCode()).as(name + ": " + TestHttp.text(r)).isEqualTo(200);
                int[][][] image = TestImages.read(r.body());
                if (!m.get("task").asString().equals("generate")) {
                    int scale = m.has("scale") ? m.get("scale").asInt() : 1; // an upscaler answers its scale times
                    assertThat(image.length).as(name).isEqualTo(203 * scale);
                    assertThat(image[0].length).as(name).isEqualTo(301 * scale);
                }
            }
        } finally {
            context.close();
        }
    }
}
