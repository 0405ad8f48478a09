package io.genserve.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.genserve.error.DeadlineExceededException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.OverloadedException;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The problem+json shapes of the server-side failures, which real requests cannot provoke on purpose. */
@WebMvcTest(controllers = ProblemMapperTest.Failing.class)
@Import({ProblemMapper.class, ProblemMapperTest.Failing.class})
@EnableConfigurationProperties(ApiProperties.class)
class ProblemMapperTest {
    @RestController
    static class Failing {
        @GetMapping("/boom")
        String boom() {
            throw new IllegalStateException("secret internals at io.genserve.Something");
        }

        @GetMapping("/ort")
        String ort() {
            throw new InferenceFailedException("m", "ORT said no", new RuntimeException("native"));
        }

        @GetMapping("/full")
        String full() {
            throw new OverloadedException("m", "the queue of model 'm' is full", Duration.ofMillis(1500));
        }

        @GetMapping("/late")
        String late() {
            throw new DeadlineExceededException("m", Duration.ofSeconds(2), true);
        }
    }

    @Autowired
    MockMvc mvc;

    @Test
    void anUnexpectedFailureIsA500ThatRevealsNothing() throws Exception {
        mvc.perform(get("/boom").accept("image/png"))
                .andExpect(status().isInternalServerError())
                .andExpect(content().contentType("application/problem+json"))
                .andExpect(jsonPath("$.detail").value(Matchers.not(Matchers.containsString("secret"))))
                .andExpect(jsonPath("$.type").value("urn:genserve:problem:internal"));
        mvc.perform(get("/ort"))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.model").value("m"))
                .andExpect(jsonPath("$.detail").value(Matchers.not(Matchers.containsString("ORT said no"))));
    }

    @Test
    void overloadCarriesRetryAfterRoundedUpToSeconds() throws Exception {
        mvc.perform(get("/full"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "2"))
                .andExpect(jsonPath("$.model").value("m"));
    }

    @Test
    void aPassedDeadlineIs504() throws Exception {
        mvc.perform(get("/late"))
                .andExpect(status().isGatewayTimeout())
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("while running")));
    }

    @Test
    void unknownPathsAndMethodsAreProblemsToo() throws Exception {
        mvc.perform(get("/nowhere"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType("application/problem+json"));
    }
}
