package io.genserve.api;

import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.GenserveException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.LoadFailedException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.OverloadedException;
import io.genserve.error.RetryAfter;
import io.genserve.error.TooLargeException;
import io.genserve.error.UnknownModelException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;

/**
 * Errors of the Open Inference Protocol and of the model repository extension, in the shape those
 * protocols define: {@code {"error": "..."}} with the status that says what happened (400 bad
 * input, 413 more than a limit allows, 404 unknown model or version, 429 or 503 overloaded or out of memory with Retry-After, 503 not ready, 504
 * deadline, 500 failure). These routes are the one exception to the service's problem+json rule,
 * because their clients (Triton's, KServe's) read this shape. Messages never carry stack traces.
 */
@RestControllerAdvice(assignableTypes = {OipController.class, RepositoryController.class})
@Order(Ordered.HIGHEST_PRECEDENCE)
final class OipErrors {
    private static final Logger log = LoggerFactory.getLogger(OipErrors.class);
    private final ApiProperties properties;

    OipErrors(ApiProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler({CompletionException.class, ExecutionException.class})
    ResponseEntity<Map<String, String>> wrapped(Exception e) {
        return e.getCause() instanceof GenserveException g ? genserve(g) : other(e);
    }

    @ExceptionHandler(GenserveException.class)
    ResponseEntity<Map<String, String>> genserve(GenserveException e) {
        if (e instanceof BadInputException || e instanceof LoadFailedException) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage());
        }
        if (e instanceof TooLargeException) {
            return error(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
        }
        if (e instanceof MemoryExhaustedException m) {
            return withRetryAfter(error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()), m.retryAfter());
        }
        if (e instanceof UnknownModelException) {
            return error(HttpStatus.NOT_FOUND, e.getMessage());
        }
        if (e instanceof OverloadedException o) {
            return withRetryAfter(
                    error(HttpStatusCode.valueOf(properties.overloadStatus().code), e.getMessage()), o.retryAfter());
        }
        if (e instanceof ModelNotReadyException) {
            return withRetryAfter(error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()), Duration.ofSeconds(5));
        }
        if (e instanceof DeadlineExceededException) {
            return error(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
        }
        if (e instanceof InferenceFailedException f) {
            log.error("inference failed", e);
            return error(
                    HttpStatus.INTERNAL_SERVER_ERROR,
                    "the model '" + f.model() + "' failed on this input; the service log has the details");
        }
        return other(e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException e) {
        return error(HttpStatus.BAD_REQUEST, "the request body is not valid JSON");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, String>> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "content type " + e.getContentType() + " is not supported");
    }

    @ExceptionHandler(AsyncRequestTimeoutException.class)
    ResponseEntity<Map<String, String>> asyncTimeout(AsyncRequestTimeoutException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "the request took longer than the service's request timeout");
    }

    /** The heap ran out while serving this request: its allocation failed, the service goes on (as in ProblemMapper). */
    @ExceptionHandler(OutOfMemoryError.class)
    ResponseEntity<Map<String, String>> outOfMemory(OutOfMemoryError e) {
        return genserve(MemoryExhaustedException.whileServing("serving this request", e));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, String>> other(Exception e) {
        log.error("unexpected failure", e);
        return error(
                HttpStatus.INTERNAL_SERVER_ERROR, "the service failed unexpectedly; the service log has the details");
    }

    static ResponseEntity<Map<String, String>> error(HttpStatusCode status, String message) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", message));
    }

    private static ResponseEntity<Map<String, String>> withRetryAfter(
            ResponseEntity<Map<String, String>> r, Duration wait) {
        return ResponseEntity.status(r.getStatusCode())
                .headers(r.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, RetryAfter.seconds(wait))
                .body(r.getBody());
    }
}
