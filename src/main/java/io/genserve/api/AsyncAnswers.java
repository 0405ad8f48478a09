package io.genserve.api;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Hands a task's future to Spring MVC without holding the servlet thread. When the client goes
 * away or the async request times out, the future is cancelled, which frees the request's places
 * in the model queues.
 */
final class AsyncAnswers {
    private AsyncAnswers() {}

    static <T> DeferredResult<ResponseEntity<?>> defer(
            CompletableFuture<T> future, Function<T, ResponseEntity<?>> render) {
        DeferredResult<ResponseEntity<?>> result = new DeferredResult<>();
        future.whenComplete((value, error) -> {
            if (error != null) {
                result.setErrorResult(error);
                return;
            }
            try {
                result.setResult(render.apply(value));
            } catch (RuntimeException e) {
                result.setErrorResult(e);
            }
        });
        result.onError(e -> future.cancel(false));
        result.onTimeout(() -> future.cancel(false));
        return result;
    }
}
