package io.genserve.edge;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * What a client may hold and send before a controller sees its request ({@code genserve.http.*}).
 *
 * @param maxBody largest request body per endpoint, keyed by the path's first segment
 *     ({@code generate}, {@code inpaint}, …) with {@code default} for every other path; enforced
 *     from Content-Length before reading and again while reading (chunked bodies), answered 413.
 *     Entries given in configuration replace the defaults of the same key only.
 * @param minBodyRate the slowest a body may arrive, on average, once {@code bodyGrace} has passed;
 *     slower clients get 408 and their connection is closed
 * @param bodyGrace how long a body may take before its rate is checked at all
 * @param bodyIdleTimeout the longest pause between two pieces of a body
 * @param refusedBodyLinger how long the rest of a refused body (408, 413, 503 while reading) is
 *     read and dropped after the answer is sent, before the connection is closed: closing a socket
 *     with unread bytes makes the kernel send a reset, which can reach the client before the answer
 *     it was sent after (as nginx's lingering close and Apache's). 0 closes at once
 * @param managementThreads request threads of the management port (probes, metrics): a pool of its
 *     own, so that no API traffic can starve liveness
 * @param requestThreads request threads of the API port; unset: {@link #requestThreadsFor 4 per
 *     processor, at least 8}. Few on purpose: no request holds one while it waits (bodies are read,
 *     and answers written, without a thread; inference is asynchronous), so more threads only mean
 *     more of them runnable at once under a flood, each taking its share of the CPU from inference
 *     (beside the load generator with equal CPU shares, at 512 connections: Tomcat's default of 200
 *     kept 69% of the saturation throughput, 8 kept 94%; see the README)
 * @param requestThreadNice the nice value (CPU priority, 0..19, higher is lower) of the API port's
 *     request threads; 0 leaves them at normal priority. Above inference's, so that under a flood
 *     the work of refusing requests gets only the CPU that inference leaves
 * @param shedding adaptive concurrency limits in front of the task endpoints
 */
@Validated
@ConfigurationProperties("genserve.http")
public record HttpEdgeProperties(
        Map<String, DataSize> maxBody,
        @NotNull @DefaultValue("16KB") DataSize minBodyRate,

        @NotNull @DurationMin(millis = 0) @DefaultValue("5s")
        Duration bodyGrace,

        @NotNull @DurationMin(millis = 100) @DefaultValue("10s")
        Duration bodyIdleTimeout,

        @NotNull @DurationMin(millis = 0) @DefaultValue("5s")
        Duration refusedBodyLinger,

        @Min(1) @Max(64) @DefaultValue("4") int managementThreads,
        @Min(1) @Max(1024) Integer requestThreads,
        @Min(0) @Max(19) @DefaultValue("19") int requestThreadNice,
        @Valid @NotNull @DefaultValue Shedding shedding) {

    /** Bodies are held in one byte array each. */
    static final DataSize MAX_BODY_CEILING = DataSize.ofGigabytes(1);

    /** Body limits that configuration does not override. */
    public static final Map<String, DataSize> DEFAULT_MAX_BODY = Map.of(
            "default", DataSize.ofKilobytes(64),
            "generate", DataSize.ofKilobytes(16),
            "inpaint", DataSize.ofMegabytes(64),
            "style-transfer", DataSize.ofMegabytes(64),
            "upscale", DataSize.ofMegabytes(64),
            "v2", DataSize.ofMegabytes(64));

    public HttpEdgeProperties {
        Map<String, DataSize> merged = new LinkedHashMap<>(DEFAULT_MAX_BODY);
        if (maxBody != null) {
            maxBody.forEach((k, v) -> {
                if (v == null || v.toBytes() < 1 || v.toBytes() > MAX_BODY_CEILING.toBytes()) {
                    throw new IllegalArgumentException(
                            "genserve.http.max-body." + k + " must be 1B.." + MAX_BODY_CEILING + ", got " + v);
                }
                merged.put(k.toLowerCase(Locale.ROOT), v);
            });
        }
        maxBody = Map.copyOf(merged);
        if (minBodyRate.toBytes() < 1) {
            throw new IllegalArgumentException("genserve.http.min-body-rate must be at least 1B (bytes per second)");
        }
    }

    /** The API port's request threads: as configured, else 4 per processor and at least 8. */
    public int apiRequestThreads() {
        return requestThreads != null
                ? requestThreads
                : requestThreadsFor(Runtime.getRuntime().availableProcessors());
    }

    static int requestThreadsFor(int processors) {
        return Math.max(8, 4 * processors);
    }

    /** The body limit of a request path and the setting that names it. */
    Limit bodyLimitFor(String path) {
        String first = firstSegment(path);
        String key = maxBody.containsKey(first) ? first : "default";
        return new Limit(maxBody.get(key).toBytes(), "genserve.http.max-body." + key);
    }

    static String firstSegment(String path) {
        if (path == null) {
            return "";
        }
        int start = path.startsWith("/") ? 1 : 0;
        int end = path.indexOf('/', start);
        return path.substring(start, end < 0 ? path.length() : end).toLowerCase(Locale.ROOT);
    }

    record Limit(long bytes, String setting) {}

    /**
     * @param enabled whether task requests pass an adaptive concurrency limit (Netflix
     *     concurrency-limits, AIMD) once their body is read and before it is parsed
     * @param initialLimit requests in progress per endpoint the limit starts from
     * @param maxLimit the most it may grow to
     * @param minLimit the least it may shrink to
     */
    public record Shedding(
            @DefaultValue("true") boolean enabled,
            @Min(1) @DefaultValue("64") int initialLimit,
            @Min(1) @DefaultValue("1024") int maxLimit,
            @Min(1) @DefaultValue("8") int minLimit) {
        public Shedding {
            if (minLimit > initialLimit || initialLimit > maxLimit) {
                throw new IllegalArgumentException(
                        "genserve.http.shedding needs min-limit <= initial-limit <= max-limit, got " + minLimit + ", "
                                + initialLimit + ", " + maxLimit);
            }
        }
    }
}
