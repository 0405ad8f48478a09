package io.genserve.api;

import io.genserve.edge.ProblemResponses;
import io.genserve.edge.StatusProblems;
import io.genserve.error.GenserveException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page: what the container forwards here (an exception thrown outside Spring MVC's
 * handling, a status set by {@code sendError}) becomes problem+json like every other answer, in
 * place of Spring Boot's own error JSON. Asked for directly, {@code /error} is not an endpoint (404).
 */
@RestController
@io.swagger.v3.oas.annotations.Hidden
final class ProblemErrorController implements ErrorController {
    private final ProblemMapper mapper;

    ProblemErrorController(ProblemMapper mapper) {
        this.mapper = mapper;
    }

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<?> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (!(code instanceof Integer status)) {
            return problem(404, request.getRequestURI());
        }
        Throwable e = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GenserveException g) {
                return mapper.genserve(g);
            }
            if (t instanceof OutOfMemoryError oom) {
                return mapper.outOfMemory(oom);
            }
        }
        return problem(status, (String) request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI));
    }

    private static ResponseEntity<byte[]> problem(int status, String uri) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemResponses.body(
                        status, StatusProblems.type(status), StatusProblems.detail(status, uri), null, null));
    }
}
