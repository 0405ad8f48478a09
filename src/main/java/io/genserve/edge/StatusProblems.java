package io.genserve.edge;

import io.genserve.error.ClientText;

/**
 * The problem type and wording of an error that only has a status: what the container refused,
 * or what reached the error path without an exception the application knows. Stateless.
 */
public final class StatusProblems {
    private StatusProblems() {}

    public static String type(int status) {
        return switch (status) {
            case 404 -> "no-such-endpoint";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 408 -> "body-timeout";
            case 413, 414, 431 -> "too-large";
            case 415 -> "unsupported-media-type";
            case 503 -> "overloaded";
            default -> status >= 500 ? "internal" : "bad-input";
        };
    }

    public static String detail(int status, String uri) {
        String where = uri == null ? "" : " " + ClientText.quote(uri);
        return switch (status) {
            case 400 ->
                "the request is malformed: the server could not read its request line, headers, URI" + where
                        + " or body";
            case 404 -> "there is nothing at" + where;
            case 405 -> "the method is not allowed on" + where;
            case 408 -> "the request did not arrive in time";
            case 413 -> "the request is too large";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            case 503 -> "the service is not available now; retry later";
            default ->
                status >= 500
                        ? "the service failed unexpectedly; the service log has the details"
                        : "the request cannot be served (status " + status + ")";
        };
    }
}
