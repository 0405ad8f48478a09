package io.genserve.edge;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the rest of one request body without holding a thread: the container calls
 * {@link #onDataAvailable()} when bytes arrive, and a timer checks the body's pace. When the body
 * is complete the request is dispatched on to Spring MVC with it; when it is too large, too slow,
 * malformed or there is no memory for it, the client gets a problem+json answer and its
 * connection is closed. The container's callbacks and the timer may run on different threads:
 * every state change happens under this object's lock, and exactly one of complete / fail wins.
 */
final class BodyIntake implements ReadListener {
    private static final Logger log = LoggerFactory.getLogger(BodyIntake.class);

    /** The pace a body must keep. */
    record Pace(long minBytesPerSecond, long graceNanos, long idleNanos) {}

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
    private final Continuation continuation;
    private final byte[] chunk = new byte[16 * 1024];
    private final long startedNanos;
    private long lastByteNanos;
    private boolean done;
    private ScheduledFuture<?> check;

    BodyIntake(
            AsyncContext async,
            ServletInputStream in,
            BodyBuffer buffer,
            String limitSetting,
            String path,
            Pace pace,
            LongSupplier clock,
            long startedNanos,
            Continuation continuation) {
        this.async = async;
        this.in = in;
        this.buffer = buffer;
        this.limitSetting = limitSetting;
        this.path = path;
        this.pace = pace;
        this.clock = clock;
        this.continuation = continuation;
        this.startedNanos = startedNanos;
        this.lastByteNanos = clock.getAsLong();
    }

    /** Registers with the container and the timer; reading goes on in the callbacks. */
    void start(ScheduledExecutorService timer) {
        synchronized (this) {
            check = timer.scheduleWithFixedDelay(this::checkPace, 250, 250, TimeUnit.MILLISECONDS);
        }
        in.setReadListener(this);
    }

    @Override
    public synchronized void onDataAvailable() throws IOException {
        if (done) {
            return;
        }
        while (!done && in.isReady()) {
            int n = in.read(chunk);
            if (n < 0) {
                break; // onAllDataRead follows
            }
            if (n > 0) {
                lastByteNanos = clock.getAsLong();
                BodyBuffer.Growth g = buffer.append(chunk, n);
                if (g != BodyBuffer.Growth.OK) {
                    failGrowth(g);
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void onAllDataRead() {
        if (done) {
            return;
        }
        done = true;
        cancelCheck();
        continuation.bodyComplete(buffer.finish());
    }

    @Override
    public void onError(Throwable t) {
        if (t instanceof SocketTimeoutException) {
            fail(408, "body-timeout", "no part of the request body arrived for too long", null);
        } else if (t instanceof EOFException || isClientAbort(t)) {
            abandon(); // the client is gone: nobody to answer
        } else {
            log.debug("request body could not be read", t);
            fail(
                    400,
                    "bad-input",
                    "the request body is malformed (" + t.getClass().getSimpleName() + ")",
                    null);
        }
    }

    private static boolean isClientAbort(Throwable t) {
        return t.getClass().getSimpleName().equals("ClientAbortException");
    }

    private void failGrowth(BodyBuffer.Growth g) {
        if (g == BodyBuffer.Growth.OVER_LIMIT) {
            fail(
                    413,
                    "too-large",
                    BodyIntakeFilter.overLimit(path, buffer.limit(), limitSetting, null),
                    Map.of("limit", limitSetting));
        } else {
            fail(
                    503,
                    "memory-exhausted",
                    "the service holds as much request data as its memory budget allows; retry later",
                    null);
        }
    }

    /** Timer: too long without a byte, or too slow on average once the grace is over. */
    private void checkPace() {
        synchronized (this) {
            if (done) {
                return;
            }
            long now = clock.getAsLong();
            if (now - lastByteNanos > pace.idleNanos()) {
                fail(
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
                    fail(
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

    /** Answers, closes the connection (the rest of the body is never read) and frees the buffer. */
    private synchronized void fail(int status, String type, String detail, Map<String, ?> extras) {
        if (done) {
            return;
        }
        done = true;
        cancelCheck();
        buffer.discard();
        try {
            ProblemResponses.write((HttpServletResponse) async.getResponse(), status, type, detail, null, extras, true);
        } catch (IOException | RuntimeException e) {
            log.debug("could not answer a refused body", e);
        } finally {
            async.complete();
        }
    }

    private synchronized void abandon() {
        if (done) {
            return;
        }
        done = true;
        cancelCheck();
        buffer.discard();
        async.complete();
    }

    private void cancelCheck() {
        if (check != null) {
            check.cancel(false);
        }
    }
}
