package io.genserve.edge;

import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Refuses a task request from its headers while its endpoint is at its adaptive concurrency limit
 * ({@link Shedding}), before Spring's filters run and before its body is read. Why: under a flood
 * of clients that ignore Retry-After, the refusals themselves take the CPU that inference needs.
 * The limit is still taken by {@link BodyIntakeFilter} once the body is in (a client sending
 * slowly holds no place in it); this is the cheap early look at whether there is room at all.
 *
 * <p>Only bodies of a declared length up to {@link #DRAIN_AT_MOST} are refused here: what has
 * already arrived of the body is read and dropped, so a client whose whole request came in one go
 * keeps its connection; otherwise the answer closes it (the container swallows nothing:
 * {@code max-swallow-size: 0B}). Larger and chunked bodies take the intake filter's way (read
 * without a thread, then refused if there is still no room): cutting a large upload off would
 * reset a connection the client may still be writing to, and its answer could be lost. A body
 * declared over the endpoint's limit is left to the filter's 413: it could never succeed.
 * Installed on the API server's context only. Stateless, thread-safe.
 */
public final class SheddingValve extends ValveBase {
    /** Enough for any JSON request and a small image; a larger arrived body is cheaper to cut off than to copy. */
    static final int DRAIN_AT_MOST = 256 * 1024;

    private final Shedding shedding;
    private final HttpEdgeProperties properties;

    public SheddingValve(Shedding shedding, HttpEdgeProperties properties) {
        super(true);
        this.shedding = shedding;
        this.properties = properties;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        HttpServletRequest r = request.getRequest();
        // An async dispatch (a body read without a thread, now in) comes through the pipeline again: not looked at
        // twice.
        if (!request.isAsyncDispatching()
                && shedding.applies(r)
                && r.getContentLengthLong() >= 0
                && r.getContentLengthLong()
                        <= Math.min(
                                DRAIN_AT_MOST,
                                properties.bodyLimitFor(r.getRequestURI()).bytes())
                && shedding.atLimit(r)) {
            shedding.refuseUnread(r, response.getResponse(), !drainArrived(r));
            return;
        }
        getNext().invoke(request, response);
    }

    /** Reads and drops what the container holds of the body without waiting; true when that was all of it. */
    private static boolean drainArrived(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        ServletInputStream in = request.getInputStream();
        byte[] scratch = new byte[(int) Math.max(1, Math.min(declared, 16 * 1024))];
        long read = 0;
        while (read < declared && in.available() > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, declared - read));
            if (n < 0) {
                break;
            }
            read += n;
        }
        return read == declared;
    }
}
