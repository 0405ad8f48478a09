package io.genserve.api;

import io.genserve.edge.ProblemResponses;
import io.genserve.edge.StatusProblems;
import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.EditDistance;
import io.genserve.error.GenserveException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.JacksonText;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.OverloadedException;
import io.genserve.error.RetryAfter;
import io.genserve.error.TooLargeException;
import io.genserve.error.UnknownModelException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The one place that turns exceptions into RFC 9457 {@code application/problem+json} answers.
 * Client mistakes are 4xx naming the field or model; a request that can never fit is 413 naming
 * the limit; overload and a lack of memory are 429/503 with Retry-After; a server failure is a
 * 500 whose body says nothing about the internals (the log has them). Titles and types come from
 * {@link ProblemResponses}, which the HTTP edge and the container's error report share.
 */
@RestControllerAdvice
final class ProblemMapper extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemMapper.class);
    private final ApiProperties properties;

    ProblemMapper(ApiProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler({CompletionException.class, ExecutionException.class})
    ResponseEntity<Object> wrapped(Exception e, WebRequest request) throws Exception {
        Throwable cause = e.getCause();
        if (cause instanceof GenserveException g) {
            return genserve(g);
        }
        if (cause instanceof OutOfMemoryError oom) {
            return outOfMemory(oom);
        }
        return handleOther(cause instanceof Exception c ? c : e, request);
    }

    @ExceptionHandler(GenserveException.class)
    ResponseEntity<Object> genserve(GenserveException e) {
        if (e instanceof BadInputException b) {
            return problem(HttpStatus.BAD_REQUEST, "bad-input", e.getMessage(), "field", b.field());
        }
        if (e instanceof TooLargeException t) {
            ResponseEntity<Object> r =
                    problem(HttpStatus.CONTENT_TOO_LARGE, "too-large", e.getMessage(), "field", t.field());
            ((ProblemDetail) r.getBody()).setProperty("limit", t.limit());
            return r;
        }
        if (e instanceof UnknownModelException u) {
            ResponseEntity<Object> r = problem(
                    HttpStatus.NOT_FOUND, "unknown-model", e.getMessage(), "model", ClientText.excerpt(u.model()));
            ((ProblemDetail) r.getBody()).setProperty("available", u.available());
            return r;
        }
        if (e instanceof OverloadedException o) {
            return retryLater(
                    problem(
                            HttpStatusCode.valueOf(properties.overloadStatus().code),
                            "overloaded",
                            e.getMessage(),
                            "model",
                            o.model()),
                    o.retryAfter());
        }
        if (e instanceof MemoryExhaustedException m) {
            return retryLater(
                    problem(HttpStatus.SERVICE_UNAVAILABLE, "memory-exhausted", e.getMessage(), null, null),
                    m.retryAfter());
        }
        if (e instanceof ModelNotReadyException n) {
            return retryLater(
                    problem(HttpStatus.SERVICE_UNAVAILABLE, "model-not-ready", e.getMessage(), "model", n.model()),
                    Duration.ofSeconds(5));
        }
        if (e instanceof DeadlineExceededException d) {
            return problem(HttpStatus.GATEWAY_TIMEOUT, "deadline-exceeded", e.getMessage(), "model", d.model());
        }
        if (e instanceof InferenceFailedException f) {
            log.error("inference failed", e);
            return problem(
                    HttpStatus.INTERNAL_SERVER_ERROR,
                    "inference-failed",
                    "the model '" + f.model() + "' failed on this input; the service log has the details",
                    "model",
                    f.model());
        }
        return internal(e);
    }

    /**
     * The heap ran out while this request was served: the service's fault, not the client's, and
     * the service stays up (the allocation that failed belonged to this request alone).
     */
    @ExceptionHandler(OutOfMemoryError.class)
    ResponseEntity<Object> outOfMemory(OutOfMemoryError e) {
        log.warn("out of memory while serving a request: {}", e.getMessage());
        return genserve(MemoryExhaustedException.whileServing("serving this request", e));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e) {
        return problem(
                HttpStatus.BAD_REQUEST,
                "bad-input",
                "'" + e.getName() + "' has an invalid value " + ClientText.quote(e.getValue()),
                "field",
                e.getName());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> other(Exception e, WebRequest request) throws Exception {
        return handleOther(e, request);
    }

    private ResponseEntity<Object> handleOther(Exception e, WebRequest request) throws Exception {
        try {
            ResponseEntity<Object> r = handleException(e, request); // Spring MVC's own exceptions, as problem details
            if (r != null) {
                return r;
            }
        } catch (Exception notSpring) {
            // fall through: not one of Spring MVC's exceptions
        }
        return internal(e);
    }

    private ResponseEntity<Object> internal(Throwable e) {
        log.error("unexpected failure", e);
        return problem(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal",
                "the service failed unexpectedly; the service log has the details",
                null,
                null);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = null;
        String detail = "the request body is not valid JSON";
        if (e.getCause() instanceof UnrecognizedPropertyException u) {
            field = u.getPropertyName();
            return problem(HttpStatus.BAD_REQUEST, "bad-input", unknownField(u), "field", ClientText.excerpt(field));
        }
        if (e.getCause() instanceof JacksonException j) {
            String path = JacksonText.path(j);
            String reason = JacksonText.reason(j);
            if (!path.isEmpty()) {
                field = path;
                detail = j instanceof MismatchedInputException m && m.getTargetType() != null
                        ? "'" + field + "' must be " + expected(m.getTargetType())
                        : "'" + field + "' has an invalid value: " + reason;
            } else {
                detail = "the request body is not valid JSON: " + reason;
            }
        } else if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            detail = "the request body is missing";
        }
        return problem(HttpStatus.BAD_REQUEST, "bad-input", detail, "field", field);
    }

    /** "unknown field 'lable'; did you mean 'label'? Fields: …" */
    static String unknownField(UnrecognizedPropertyException u) {
        return unknownField(
                u.getPropertyName(),
                u.getKnownPropertyIds() == null
                        ? List.of()
                        : u.getKnownPropertyIds().stream()
                                .map(String::valueOf)
                                .sorted()
                                .toList());
    }

    /** The same for a multipart field ({@link MultipartFields}), given the endpoint's fields. */
    static String unknownField(String name, List<String> known) {
        String nearest = EditDistance.nearest(name, known);
        return "unknown field " + ClientText.quote(name)
                + (nearest == null ? "" : "; did you mean '" + nearest + "'?")
                + (known.isEmpty() ? "" : " Fields: " + String.join(", ", known));
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return type == String.class ? "a string" : "a " + type.getSimpleName();
    }

    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(
            MaxUploadSizeExceededException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> r = problem(
                HttpStatus.CONTENT_TOO_LARGE,
                "too-large",
                "an uploaded file exceeds the limit of "
                        + (e.getMaxUploadSize() < 0 ? "the server" : e.getMaxUploadSize() + " bytes")
                        + " (spring.servlet.multipart.max-file-size)",
                null,
                null);
        ((ProblemDetail) r.getBody()).setProperty("limit", "spring.servlet.multipart.max-file-size");
        return r;
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e) {
        log.debug("malformed multipart request", e);
        return problem(HttpStatus.BAD_REQUEST, "bad-input", "the multipart request is malformed", null, null);
    }

    /**
     * Every problem body goes out as application/problem+json, whatever the client's Accept header
     * says; Spring MVC's own problems (405, 415, 406…) get this service's type and title.
     */
    @Override
    protected ResponseEntity<Object> createResponseEntity(
            Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (body instanceof ProblemDetail p
                && (p.getType() == null || "about:blank".equals(p.getType().toString()))) {
            String type = StatusProblems.type(status.value());
            p.setType(URI.create("urn:genserve:problem:" + type));
            p.setTitle(ProblemResponses.title(type, status.value()));
        }
        return ResponseEntity.status(status)
                .headers(headers)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(body);
    }

    private static ResponseEntity<Object> retryLater(ResponseEntity<Object> r, Duration retryAfter) {
        return ResponseEntity.status(r.getStatusCode())
                .headers(r.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, RetryAfter.seconds(retryAfter))
                .body(r.getBody());
    }

    private static ResponseEntity<Object> problem(
            HttpStatusCode status, String type, String detail, String key, String value) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(URI.create("urn:genserve:problem:" + type));
        p.setTitle(ProblemResponses.title(type, status.value()));
        if (key != null && value != null) {
            p.setProperty(key, value);
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(p);
    }
}
