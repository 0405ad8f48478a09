package io.genserve.edge;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the rest of one request body without holding a thread: the container calls
 * {@link #onDataAvailable()} when bytes arrive, and a timer checks the body's pace. When the body
 * is complete the request is dispatched on to Spring MVC with it; when it is too large, too slow,
 * malformed or there is no memory for it, the rest of the body is first read and dropped (the
 * linger: until it ends, goes quiet, or {@code refused-body-linger} is over), then the client gets
 * a problem+json answer and its connection is closed. Why linger: a socket closed with unread bytes
 * in it is reset, and the reset can overtake the answer sent just before it, so that the client
 * sees a broken connection instead of 408/413/503. Why answer after the linger, not before it: the
 * container closes the request's input once an answer's Content-Length is written. (A client that
 * asked for {@code Expect: 100-continue} is no exception: Tomcat answers "100 Continue" before the
 * application sees the request, so its body is on the way too.) The container's callbacks and the
 * timer may run on different threads: every state change happens under this object's lock, and
 * exactly one of complete / refuse wins.
 */
final class BodyIntake implements ReadListener {
    private static final Logger log = LoggerFactory.getLogger(BodyIntake.class);
    /**
     * A lingering body with no byte read for this long has stopped coming: answer. Short, because the
     * bytes that matter (the rest of a request written whole) are already on their way. "Read", not
     * "arrived": a service short of CPU reads late (its request threads run at a lower priority
     * than this timer), so silence counts only when the kernel holds no unread byte of the
     * connection either ({@link UnreadBytes}); closing on unread bytes resets the connection, the
     * very thing the linger is for. Not longer: a client that sends a byte a second (the soak's slow
     * clients) is then answered between two bytes, with a clean close; at 1 s the answer and its
     * next byte met, and most such clients were reset instead of reading their 408.
     */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** The pace a body must keep, and how long the rest of a refused one is read and dropped. */
    record Pace(long minBytesPerSecond, long graceNanos, long idleNanos, long lingerNanos) {}

    private enum State {
        /** Reading the body into the buffer. */
        RECEIVING,
        /** Refused: reading on only to drop the rest, then answering and closing the connection. */
        LINGERING,
        /** Handed on, or the connection given up. */
        DONE
    }

    /** What happens once the whole body is in. */
    interface Continuation {
        void bodyComplete(BufferedBody body);
    }

    private final AsyncContext async;
    private final ServletInputStream in;
    private final BodyBuffer buffer;
    private final String limitSetting;
    private final String path;
    private final Pace pace;
    private final LongSupplier clock;
    private final PaceChecks checks;
    /** The connection's ports, to find it among the kernel's ({@link UnreadBytes}). */
    private final int localPort;

    private final int remotePort;

    private final Continuation continuation;
    private final byte[] chunk = new byte[16 * 1024];
    private final long startedNanos;
    private long lastByteNanos;
    private long lingerUntilNanos;
    private State state = State.RECEIVING;
    /** The answer a lingering body gets once the linger is over. */
    private Refusal refusal;

    BodyIntake(
            AsyncContext async,
            ServletInputStream in,
            BodyBuffer buffer,
            String limitSetting,
            String path,
            Pace pace,
            LongSupplier clock,
            long startedNanos,
            PaceChecks checks,
            int localPort,
            int remotePort,
            Continuation continuation) {
        this.async = async;
        this.in = in;
        this.buffer = buffer;
        this.limitSetting = limitSetting;
        this.path = path;
        this.pace = pace;
        this.clock = clock;
        this.checks = checks;
        this.localPort = localPort;
        this.remotePort = remotePort;
        this.continuation = continuation;
        this.startedNanos = startedNanos;
        this.lastByteNanos = clock.getAsLong();
    }

    private record Refusal(int status, String type, String detail, Map<String, ?> extras) {}

    /** Registers with the container and the pace checks; reading goes on in the callbacks. */
    void start() {
        checks.add(this);
        in.setReadListener(this);
    }

    /**
     * Refuses a body found over a limit before it was all read (from Content-Length, or in what
     * the container already held): lingers on the rest as a refusal found while reading does.
     */
    void startRefused(BodyBuffer.Growth g, long size) {
        boolean lingering;
        synchronized (this) {
            refuseGrowth(g, size);
            lingering = state == State.LINGERING; // else answered at once: no linger configured
        }
        if (lingering) {
            start();
        }
    }

    @Override
    public synchronized void onDataAvailable() throws IOException {
        while (state != State.DONE && in.isReady()) {
            int n = in.read(chunk);
            if (n < 0) {
                break; // onAllDataRead follows
            }
            if (n > 0) {
                lastByteNanos = clock.getAsLong();
            }
            if (n > 0 && state == State.RECEIVING) {
                BodyBuffer.Growth g = buffer.append(chunk, n);
                if (g != BodyBuffer.Growth.OK) {
                    refuseGrowth(g, null);
                }
            }
        }
    }

    @Override
    public synchronized void onAllDataRead() {
        switch (state) {
            case RECEIVING -> {
                state = State.DONE;
                checks.remove(this);
                continuation.bodyComplete(buffer.finish());
            }
            case LINGERING -> answerAndClose(); // all of it read: the close is a clean one
            case DONE -> {}
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            if (state == State.LINGERING) {
                // The rest of a refused body cannot be read: a client still there gets its answer.
                if (t instanceof EOFException || isClientAbort(t)) {
                    close();
                } else {
                    answerAndClose();
                }
                return;
            }
        }
        if (t instanceof SocketTimeoutException) {
            refuse(408, "body-timeout", "no part of the request body arrived for too long", null);
        } else if (t instanceof EOFException || isClientAbort(t)) {
            abandon(); // the client is gone: nobody to answer
        } else {
            log.debug("request body could not be read", t);
            refuse(
                    400,
                    "bad-input",
                    "the request body is malformed (" + t.getClass().getSimpleName() + ")",
                    null);
        }
    }

    private static boolean isClientAbort(Throwable t) {
        return t.getClass().getSimpleName().equals("ClientAbortException");
    }

    /** Refuses a body over its limit (413) or one the memory budget has no room for (503). */
    private synchronized void refuseGrowth(BodyBuffer.Growth g, Long size) {
        if (g == BodyBuffer.Growth.OVER_LIMIT) {
            refuse(
                    413,
                    "too-large",
                    BodyIntakeFilter.overLimit(path, buffer.limit(), limitSetting, size),
                    Map.of("limit", limitSetting));
        } else {
            refuse(
                    503,
                    "memory-exhausted",
                    "the service holds as much request data as its memory budget allows"
                            + " (genserve.batching.max-queued-memory); retry later",
                    null);
        }
    }

    /**
     * Timer ({@link PaceChecks}): too long without a byte, or too slow on average once the grace is
     * over; for a refused body, the end of its linger.
     *
     * @param unread the kernel's unread bytes, read in this tick when first asked
     */
    void checkPace(UnreadBytes.Snapshot unread) {
        synchronized (this) {
            long now = clock.getAsLong();
            if (state == State.LINGERING
                    && (now - lingerUntilNanos >= 0
                            || (now - lastByteNanos >= QUIET_NANOS && unread.on(localPort, remotePort) <= 0))) {
                answerAndClose();
            }
            if (state != State.RECEIVING) {
                return;
            }
            if (now - lastByteNanos > pace.idleNanos()) {
                refuse(
                        408,
                        "body-timeout",
                        "no part of the request body arrived for " + TimeUnit.NANOSECONDS.toSeconds(pace.idleNanos())
                                + " s",
                        null);
                return;
            }
            long elapsed = now - startedNanos;
            if (elapsed > pace.graceNanos()) {
                double seconds = elapsed / 1e9;
                if (buffer.size() < pace.minBytesPerSecond() * seconds) {
                    refuse(
                            408,
                            "body-timeout",
                            String.format(
                                    "the request body arrives too slowly: %d bytes in %.1f s, the minimum is %d bytes/s"
                                            + " (genserve.http.min-body-rate)",
                                    buffer.size(), seconds, pace.minBytesPerSecond()),
                            null);
                }
            }
        }
    }

    /** Frees the buffer and starts the linger; the answer follows it ({@link #answerAndClose}). */
    private synchronized void refuse(int status, String type, String detail, Map<String, ?> extras) {
        if (state != State.RECEIVING) {
            return;
        }
        state = State.LINGERING;
        refusal = new Refusal(status, type, detail, extras);
        long now = clock.getAsLong();
        lingerUntilNanos = now + pace.lingerNanos();
        lastByteNanos = now;
        buffer.discard();
        if (pace.lingerNanos() == 0) {
            answerAndClose();
        }
    }

    /** Writes the refusal with Connection: close and ends the exchange. */
    private synchronized void answerAndClose() {
        if (state != State.LINGERING) {
            return;
        }
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        if (refusal.status() == 503) {
            response.setHeader("Retry-After", "1");
        }
        try {
            ProblemResponses.write(
                    response, refusal.status(), refusal.type(), refusal.detail(), null, refusal.extras(), true);
        } catch (IOException | RuntimeException e) {
            log.debug("could not answer a refused body", e);
        }
        close();
    }

    /** Ends the exchange; the container closes the connection (the answer says Connection: close). */
    private synchronized void close() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        checks.remove(this);
        AsyncContexts.complete(async);
    }

    /** The client is gone: nobody to answer. */
    private synchronized void abandon() {
        buffer.discard();
        close();
    }
}
