package io.genserve.api;

import io.genserve.error.MemoryExhaustedException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Hands a task's future to Spring MVC without holding the servlet thread. When the client goes
 * away ({@link DisconnectWatch}) or the async request times out, the future is cancelled, which
 * frees the request's places in the model queues.
 */
@Component
final class AsyncAnswers {
    /** nginx's "client closed request", for a request cancelled because its client left: logged, never read. */
    private static final int CLIENT_CLOSED_REQUEST = 499;

    private final DisconnectWatch disconnects;

    AsyncAnswers(DisconnectWatch disconnects) {
        this.disconnects = disconnects;
    }

    /** Must be called on the request's servlet thread. */
    <T> DeferredResult<ResponseEntity<?>> defer(CompletableFuture<T> future, Function<T, ResponseEntity<?>> render) {
        DeferredResult<ResponseEntity<?>> result = new DeferredResult<>();
        future.whenComplete((value, error) -> {
            if (error instanceof CancellationException) {
                result.setResult(ResponseEntity.status(CLIENT_CLOSED_REQUEST).build());
                return;
            }
            if (error != null) {
                result.setErrorResult(error);
                return;
            }
            try {
                result.setResult(render.apply(value));
            } catch (RuntimeException e) {
                result.setErrorResult(e);
            } catch (OutOfMemoryError e) {
                result.setErrorResult(MemoryExhaustedException.whileServing("encoding the answer", e));
            }
        });
        result.onError(e -> future.cancel(false));
        result.onTimeout(() -> {
            // Answer as Spring MVC would (503) before the cancellation below could answer 499.
            result.setErrorResult(new AsyncRequestTimeoutException());
            future.cancel(false);
        });
        // The container's own request: a wrapper (Spring's ForwardedHeaderFilter) may report a forwarded client's port.
        ServletRequest request =
                ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest();
        while (request instanceof ServletRequestWrapper wrapper) {
            request = wrapper.getRequest();
        }
        disconnects.watch(request.getLocalPort(), request.getRemotePort(), future);
        return result;
    }
}
