package io.genserve.api;

import io.genserve.error.MemoryExhaustedException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hands a task's future to Spring MVC without holding the servlet thread. When the client goes
 * away ({@link DisconnectWatch}) or the async request times out, the future is cancelled, which
 * frees the request's places in the model queues.
 *
 * <p>Two ways: {@link #defer} hands Spring MVC a {@link DeferredResult}, whose completion
 * dispatches the request again through every filter, the DispatcherServlet and the message
 * converters; {@link #answer} writes the answer from a container thread as soon as the future
 * completes and completes the servlet's async cycle itself, with no second pass (measured with bench/profile.sh:
 * the second pass was 13% of the CPU of {@code /generate} at concurrency 32). Errors in both go
 * through Spring MVC's exception resolvers, so {@link ProblemMapper} writes every problem.
 */
@Component
final class AsyncAnswers {
    private static final Logger log = LoggerFactory.getLogger(AsyncAnswers.class);
    /** nginx's "client closed request", for a request cancelled because its client left: logged, never read. */
    private static final int CLIENT_CLOSED_REQUEST = 499;

    private final DisconnectWatch disconnects;
    private final HandlerExceptionResolver problems;
    private final JsonMapper json;
    private final long timeoutMillis;

    /**
     * @param problems Spring MVC's resolvers, the ones a synchronous handler's exception goes through
     * @param json the mapper Spring MVC's JSON message converter writes with
     * @param timeout Spring MVC's async request timeout, which {@link #answer} applies to its own async cycle
     */
    AsyncAnswers(
            DisconnectWatch disconnects,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems,
            JsonMapper json,
            @Value("${spring.mvc.async.request-timeout:30s}") Duration timeout) {
        this.disconnects = disconnects;
        this.problems = problems;
        this.json = json;
        this.timeoutMillis = timeout.toMillis();
    }

    /** Must be called on the request's servlet thread. */
    <T> DeferredResult<ResponseEntity<?>> defer(CompletableFuture<T> future, Function<T, ResponseEntity<?>> render) {
        DeferredResult<ResponseEntity<?>> result = new DeferredResult<>();
        future.whenComplete((value, error) -> {
            if (error instanceof CancellationException) {
                result.setResult(ResponseEntity.status(CLIENT_CLOSED_REQUEST).build());
                return;
            }
            if (error != null) {
                result.setErrorResult(error);
                return;
            }
            try {
                result.setResult(render.apply(value));
            } catch (RuntimeException e) {
                result.setErrorResult(e);
            } catch (OutOfMemoryError e) {
                result.setErrorResult(MemoryExhaustedException.whileServing("encoding the answer", e));
            }
        });
        result.onError(e -> future.cancel(false));
        result.onTimeout(() -> {
            // Answer as Spring MVC would (503) before the cancellation below could answer 499.
            result.setErrorResult(new AsyncRequestTimeoutException());
            future.cancel(false);
        });
        watchDisconnect(
                ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest(), future);
        return result;
    }

    /**
     * Answers {@code request} with {@code render}'s entity once {@code future} completes, written
     * by a container thread ({@link AsyncContext#start}) without an async dispatch. The same answers as
     * {@link #defer}: the rendered entity, a problem for an error or a render that throws, 499
     * when the future was cancelled (the client left), 503 when Spring MVC's async request
     * timeout passes first, which cancels the future. Must be called on the request's servlet
     * thread, by a handler that takes the {@link HttpServletResponse} (so Spring MVC writes
     * nothing itself).
     */
    <T> void answer(
            HttpServletRequest request,
            HttpServletResponse response,
            CompletableFuture<T> future,
            Function<T, ResponseEntity<?>> render)
            throws IOException {
        if (future.isDone() && !future.isCancelled()) {
            T value;
            try {
                value = future.join();
            } catch (CompletionException e) {
                // A refusal before any queueing (bad input, full queue): Spring MVC's usual exception handling.
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            write(render.apply(value), response);
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(timeoutMillis);
        AtomicBoolean answered = new AtomicBoolean(); // the future's completion and the timeout race for it
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) {
                if (answered.compareAndSet(false, true)) {
                    // Answer as Spring MVC would (503) before the cancellation below could answer 499.
                    finish(async, request, () -> problem(request, response, new AsyncRequestTimeoutException()));
                }
                future.cancel(false);
            }

            @Override
            public void onError(AsyncEvent event) {
                answered.set(true); // the connection broke: nothing to write; the container completes the cycle
                future.cancel(false);
            }

            @Override
            public void onComplete(AsyncEvent event) {}

            @Override
            public void onStartAsync(AsyncEvent event) {}
        });
        future.whenComplete((value, error) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            Runnable write = () -> finish(async, request, () -> {
                if (error instanceof CancellationException) {
                    response.setStatus(CLIENT_CLOSED_REQUEST);
                } else if (error != null) {
                    problem(request, response, error);
                } else {
                    renderAndWrite(request, response, render, value);
                }
            });
            // On a container thread, as the dispatch was: a client that does not read its answer blocks
            // one of those until the write times out, never the thread that completed the task (the
            // batcher's post-processing pool, which every answer of every model goes through).
            try {
                async.start(write);
            } catch (RuntimeException e) { // the container refuses new work (shutting down): write here
                write.run();
            }
        });
        watchDisconnect(request, future);
    }

    private <T> void renderAndWrite(
            HttpServletRequest request, HttpServletResponse response, Function<T, ResponseEntity<?>> render, T value)
            throws IOException {
        ResponseEntity<?> entity;
        try {
            entity = render.apply(value);
        } catch (RuntimeException e) {
            problem(request, response, e);
            return;
        } catch (OutOfMemoryError e) {
            problem(request, response, MemoryExhaustedException.whileServing("encoding the answer", e));
            return;
        }
        write(entity, response);
    }

    /** What Spring MVC's message converters would write for this entity: bytes as they are, anything else as JSON. */
    private void write(ResponseEntity<?> entity, HttpServletResponse response) throws IOException {
        response.setStatus(entity.getStatusCode().value());
        entity.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        Object body = entity.getBody();
        if (body == null) {
            return;
        }
        byte[] bytes = body instanceof byte[] b ? b : json.writeValueAsBytes(body);
        if (entity.getHeaders().getContentType() == null) {
            response.setContentType("application/json");
        }
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** The problem Spring MVC would answer had the handler thrown {@code error}, written through the same resolvers. */
    private void problem(HttpServletRequest request, HttpServletResponse response, Throwable error) {
        Exception e = error instanceof Exception x ? x : new CompletionException(error); // ProblemMapper unwraps it
        // The http.server.requests observation tags the exception, as for a handler that throws.
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setError(e));
        if (problems.resolveException(request, response, null, e) == null) {
            log.error("no problem mapping for {}", e.toString(), e);
            response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Runs the step that writes the answer, then ends the async cycle, whatever the step did. */
    private static void finish(AsyncContext async, HttpServletRequest request, Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            // The client is gone or the answer could not be written: the cycle still ends here.
            log.debug("could not write the answer to {}: {}", request.getRequestURI(), e.toString());
        } finally {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // completed already by the container (a broken connection)
            }
        }
    }

    /** The container's own request: a wrapper (Spring's ForwardedHeaderFilter) may report a forwarded client's port. */
    private void watchDisconnect(ServletRequest request, CompletableFuture<?> future) {
        while (request instanceof ServletRequestWrapper wrapper) {
            request = wrapper.getRequest();
        }
        disconnects.watch(request.getLocalPort(), request.getRemotePort(), future);
    }
}
