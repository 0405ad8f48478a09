package io.genserve.api;

import io.genserve.edge.AsyncContexts;
import io.genserve.error.MemoryExhaustedException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.WriteListener;
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
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerMapping;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers a task's request once its future completes, without holding a servlet thread while it
 * waits or while a slow client reads. When the client goes away ({@link DisconnectWatch}) or the
 * async request times out, the future is cancelled, which frees the request's places in the model
 * queues.
 *
 * <p>The answer is written from a container thread as soon as the future completes, and the
 * servlet's async cycle is completed here, with no second pass through the filters, the
 * DispatcherServlet and the message converters that a {@code DeferredResult} would take (measured
 * with bench/profile.sh: the second pass was 13% of the CPU of {@code /generate} at concurrency
 * 32); the bytes go out with non-blocking writes. Errors go through Spring MVC's exception
 * resolvers, with the request's handler, so {@link ProblemMapper} (or a controller's own advice)
 * writes every problem.
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

    /**
     * Answers {@code request} with {@code render}'s entity once {@code future} completes, rendered
     * on the thread that completes it and written by a container thread ({@link
     * AsyncContext#start}) without an async dispatch: the rendered
     * entity, a problem for an error or a render that throws, 499 when the future was cancelled
     * (the client left), 503 when Spring MVC's async request timeout passes first, which cancels
     * the future. Must be called on the request's servlet thread, by a handler that takes the
     * {@link HttpServletResponse} (so Spring MVC writes nothing itself).
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
                    finish(async, request, () -> {
                        problem(request, response, new AsyncRequestTimeoutException());
                        return false;
                    });
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
            // Rendered (encoded) here, on the thread that completed the task: the post-processing
            // pool, at the CPU priority of inference. Why not on the container thread that writes it:
            // API request threads run at a lower priority (RequestThreads), so under a flood an
            // admitted request's answer waited behind the refusals for the CPU that inference left
            // (async-profiler, 512 connections of /style-transfer: half of the request threads' CPU
            // was encoding answers).
            Rendered rendered = error == null ? rendered(render, value) : null;
            AtomicBoolean written = new AtomicBoolean();
            Runnable write = () -> finish(async, request, () -> {
                if (!written.compareAndSet(false, true)) {
                    return true; // written already: start() ran it, then threw (see below)
                }
                if (error instanceof CancellationException) {
                    response.setStatus(CLIENT_CLOSED_REQUEST);
                    return false;
                }
                if (error != null) {
                    problem(request, response, error);
                    return false;
                }
                if (rendered.failure() != null) {
                    problem(request, response, rendered.failure());
                    return false;
                }
                byte[] body = head(rendered.entity(), rendered.body(), response);
                return body != null && writeWithoutWaiting(async, request, response.getOutputStream(), body);
            });
            // Written on a container thread: the write and the end of the async cycle are the container's.
            try {
                async.start(write);
            } catch (RuntimeException e) {
                // The container refuses new work (shutting down): written here. Unless start() ran
                // it and then threw: Spring's MockAsyncContext runs it inline, and its complete()
                // can throw while another thread adds a listener; a second write then rewrote the
                // headers of an answer already complete (RequestBodyFuzzTest saw a 400 without a
                // content type).
                write.run();
            }
        });
        watchDisconnect(request, future);
    }

    /** An answer rendered off the container's threads: the entity and its body's bytes, or why it could not be. */
    private record Rendered(ResponseEntity<?> entity, byte[] body, RuntimeException failure) {}

    private <T> Rendered rendered(Function<T, ResponseEntity<?>> render, T value) {
        try {
            ResponseEntity<?> entity = render.apply(value);
            return new Rendered(entity, bytes(entity), null);
        } catch (RuntimeException e) {
            return new Rendered(null, null, e);
        } catch (OutOfMemoryError e) {
            return new Rendered(null, null, MemoryExhaustedException.whileServing("encoding the answer", e));
        }
    }

    /**
     * Writes {@code body} with the servlet's non-blocking output: the container writes what the
     * socket takes and calls back when it takes more, and the cycle ends when all of it is out
     * (true: the write ends the cycle itself). Why: a blocking write holds its request thread until
     * a client that never reads its answer times out (connection-timeout), so a few such clients
     * asking for large images would hold every request thread of the API port; this way they hold
     * only their answer's bytes, which exist already, and a connection whose write times out ends
     * in onError.
     */
    private static boolean writeWithoutWaiting(
            AsyncContext async, HttpServletRequest request, ServletOutputStream out, byte[] body) throws IOException {
        WriteListener writer = new WriteListener() {
            private boolean written;

            @Override
            public void onWritePossible() throws IOException {
                if (!written) {
                    written = true;
                    out.write(body); // takes all of it; isReady() stays false until the socket took the rest
                }
                if (out.isReady()) {
                    AsyncContexts.complete(async);
                }
            }

            @Override
            public void onError(Throwable t) {
                log.debug("could not write the answer to {}: {}", request.getRequestURI(), t.toString());
                AsyncContexts.complete(async);
            }
        };
        try {
            out.setWriteListener(writer);
            return true;
        } catch (UnsupportedOperationException e) {
            // An output without non-blocking writes (Spring's mock response, for one): written as it takes it.
            out.write(body);
            return false;
        }
    }

    /** What Spring MVC's message converters would write for this entity: bytes as they are, anything else as JSON. */
    private void write(ResponseEntity<?> entity, HttpServletResponse response) throws IOException {
        byte[] body = head(entity, bytes(entity), response);
        if (body != null) {
            response.getOutputStream().write(body);
        }
    }

    /** The entity's body as bytes: bytes as they are, anything else as JSON; null when it has none. */
    private byte[] bytes(ResponseEntity<?> entity) {
        Object body = entity.getBody();
        if (body == null) {
            return null;
        }
        return body instanceof byte[] b ? b : json.writeValueAsBytes(body);
    }

    /** Sets the entity's status and headers on {@code response}; returns {@code body}. */
    private static byte[] head(ResponseEntity<?> entity, byte[] body, HttpServletResponse response) {
        response.setStatus(entity.getStatusCode().value());
        entity.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        if (body == null) {
            return null;
        }
        if (entity.getHeaders().getContentType() == null) {
            response.setContentType("application/json");
        }
        response.setContentLength(body.length);
        return body;
    }

    /** The problem Spring MVC would answer had the handler thrown {@code error}, written through the same resolvers. */
    private void problem(HttpServletRequest request, HttpServletResponse response, Throwable error) {
        Exception e = error instanceof Exception x ? x : new CompletionException(error); // ProblemMapper unwraps it
        // The http.server.requests observation tags the exception, as for a handler that throws.
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setError(e));
        // The handler, so that advice for its controller only (OipErrors) answers as for a handler that throws.
        Object handler = request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
        if (problems.resolveException(request, response, handler, e) == null) {
            log.error("no problem mapping for {}", e.toString(), e);
            response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
        }
    }

    private interface Step {
        /** Returns true when what it started ends the async cycle itself. */
        boolean run() throws IOException;
    }

    /** Runs the step that writes the answer, then ends the async cycle unless the step's write will. */
    private static void finish(AsyncContext async, HttpServletRequest request, Step step) {
        boolean completesItself = false;
        try {
            completesItself = step.run();
        } catch (IOException | RuntimeException e) {
            // The client is gone or the answer could not be written: the cycle still ends here.
            log.debug("could not write the answer to {}: {}", request.getRequestURI(), e.toString());
        } finally {
            if (!completesItself) {
                AsyncContexts.complete(async);
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
