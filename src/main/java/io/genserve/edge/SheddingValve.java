package io.genserve.edge;

import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

/**
 * Refuses a task request from its headers while its endpoint is at its adaptive concurrency limit
 * ({@link Shedding}), before Spring's filters run and before its body is read. Why: under a flood
 * of clients that ignore Retry-After, the refusals themselves take the CPU that inference needs.
 * The limit is still taken by {@link BodyIntakeFilter} once the body is in (a client sending
 * slowly holds no place in it); this is the cheap early look at whether there is room at all.
 *
 * <p>Only a body that has wholly arrived with its headers (it sits in the container's buffer) is
 * refused here: it is read and dropped, and the client keeps its connection. Any other body takes
 * the intake filter's way: read without a thread, then refused (connection kept) if there is still
 * no room. Why not cut it off: closing a socket whose receive buffer holds unread bytes makes the
 * kernel send a reset instead of a FIN, and the reset can overtake the 429 on its way to the
 * client, which then sees "connection reset" rather than Retry-After (measured: 124 to 732 read
 * errors in a /style-transfer flood of 148 KB bodies, which this valve refused while their tail
 * was still arriving). A body declared over the endpoint's limit is left to the filter's 413: it
 * could never succeed.
 * Installed on the API server's context only. Stateless, thread-safe.
 */
public final class SheddingValve extends ValveBase {
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
                        <= properties.bodyLimitFor(r.getRequestURI()).bytes()
                && wholeBodyArrived(request, r.getContentLengthLong())
                && shedding.atLimit(r)) {
            drainArrived(r);
            shedding.refuse(r, response.getResponse());
            return;
        }
        getNext().invoke(request, response);
    }

    /**
     * Whether the whole declared body is already in the container's buffer, so that reading it
     * neither waits nor stops short. Asked of Tomcat's connector directly: the servlet API's
     * {@code available()} says only "some" before the first read, and reading to find out would
     * consume a body that may then have to go on to the intake filter.
     */
    private static boolean wholeBodyArrived(Request request, long declared) {
        if (declared == 0) {
            return true;
        }
        org.apache.coyote.Request connector = request.getCoyoteRequest();
        // TRUE: when nothing of the body is buffered yet, one non-blocking read of the socket first (a
        // client that writes its headers and its body apart, as java.net.http does, is still served here).
        connector.action(ActionCode.AVAILABLE, Boolean.TRUE);
        return connector.getAvailable() >= declared;
    }

    /** Reads and drops the body, which {@link #wholeBodyArrived} found in the container's buffer. */
    private static void drainArrived(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        ServletInputStream in = request.getInputStream();
        byte[] scratch = new byte[(int) Math.max(1, Math.min(declared, 16 * 1024))];
        long read = 0;
        while (read < declared) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, declared - read));
            if (n < 0) {
                break;
            }
            read += n;
        }
    }
}
