package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link AsyncAnswers#answer}: the answer written without a second dispatch once the future
 * completes, with the same outcomes as a DeferredResult's second dispatch, and without waiting for
 * the client to read it. Spring's mock request stands in for
 * the container (its async context records listeners and completion); the exception resolver
 * records what it was asked to map, as Spring MVC's would be (ProblemMapper's answers are tested
 * end to end).
 */
class AsyncAnswersTest {
    private final List<Exception> mapped = new ArrayList<>();
    private final HandlerExceptionResolver resolver = (request, response, handler, e) -> {
        mapped.add(e);
        response.setStatus(e instanceof AsyncRequestTimeoutException ? 503 : 400);
        return new ModelAndView();
    };
    private final AsyncAnswers answers = new AsyncAnswers(
            new DisconnectWatch(unavailableTable(), Duration.ZERO),
            resolver,
            JsonMapper.builder().build(),
            Duration.ofSeconds(150));
    private final MockHttpServletRequest request = new MockHttpServletRequest("POST", "/generate");
    private final MockHttpServletResponse response = new MockHttpServletResponse();

    {
        request.setAsyncSupported(true);
    }

    @Test
    void aResultThatComesLaterIsWrittenAndEndsTheCycle() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, response, future, AsyncAnswersTest::png);
        assertThat(request.isAsyncStarted()).isTrue();
        assertThat(request.getAsyncContext().getTimeout()).isEqualTo(150_000);

        Thread batcher = new Thread(() -> future.complete(new byte[] {1, 2, 3}));
        batcher.start();
        batcher.join();

        assertThat(request.isAsyncStarted()).as("completed").isFalse();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentType()).isEqualTo("image/png");
        assertThat(response.getHeader("Genserve-Seed")).isEqualTo("7");
        assertThat(response.getContentLength()).isEqualTo(3);
        assertThat(response.getContentAsByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void aJsonBodyIsWrittenAsJson() throws Exception {
        CompletableFuture<String> future = new CompletableFuture<>();
        answers.answer(
                request,
                response,
                future,
                v -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(Map.of("model", v)));
        future.complete("fashion-gan");

        assertThat(response.getContentType()).isEqualTo("application/json");
        assertThat(response.getContentAsString()).isEqualTo("{\"model\":\"fashion-gan\"}");
    }

    @Test
    void aFailureIsMappedByTheExceptionResolvers() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, response, future, AsyncAnswersTest::png);
        DeadlineExceededException deadline = new DeadlineExceededException("fashion-gan", Duration.ofMillis(10), false);
        future.completeExceptionally(deadline);

        assertThat(mapped).containsExactly(deadline);
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void aRenderThatThrowsIsMappedToo() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        BadInputException bad = new BadInputException("format", "no");
        answers.answer(request, response, future, v -> {
            throw bad;
        });
        future.complete(new byte[1]);

        assertThat(mapped).containsExactly(bad);
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void anAnswerIsWrittenOnceEvenWhenEndingTheCycleThrows() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, response, future, AsyncAnswersTest::png);
        // What the request thread's filter did while another thread completed the cycle: a listener
        // added during MockAsyncContext.complete()'s walk of its list, which then throws
        // ConcurrentModificationException out of AsyncContext.start(), after the write.
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                request.getAsyncContext().addListener(this);
            }

            @Override
            public void onTimeout(AsyncEvent event) {}

            @Override
            public void onError(AsyncEvent event) {}

            @Override
            public void onStartAsync(AsyncEvent event) {}
        });
        BadInputException bad = new BadInputException("image", "corrupt");
        future.completeExceptionally(bad);

        assertThat(mapped).as("one answer, not a second one over the first").containsExactly(bad);
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void aCancelledRequestAnswers499() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, response, future, AsyncAnswersTest::png);
        future.cancel(false); // what the disconnect watch does when the client left

        assertThat(response.getStatus()).isEqualTo(499);
        assertThat(mapped).isEmpty();
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void theAsyncTimeoutAnswersLikeSpringMvcAndCancelsTheTask() throws Exception {
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, response, future, AsyncAnswersTest::png);
        MockAsyncContext async = (MockAsyncContext) request.getAsyncContext();
        for (AsyncListener l : async.getListeners()) {
            l.onTimeout(new AsyncEvent(async));
        }

        assertThat(mapped).singleElement().isInstanceOf(AsyncRequestTimeoutException.class);
        assertThat(response.getStatus()).as("503, not the cancellation's 499").isEqualTo(503);
        assertThat(future).isCancelled();
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void aResultAlreadyThereIsWrittenAtOnceWithoutAnAsyncCycle() throws Exception {
        answers.answer(request, response, CompletableFuture.completedFuture(new byte[] {9}), AsyncAnswersTest::png);

        assertThat(request.isAsyncStarted()).isFalse();
        assertThat(response.getContentAsByteArray()).containsExactly(9);
    }

    @Test
    void anImmediateRefusalIsThrownForSpringMvcToMap() {
        BadInputException bad = new BadInputException("count", "count must be 1..64, got 0");

        assertThatThrownBy(() ->
                        answers.answer(request, response, CompletableFuture.failedFuture(bad), AsyncAnswersTest::png))
                .isSameAs(bad);
        assertThat(request.isAsyncStarted()).isFalse();
    }

    @Test
    void anAnswerIsWrittenWithoutWaitingAndTheCycleEndsOnceTheSocketTookIt() throws Exception {
        SlowSocket socket = new SlowSocket();
        HttpServletResponseWrapper slowClient = new HttpServletResponseWrapper(response) {
            @Override
            public ServletOutputStream getOutputStream() {
                return socket;
            }
        };
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(request, slowClient, future, AsyncAnswersTest::png);
        future.complete(new byte[] {4, 5, 6});

        assertThat(socket.listener).as("a listener, not a blocking write").isNotNull();
        socket.listener.onWritePossible(); // the container's first call: the bytes go to its buffer
        assertThat(socket.written.toByteArray()).containsExactly(4, 5, 6);
        assertThat(request.isAsyncStarted()).as("still writing").isTrue();

        socket.ready = true; // the client read: the container calls again
        socket.listener.onWritePossible();
        assertThat(request.isAsyncStarted()).as("completed").isFalse();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentLength()).isEqualTo(3);
    }

    @Test
    void aWriteThatFailsEndsTheCycle() throws Exception {
        SlowSocket socket = new SlowSocket();
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        answers.answer(
                request,
                new HttpServletResponseWrapper(response) {
                    @Override
                    public ServletOutputStream getOutputStream() {
                        return socket;
                    }
                },
                future,
                AsyncAnswersTest::png);
        future.complete(new byte[] {1});
        socket.listener.onWritePossible();
        socket.listener.onError(new IOException("write timed out")); // a client that never read

        assertThat(request.isAsyncStarted()).isFalse();
    }

    /** A connection whose client has not read yet: takes the bytes, is not ready until told. */
    private static final class SlowSocket extends ServletOutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        WriteListener listener;
        boolean ready;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            listener = writeListener;
        }

        @Override
        public void write(int b) {
            written.write(b);
        }
    }

    private static ResponseEntity<?> png(byte[] bytes) {
        return ResponseEntity.ok()
                .header("Genserve-Seed", "7")
                .contentType(MediaType.IMAGE_PNG)
                .body(bytes);
    }

    private static DisconnectWatch.OpenConnections unavailableTable() {
        return new DisconnectWatch.OpenConnections() {
            @Override
            public boolean available() {
                return false;
            }

            @Override
            public TcpConnectionTable.Listing read() {
                throw new AssertionError("not read");
            }
        };
    }
}
