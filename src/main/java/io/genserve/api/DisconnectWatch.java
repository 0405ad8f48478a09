package io.genserve.api;

import io.genserve.api.TcpConnectionTable.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the task of a request whose client went away while it waited, so that its places in
 * the model queues are freed and it is never run. Checks the kernel's connection table every
 * {@code genserve.api.disconnect-check-interval}, and only while some request waits.
 *
 * <p>A connection counts as gone when it was once seen open and is now closed by the client (FIN:
 * CLOSE_WAIT on our side, as nginx answers 499 to a client that closes while its request is
 * proxied) or no longer listed (the client reset it). A connection never seen open is left
 * alone: a table that cannot see this server's sockets (another network namespace, a sandboxed
 * kernel) or ports that are not the socket's must not cancel anything. The price: a client that
 * leaves before the first look (one interval) is not noticed. Thread-safe.
 */
final class DisconnectWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DisconnectWatch.class);

    /**
     * Reads of the table that must all agree before a request is cancelled. The kernel hands the
     * table out a page at a time and resumes by position, so a connection can be skipped by one
     * read while others open and close (measured under wrk: one read wrongly cancelled 3 of
     * ~11,000 keep-alive requests; three reads, none of 277,000).
     */
    private static final int LOOKS = 3;

    private final OpenConnections table;
    private final Map<CompletableFuture<?>, Watched> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;

    DisconnectWatch(OpenConnections table, Duration interval) {
        this.table = table;
        if (interval.isZero() || !table.available()) {
            log.info(
                    interval.isZero()
                            ? "client disconnects are not watched (genserve.api.disconnect-check-interval is 0)"
                            : "client disconnects are not watched: no /proc/self/net/tcp (Linux only); "
                                    + "a disconnected client's queued request runs until its deadline");
            this.ticker = null;
            return;
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "disconnect-watch");
            t.setDaemon(true);
            return t;
        });
        long nanos = interval.toNanos();
        ticker.scheduleWithFixedDelay(this::checkSafely, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** Watches the connection with these ports (the socket's own, not forwarded ones) until {@code task} completes. */
    void watch(int localPort, int remotePort, CompletableFuture<?> task) {
        if (ticker == null || task.isDone() || localPort <= 0 || remotePort <= 0) {
            return;
        }
        waiting.put(task, new Watched(new Ports(localPort, remotePort)));
        task.whenComplete((v, e) -> waiting.remove(task));
    }

    /** One look at the connection table; package-private so that a test can tick by hand. */
    void check() {
        if (waiting.isEmpty()) {
            return;
        }
        List<Map.Entry<CompletableFuture<?>, Watched>> gone = new ArrayList<>(waiting.entrySet());
        for (int look = 0; look < LOOKS && !gone.isEmpty(); look++) {
            Set<Ports> open = table.open();
            gone.removeIf(e -> !e.getValue().looksGone(open));
        }
        for (Map.Entry<CompletableFuture<?>, Watched> e : gone) {
            log.debug(
                    "client on port {} went away; cancelling its request",
                    e.getValue().ports.remote());
            e.getKey().cancel(false);
        }
    }

    private static final class Watched {
        final Ports ports;
        volatile boolean seenOpen;

        Watched(Ports ports) {
            this.ports = ports;
        }

        /** Notes an open connection; true when one seen open before is no longer open. */
        boolean looksGone(Set<Ports> open) {
            if (open.contains(ports)) {
                seenOpen = true;
                return false;
            }
            return seenOpen;
        }
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("could not read the connection table: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** The kernel's connection table ({@link TcpConnectionTable}); each read is a fresh, possibly torn, snapshot. */
    interface OpenConnections {
        boolean available();

        Set<Ports> open();
    }
}
