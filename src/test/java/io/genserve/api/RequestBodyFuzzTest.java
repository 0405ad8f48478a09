package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

/**
 * Any request body, through the whole service (Tomcat and the edge's valves, the body intake
 * filter, Spring MVC, the task codecs, real ONNX Runtime on the fixture models, the problem
 * mapper), over HTTP: the answer is a success, a 4xx problem+json that says nothing about the
 * internals, or 429/503 with Retry-After; never another 5xx. Byte 0 picks the endpoint and the
 * content type: JSON to /generate, /inpaint or /style-transfer, or multipart/form-data (boundary
 * "b") to /inpaint or /style-transfer.
 *
 * <p>A real server rather than MockMvc: answers are completed from the thread that finished the
 * task, and Spring's mock async context completes at once on that thread, racing the request
 * thread still in the filters (the container defers such a completion until the dispatch
 * returns), which made findings of the harness, not of the service.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "genserve.model-repository=src/test/resources/fixtures/models")
class RequestBodyFuzzTest {
    static final String[] PATHS = {"/generate", "/inpaint", "/style-transfer", "/inpaint", "/style-transfer"};
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    int port;

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "\"model\"",
        "\"seed\"",
        "\"count\"",
        "\"label\"",
        "\"prompt\"",
        "\"truncation\"",
        "\"format\"",
        "\"timeoutMs\"",
        "\"image\"",
        "\"mask\"",
        "\"style\"",
        "\"strength\"",
        "\"invertMask\"",
        "\"styleImage\"",
        "\"gen-nchw-rgb\"",
        "\"style-gray-tile\"",
        "\"inpaint-dynamic\"",
        "\"square\"",
        "data:image/png;base64,",
        // libFuzzer's dictionary format takes no line breaks: the multipart framing comes from the seeds.
        "Content-Disposition: form-data; name=",
        "filename=",
        "--b--"
    })
    void everyAnswerIsASuccessAProblemOrARetryLater(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        // Jazzer's SSRF detector: this test's own connections to the service are expected.
        try (SilentCloseable allowed =
                BugDetectors.allowNetworkConnections((host, p) -> "localhost".equals(host) && p == port)) {
            ask(data);
        }
    }

    private void ask(byte[] data) throws Exception {
        int pick = (data[0] & 0xFF) % PATHS.length;
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        String contentType = pick < 3 ? "application/json" : "multipart/form-data; boundary=b";
        HttpResponse<String> r = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + PATHS[pick]))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        assertThat(status).as(r.body()).isBetween(400, 503).isNotIn(500, 501, 502);
        String type = r.headers().firstValue("Content-Type").orElse(null);
        assertThat(type).as("content type of a %d", status).isNotNull();
        assertThat(MediaType.parseMediaType(type).equalsTypeAndSubtype(MediaType.APPLICATION_PROBLEM_JSON))
                .as("%d answered as %s", status, type)
                .isTrue();
        assertThat(r.body()).doesNotContain("Exception", "io.genserve.", "tools.jackson", "java.lang", "\tat ");
        if (status == 429 || status == 503) {
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
        }
    }
}
