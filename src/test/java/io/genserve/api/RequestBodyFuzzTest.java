package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.MockMvcPrint;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * Any request body, through the whole service (the body intake filter, Spring MVC, the task
 * codecs, real ONNX Runtime on the fixture models, the problem mapper): the answer is a success,
 * a 4xx problem+json that says nothing about the internals, or 429/503 with Retry-After; never
 * another 5xx. Byte 0 picks the endpoint and the content type: JSON to /generate, /inpaint or
 * /style-transfer, or multipart/form-data (boundary "b") to /inpaint or /style-transfer.
 */
@SpringBootTest(properties = "genserve.model-repository=src/test/resources/fixtures/models")
// No printing of each exchange: MockMvc prints the response while AsyncAnswers may still be writing
// its headers from another thread (a ConcurrentModificationException in the printer, not the service).
@AutoConfigureMockMvc(print = MockMvcPrint.NONE)
class RequestBodyFuzzTest {
    static final String[] PATHS = {"/generate", "/inpaint", "/style-transfer", "/inpaint", "/style-transfer"};

    @Autowired
    MockMvc mvc;

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
        int pick = (data[0] & 0xFF) % PATHS.length;
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        String contentType = pick < 3 ? "application/json" : "multipart/form-data; boundary=b";
        MvcResult result = mvc.perform(
                        post(PATHS[pick]).contentType(contentType).content(body))
                .andReturn();
        awaitAnswer(result.getRequest()); // AsyncAnswers: written without a second dispatch
        MockHttpServletResponse r = result.getResponse();
        int status = r.getStatus();
        if (status >= 200 && status < 300) {
            return;
        }
        assertThat(status).as(r.getContentAsString()).isBetween(400, 503).isNotIn(500, 501, 502);
        assertThat(r.getContentType()).isEqualTo("application/problem+json");
        String text = r.getContentAsString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("Exception", "io.genserve.", "tools.jackson", "java.lang", "\tat ");
        if (status == 429 || status == 503) {
            assertThat(r.getHeader("Retry-After")).isNotNull();
        }
    }

    /** Waits until an async cycle the handler started itself is complete, at most 30 s. */
    private static void awaitAnswer(MockHttpServletRequest request) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (request.isAsyncStarted() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(request.isAsyncStarted()).as("answered within 30 s").isFalse();
    }
}
