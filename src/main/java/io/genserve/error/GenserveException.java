package io.genserve.error;

/**
 * Root of the small exception taxonomy every layer may throw. Each subtype carries what the
 * answer to the client must name; the one mapper in {@code api} turns them into problem+json.
 * Messages are written for the client: they never contain stack traces or file system paths.
 */
public abstract class GenserveException extends RuntimeException {
    protected GenserveException(String message) {
        super(message);
    }

    protected GenserveException(String message, Throwable cause) {
        super(message, cause);
    }
}
