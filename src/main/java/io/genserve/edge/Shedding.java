package io.genserve.edge;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.genserve.error.RetryAfter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Load shedding in front of the task endpoints: an adaptive concurrency limit per endpoint
 * (Netflix concurrency-limits, AIMD), taken once a request's body is read and before it is parsed
 * or decoded. A request over the limit gets an immediate 429 (or 503) with Retry-After, for the
 * price of reading its body: the CPU that parsing and decoding it would take is left to the
 * requests that run. The per-model queue bounds stay the hard limits behind it.
 *
 * <p>The limit grows by one with each success while at least half of it is in use, and shrinks by
 * a tenth each time a request admitted here is refused or fails deeper (its model's queue full,
 * the memory budget spent: 429/503; its deadline passed: 504) or takes longer than the default
 * deadline. So it settles where the queues behind it just stop overflowing, and refuses the
 * excess before parsing. AIMD rather than a latency-gradient limit (Gradient2, tried first): a
 * batching model's latency rises with the queue by design, and Gradient2 read that as
 * saturation and refused 429s at 32 to 64 connections that the queues would have served.
 *
 * <p>A request's ticket is closed when its answer is complete: 2xx is a success, 429/503/504 a
 * drop, other answers are ignored. Thread-safe.
 */
public final class Shedding {
    /** Task endpoints, by the first segment of their path; OIP inference too ({@code /v2/models/{m}/infer}). */
    private static final java.util.Set<String> ENDPOINTS =
            java.util.Set.of("generate", "inpaint", "style-transfer", "upscale", "v2");

    private final HttpEdgeProperties.Shedding settings;
    private final int overloadStatus;
    private final Duration retryAfter;
    private final Duration slow;
    private final MeterRegistry registry;
    private final LongSupplier clock;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    /**
     * @param overloadStatus 429 or 503, as every overload answer of the service ({@code genserve.api.overload-status})
     * @param retryAfter what Retry-After says ({@code genserve.batching.retry-after})
     * @param slow an answer slower than this counts as a drop ({@code genserve.batching.timeout}, the default deadline)
     */
    public Shedding(
            HttpEdgeProperties.Shedding settings,
            int overloadStatus,
            Duration retryAfter,
            Duration slow,
            MeterRegistry registry,
            LongSupplier clock) {
        this.settings = settings;
        this.overloadStatus = overloadStatus;
        this.retryAfter = retryAfter;
        this.slow = slow;
        this.registry = registry;
        this.clock = clock;
    }

    /** The limit and its meters for one endpoint. */
    private final class Endpoint {
        final SimpleLimiter<Void> limiter;
        final Counter shed;
        /** Refused from headers, before the body was read ({@link SheddingValve}). */
        final Counter shedEarly;

        Endpoint(String name) {
            limiter = SimpleLimiter.newBuilder()
                    .named(name)
                    .nanoClock(clock)
                    .limit(AIMDLimit.newBuilder()
                            .initialLimit(settings.initialLimit())
                            .minLimit(settings.minLimit())
                            .maxLimit(settings.maxLimit())
                            .backoffRatio(0.9)
                            .timeout(slow.toNanos(), TimeUnit.NANOSECONDS)
                            .build())
                    .build();
            Gauge.builder("genserve.http.concurrency.limit", limiter, SimpleLimiter::getLimit)
                    .tag("endpoint", name)
                    .description("Adaptive limit of task requests in progress at once (AIMD)")
                    .register(registry);
            Gauge.builder("genserve.http.in.flight", limiter, SimpleLimiter::getInflight)
                    .tag("endpoint", name)
                    .description("Task requests in progress, from body read to answer")
                    .register(registry);
            shed = Counter.builder("genserve.http.shed")
                    .tag("endpoint", name)
                    .tag("stage", "body")
                    .description(
                            "Requests refused by the adaptive concurrency limit, from headers or once the body is in")
                    .register(registry);
            shedEarly = Counter.builder("genserve.http.shed")
                    .tag("endpoint", name)
                    .tag("stage", "headers")
                    .description(
                            "Requests refused by the adaptive concurrency limit, from headers or once the body is in")
                    .register(registry);
        }
    }

    /** A request inside the limit; {@link #close} says how it ended. */
    public static final class Ticket {
        private final Limiter.Listener listener;

        private Ticket(Limiter.Listener listener) {
            this.listener = listener;
        }

        void close(int status) {
            if (status >= 200 && status < 300) {
                listener.onSuccess();
            } else if (status == 429 || status == 503 || status == 504) {
                listener.onDropped();
            } else {
                listener.onIgnore();
            }
        }
    }

    boolean applies(HttpServletRequest request) {
        if (!settings.enabled() || !"POST".equals(request.getMethod())) {
            return false;
        }
        String first = HttpEdgeProperties.firstSegment(request.getRequestURI());
        return ENDPOINTS.contains(first)
                && (!first.equals("v2") || request.getRequestURI().endsWith("/infer"));
    }

    /** A ticket, or null when the endpoint is at its limit. */
    Ticket tryEnter(HttpServletRequest request) {
        Endpoint e = endpoint(request);
        Optional<Limiter.Listener> listener = e.limiter.acquire(null);
        if (listener.isEmpty()) {
            e.shed.increment();
            return null;
        }
        return new Ticket(listener.get());
    }

    /**
     * Whether the endpoint has no room now, counting the refusal this leads to. A look, not a
     * place: the place is taken by {@link #tryEnter} once the body is in.
     */
    boolean atLimit(HttpServletRequest request) {
        Endpoint e = endpoint(request);
        if (e.limiter.getInflight() < e.limiter.getLimit()) {
            return false;
        }
        e.shedEarly.increment();
        return true;
    }

    /**
     * The fast refusal, once the body was read (here, or from the container's buffer by {@link
     * SheddingValve}): the connection stays open for the client's next request.
     */
    void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Endpoint e = endpoint(request);
        response.setHeader("Retry-After", RetryAfter.seconds(retryAfter));
        ProblemResponses.write(
                response,
                overloadStatus,
                "overloaded",
                "too many requests in progress on " + request.getRequestURI() + " (adaptive limit "
                        + e.limiter.getLimit() + "); retry later",
                null,
                null,
                false);
    }

    private Endpoint endpoint(HttpServletRequest request) {
        return endpoints.computeIfAbsent(HttpEdgeProperties.firstSegment(request.getRequestURI()), Endpoint::new);
    }
}
