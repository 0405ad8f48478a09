package io.genserve.edge;

import io.genserve.batching.MemoryBudget;
import io.genserve.error.ClientText;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every request body whole, within limits, before the request reaches Spring MVC, and
 * passes task requests through the adaptive concurrency limit ({@link Shedding}) once their body
 * is in. Why: a servlet thread that reads a body blocks for as long as the client takes to send
 * it, so a few hundred clients sending slowly take every thread, probes included (measured: 220
 * such connections stopped every answer). Here a body that is already in the container's buffer
 * (the usual case) is copied at once on the request thread; the rest of a body is read without
 * blocking ({@link BodyIntake}): a slow client costs a buffer, never a thread.
 *
 * <p>Limits: the endpoint's {@code genserve.http.max-body} (from Content-Length before reading,
 * and while reading chunked bodies: 413), the pace ({@code min-body-rate}, {@code body-grace},
 * {@code body-idle-timeout}: 408), and the shared memory budget (503). The rest of a body refused
 * before it is all read is first read and dropped without a thread, for at most
 * {@code refused-body-linger}, then the refusal is answered with Connection: close ({@link
 * BodyIntake}); the container never swallows a body on a request thread.
 *
 * <p>Threads: the request thread; container threads for the read callbacks; the pace checks timer
 * thread ({@link PaceChecks}). Stateless apart from its collaborators; thread-safe.
 */
