package io.genserve.error;

/**
 * The request can never be served as sent, however long the client waits: its body, image,
 * output or the work it would cause exceeds a configured limit. Answered 413 naming the limit,
 * before any of that work is done, and never with Retry-After (retrying cannot help).
 */
public class TooLargeException extends GenserveException {
    private final String field;
    private final String limit;

    /**
     * @param field the request field (or {@code body}) that is too large
     * @param limit the setting that bounds it, e.g. {@code genserve.http.max-body.generate}
     */
    public TooLargeException(String field, String limit, String problem) {
        super(problem);
        this.field = field;
        this.limit = limit;
    }

    public String field() {
        return field;
    }

    public String limit() {
        return limit;
    }
}
