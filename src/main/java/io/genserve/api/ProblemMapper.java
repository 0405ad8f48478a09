package io.genserve.api;

import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.GenserveException;
import io.genserve.error.InferenceFailedException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.OverloadedException;
import io.genserve.error.UnknownModelException;
import java.net.URI;
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

/**
 * The one place that turns exceptions into RFC 9457 {@code application/problem+json} answers.
 * Client mistakes are 4xx naming the field or model; overload is 429/503 with Retry-After; a
 * server failure is a 500 whose body says nothing about the internals (the log has them).
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
        return handleOther(cause instanceof Exception c ? c : e, request);
    }

    @ExceptionHandler(GenserveException.class)
    ResponseEntity<Object> genserve(GenserveException e) {
        if (e instanceof BadInputException b) {
            return problem(HttpStatus.BAD_REQUEST, "bad-input", "Bad input", e.getMessage(), "field", b.field());
        }
        if (e instanceof UnknownModelException u) {
            ResponseEntity<Object> r =
                    problem(HttpStatus.NOT_FOUND, "unknown-model", "Unknown model", e.getMessage(), "model", u.model());
            ((ProblemDetail) r.getBody()).setProperty("available", u.available());
            return r;
        }
        if (e instanceof OverloadedException o) {
            long seconds = Math.max(1, (o.retryAfter().toMillis() + 999) / 1000);
            ResponseEntity<Object> r = problem(
                    HttpStatusCode.valueOf(properties.overloadStatus().code),
                    "overloaded",
                    "Overloaded",
                    e.getMessage(),
                    "model",
                    o.model());
            return ResponseEntity.status(r.getStatusCode())
                    .headers(r.getHeaders())
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                    .body(r.getBody());
        }
        if (e instanceof ModelNotReadyException n) {
            ResponseEntity<Object> r = problem(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "model-not-ready",
                    "Model not ready",
                    e.getMessage(),
                    "model",
                    n.model());
            return ResponseEntity.status(r.getStatusCode())
                    .headers(r.getHeaders())
                    .header(HttpHeaders.RETRY_AFTER, "5")
                    .body(r.getBody());
        }
        if (e instanceof DeadlineExceededException d) {
            return problem(
                    HttpStatus.GATEWAY_TIMEOUT,
                    "deadline-exceeded",
                    "Deadline exceeded",
                    e.getMessage(),
                    "model",
                    d.model());
        }
        if (e instanceof InferenceFailedException f) {
            log.error("inference failed", e);
            return problem(
                    HttpStatus.INTERNAL_SERVER_ERROR,
                    "inference-failed",
                    "Inference failed",
                    "the model '" + f.model() + "' failed on this input; the service log has the details",
                    "model",
                    f.model());
        }
        return internal(e);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e) {
        return problem(
                HttpStatus.BAD_REQUEST,
                "bad-input",
                "Bad input",
                "'" + e.getName() + "' has an invalid value '" + e.getValue() + "'",
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
                "Internal error",
                "the service failed unexpectedly; the service log has the details",
                null,
                null);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = null;
        String detail = "the request body is not valid JSON";
        if (e.getCause() instanceof JacksonException j) {
            StringBuilder path = new StringBuilder();
            for (JacksonException.Reference ref : j.getPath()) {
                if (ref.getPropertyName() != null) {
                    path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            String reason = j.getOriginalMessage() == null
                    ? ""
                    : j.getOriginalMessage()
                            .lines()
                            .findFirst()
                            .orElse("")
                            .replaceAll("`[^`]*`", "")
                            .replaceAll(" \\(class [^)]*\\)", "")
                            .strip();
            if (!path.isEmpty()) {
                field = path.toString();
                detail = j instanceof MismatchedInputException m && m.getTargetType() != null
                        ? "'" + field + "' must be " + expected(m.getTargetType())
                        : "'" + field + "' has an invalid value: " + reason;
            } else {
                detail = "the request body is not valid JSON: " + reason;
            }
        } else if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            detail = "the request body is missing";
        }
        return problem(HttpStatus.BAD_REQUEST, "bad-input", "Bad input", detail, "field", field);
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
        return problem(
                HttpStatus.CONTENT_TOO_LARGE,
                "too-large",
                "Upload too large",
                "the upload exceeds the limit of "
                        + (e.getMaxUploadSize() < 0 ? "the server" : e.getMaxUploadSize() + " bytes"),
                null,
                null);
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e) {
        return problem(
                HttpStatus.BAD_REQUEST, "bad-input", "Bad input", "the multipart request is malformed", null, null);
    }

    /** Every problem body goes out as application/problem+json, whatever the client's Accept header says. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(
            Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(status)
                .headers(headers)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(body);
    }

    private static ResponseEntity<Object> problem(
            HttpStatusCode status, String type, String title, String detail, String key, String value) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(URI.create("urn:genserve:problem:" + type));
        p.setTitle(title);
        if (key != null && value != null) {
            p.setProperty(key, value);
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(p);
    }
}