public final class BodyIntakeFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(BodyIntakeFilter.class);
    /** Request attribute: the {@link BufferedBody} once read. */
    static final String BODY = BodyIntakeFilter.class.getName() + ".body";
    /** Request attribute: the {@link Completion} that frees the body and closes the admission ticket. */
    static final String COMPLETION = BodyIntakeFilter.class.getName() + ".completion";

    private final HttpEdgeProperties properties;
    private final MemoryBudget memory;
    private final Shedding shedding;
    private final PaceChecks checks;
    private final MultipartConfigElement multipart;
    private final LongSupplier clock;

    public BodyIntakeFilter(
            HttpEdgeProperties properties,
            MemoryBudget memory,
            Shedding shedding,
            PaceChecks checks,
            MultipartConfigElement multipart,
            LongSupplier clock) {
        this.properties = properties;
        this.memory = memory;
        this.shedding = shedding;
        this.checks = checks;
        this.multipart = multipart;
        this.clock = clock;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        BufferedBody body = (BufferedBody) request.getAttribute(BODY);
        if (body == null && request.getDispatcherType() == DispatcherType.REQUEST && hasBody(request)) {
            body = readAtOnce(request);
            if (body == null) {
                return; // refused, or the rest of the body is read without this thread and dispatched later
            }
            request.setAttribute(BODY, body);
        }
        if (body == null) {
            chain.doFilter(request, response);
            return;
        }
        proceed(request, response, chain, body);
    }

    /** The body has been read: admit the request, then hand it to Spring MVC with its body. */
    private void proceed(HttpServletRequest request, HttpServletResponse response, FilterChain chain, BufferedBody body)
            throws IOException, ServletException {
        Completion completion = (Completion) request.getAttribute(COMPLETION);
        if (completion == null) {
            Shedding.Ticket ticket = null;
            if (shedding.applies(request)) {
                ticket = shedding.tryEnter(request);
                if (ticket == null) {
                    release(body);
                    shedding.refuse(request, response);
                    return;
                }
            }
            completion = new Completion(body, ticket);
            request.setAttribute(COMPLETION, completion);
        }
        HttpServletRequest withBody =
                request instanceof BufferedBodyRequest ? request : new BufferedBodyRequest(request, body, multipart);
        try {
            chain.doFilter(withBody, response);
        } finally {
            completion.afterDispatch(request, response);
        }
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Copies what the container already holds; returns the body when that was all of it, or null
     * when the request was refused or is now being read asynchronously.
     */
    private BufferedBody readAtOnce(HttpServletRequest request) throws IOException {
        long started = clock.getAsLong();
        HttpEdgeProperties.Limit limit = properties.bodyLimitFor(request.getRequestURI());
        long declared = request.getContentLengthLong();
        BodyBuffer buffer = new BodyBuffer(memory, limit.bytes());
        ServletInputStream in = request.getInputStream();
        if (declared >= 0) {
            BodyBuffer.Growth g = buffer.expect(declared);
            if (g != BodyBuffer.Growth.OK) {
                intake(request, in, buffer, limit, started).startRefused(g, declared);
                return null;
            }
        }
        byte[] chunk = new byte[16 * 1024];
        try {
            // available() > 0: the next read returns without waiting for the client.
            while (buffer.size() != declared && in.available() > 0) {
                int n = in.read(
                        chunk, 0, declared < 0 ? chunk.length : (int) Math.min(chunk.length, declared - buffer.size()));
                if (n < 0) {
                    break;
                }
                BodyBuffer.Growth g = buffer.append(chunk, n);
                if (g != BodyBuffer.Growth.OK) {
                    intake(request, in, buffer, limit, started).startRefused(g, buffer.size() + (long) n);
                    return null;
                }
            }
        } catch (IOException e) {
            buffer.discard();
            throw e; // the connection broke while reading: the container answers and closes it
        }
        if ((declared >= 0 && buffer.size() == declared) || (declared < 0 && in.isFinished())) {
            return buffer.finish();
        }
        intake(request, in, buffer, limit, started).start();
        return null;
    }

    /** Takes the request asynchronous and gives the rest of its body to a {@link BodyIntake}. */
    private BodyIntake intake(
            HttpServletRequest request,
            ServletInputStream in,
            BodyBuffer buffer,
            HttpEdgeProperties.Limit limit,
            long started) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0); // the intake's own pace checks bound it
        return new BodyIntake(
                async,
                in,
                buffer,
                limit.setting(),
                request.getRequestURI(),
                new BodyIntake.Pace(
                        properties.minBodyRate().toBytes(),
                        properties.bodyGrace().toNanos(),
                        properties.bodyIdleTimeout().toNanos(),
                        properties.refusedBodyLinger().toNanos()),
                clock,
                started,
                checks,
                request.getLocalPort(),
                request.getRemotePort(),
                full -> admitOrRefuse(request, async, full));
    }

    /**
     * The rest of the body came in without a thread: the request takes its place in the adaptive
     * limit here, in the read callback, and when there is none it is refused here too, on the
     * connection it came on, without a dispatch. Why: the dispatch's second pass through the
     * container's valves and Spring's filters was two thirds of a refusal's CPU in a flood of
     * /style-transfer bodies (async-profiler, 512 connections), on request threads that get only
     * what inference leaves: refusals took ~25 s. (Like a refusal from the headers, this one is
     * counted by genserve.http.shed, not by http.server.requests.) An admitted request is
     * dispatched on to Spring MVC with its body and its place.
     */
    private void admitOrRefuse(HttpServletRequest request, AsyncContext async, BufferedBody body) {
        Shedding.Ticket ticket = null;
        if (shedding.applies(request)) {
            ticket = shedding.tryEnter(request);
            if (ticket == null) {
                release(body);
                try {
                    shedding.refuse(request, (HttpServletResponse) async.getResponse());
                } catch (IOException | RuntimeException e) {
                    log.debug("could not answer a refused request", e);
                }
                AsyncContexts.complete(async);
                return;
            }
        }
        Completion completion = new Completion(body, ticket);
        request.setAttribute(BODY, body);
        request.setAttribute(COMPLETION, completion);
        try {
            async.dispatch();
        } catch (IllegalStateException e) { // the connection broke meanwhile: nothing will answer
            completion.abandon();
            AsyncContexts.complete(async);
        }
    }

    /** The 413 detail, one wording whether the size was declared or found while reading. */
    static String overLimit(String path, long limit, String setting, Long size) {
        return "the request body" + (size == null ? "" : " of " + size + " bytes") + " exceeds the limit of " + limit
                + " bytes for " + ClientText.quote(path) + " (" + setting + ")";
    }

    private static void release(BufferedBody body) {
        if (body.reservation() != null) {
            body.reservation().close();
        }
    }

    /**
     * Frees the body's memory and closes the admission ticket once the answer is complete: at the
     * end of the dispatch that answered, or, when Spring MVC answers asynchronously, when the
     * async cycle that answers completes. Idempotent.
     */
    private static final class Completion implements AsyncListener {
        private final BufferedBody body;
        private final Shedding.Ticket ticket;
        private AsyncContext listeningTo;
        private boolean finished;

        Completion(BufferedBody body, Shedding.Ticket ticket) {
            this.body = body;
            this.ticket = ticket;
        }

        synchronized void afterDispatch(HttpServletRequest request, HttpServletResponse response) {
            if (request.isAsyncStarted()) {
                AsyncContext ctx = request.getAsyncContext();
                if (ctx != listeningTo) {
                    listeningTo = ctx;
                    ctx.addListener(this);
                }
                return;
            }
            finish(response.getStatus());
        }

        /** The request was never handed on: its body and its place are given back. */
        void abandon() {
            finish(0); // neither a success nor a drop: the limit ignores it
        }

        private synchronized void finish(int status) {
            if (finished) {
                return;
            }
            finished = true;
            release(body);
            if (ticket != null) {
                ticket.close(status);
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            finish(((HttpServletResponse) event.getSuppliedResponse()).getStatus());
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // The answer to a timeout is written by whoever handles it; onComplete follows.
        }

        @Override
        public void onError(AsyncEvent event) {
            finish(500);
        }

        @Override
        public synchronized void onStartAsync(AsyncEvent event) {
            // A new async cycle drops its listeners: follow it.
            listeningTo = event.getAsyncContext();
            listeningTo.addListener(this);
        }
    }
}
