package io.genserve.grpc;

import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.OverloadedException;
import io.genserve.error.RetryAfter;
import io.genserve.error.TooLargeException;
import io.genserve.error.UnknownModelException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's failures as gRPC statuses, the protocol's way of saying what went wrong: bad input
 * or too large INVALID_ARGUMENT, unknown model or version NOT_FOUND, full queue RESOURCE_EXHAUSTED (with a
 * {@code retry-after} trailer in seconds), not ready or out of memory UNAVAILABLE, deadline DEADLINE_EXCEEDED,
 * failure INTERNAL. Descriptions are the messages HTTP clients read, never a stack trace.
 */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private Errors() {}

    static StatusRuntimeException status(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof BadInputException || e instanceof TooLargeException) {
            // Too large is the client's to fix (never retried): not RESOURCE_EXHAUSTED, which says "retry later".
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof UnknownModelException) {
            return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof OverloadedException o) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER, RetryAfter.seconds(o.retryAfter()));
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException(trailers);
        }
        if (e instanceof MemoryExhaustedException m) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER, RetryAfter.seconds(m.retryAfter()));
            return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException(trailers);
        }
        if (e instanceof ModelNotReadyException) {
            return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof DeadlineExceededException) {
            return Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof CancellationException) {
            return Status.CANCELLED.withDescription("the request was cancelled").asRuntimeException();
        }
        if (e instanceof InferenceFailedException f) {
            log.error("inference failed", e);
            return Status.INTERNAL
                    .withDescription(
                            "the model '" + f.model() + "' failed on this input; the service log has the details")
                    .asRuntimeException();
        }
        log.error("unexpected failure", e);
        return Status.INTERNAL
                .withDescription("the service failed unexpectedly; the service log has the details")
                .asRuntimeException();
    }
}
