package io.genserve.edge;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes RFC 9457 problem+json answers where Spring MVC's exception handling cannot: in filters
 * before the DispatcherServlet, in the servlet container's error report, and on the error path.
 * Same shape as the one exception mapper in {@code api} ({@code type} urn:genserve:problem:…,
 * {@code title}, {@code status}, {@code detail}, then fields such as {@code field} or
 * {@code limit}). Stateless, thread-safe.
 */
public final class ProblemResponses {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemResponses() {}

    /** The problem as bytes; {@code extras} are added in order after the standard members (null values left out). */
    public static byte[] body(int status, String type, String detail, String instance, Map<String, ?> extras) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "urn:genserve:problem:" + type);
        p.put("title", title(type, status));
        p.put("status", status);
        p.put("detail", detail);
        if (instance != null) {
            p.put("instance", instance);
        }
        if (extras != null) {
            extras.forEach((k, v) -> {
                if (v != null) {
                    p.put(k, v);
                }
            });
        }
        return JSON.writeValueAsBytes(p);
    }

    /**
     * Writes the problem unless the response is already committed. {@code close} adds
     * {@code Connection: close}: used when the request's body was not (fully) read, so that the
     * container neither waits for nor swallows the rest.
     */
    public static void write(
            HttpServletResponse response,
            int status,
            String type,
            String detail,
            String instance,
            Map<String, ?> extras,
            boolean close)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        byte[] body = body(status, type, detail, instance, extras);
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType(MEDIA_TYPE);
        response.setContentLength(body.length);
        if (close) {
            response.setHeader("Connection", "close");
        }
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /** Titles of the problem types; a type not listed is titled by its status's reason phrase. */
    private static final Map<String, String> TITLES = Map.ofEntries(
            Map.entry("bad-input", "Bad input"),
            Map.entry("unknown-model", "Unknown model"),
            Map.entry("model-not-ready", "Model not ready"),
            Map.entry("overloaded", "Overloaded"),
            Map.entry("memory-exhausted", "Out of memory"),
            Map.entry("too-large", "Too large"),
            Map.entry("body-timeout", "Request body too slow"),
            Map.entry("deadline-exceeded", "Deadline exceeded"),
            Map.entry("inference-failed", "Inference failed"),
            Map.entry("no-such-endpoint", "No such endpoint"),
            Map.entry("method-not-allowed", "Method not allowed"),
            Map.entry("not-acceptable", "Not acceptable"),
            Map.entry("unsupported-media-type", "Unsupported media type"),
            Map.entry("internal", "Internal error"));

    /** The title of a problem type: one wording per type, whichever layer answers. */
    public static String title(String type, int status) {
        String t = TITLES.get(type);
        if (t != null) {
            return t;
        }
        HttpStatus s = HttpStatus.resolve(status);
        return s == null ? "Error " + status : s.getReasonPhrase();
    }
}
