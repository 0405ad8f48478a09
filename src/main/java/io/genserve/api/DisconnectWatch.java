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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the task of a request whose client went away while it waited, so that its places in
 * the model queues are freed and it is never run. Checks the kernel's connection table every
 * {@code genserve.api.disconnect-check-interval}, and only while some request waits; when a check
 * costs more than a fiftieth of that, the next waits fifty times what it cost. Why: the kernel
 * lists the table by walking its whole connection hash (262,144 buckets here): a read took 12 ms
 * with ~2,000 connections listed (most in TIME_WAIT after a flood) and 34 ms with ~7,600, and at a
 * fixed 200 ms the watch took 6% of the one CPU of a pinned service under a flood (bench/flood.sh
 * style-transfer 512, bench/cpu-split.py).
 *
 * <p>A connection counts as gone when it is closed by the client (FIN: CLOSE_WAIT on our side, as
 * nginx answers 499 to a client that closes while its request is proxied) or no longer listed (the
 * client reset it), in each of {@link #LOOKS} reads, and the table can see it: it was once seen
 * open, or the table lists a listening socket on its local port (the server's own, in the same
 * network namespace). Otherwise it is left alone: a table that cannot see this server's sockets
 * (another network namespace, a sandboxed kernel) must not cancel anything. (Seen open alone is
 * not enough: with checks spaced by their cost, a client that leaves before the first look was
 * never seen.) Only connections to a port this server listens on ({@link #serving}) are watched:
 * a request that did not come through one of its sockets (Spring's mock requests say port 80)
 * has no connection to look for, and a process beside it that listens on that port made the
 * table "see" it gone (a clean-clone CI's RequestBodyFuzzTest answered 499). Thread-safe.
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
    /** The next check waits at least this many times what the last one cost: the watch takes at most 2% of a CPU. */
    static final int COST_SPACING = 50;

    private final OpenConnections table;
    private final Map<CompletableFuture<?>, Watched> waiting = new ConcurrentHashMap<>();
    private final Set<Integer> servingPorts = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;
    private final long intervalNanos;

    DisconnectWatch(OpenConnections table, Duration interval) {
        this.table = table;
        this.intervalNanos = interval.toNanos();
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
        ticker.schedule(this::tick, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** One check, then the next one scheduled after the interval or fifty times this one's cost. */
    private void tick() {
        long started = System.nanoTime();
        checkSafely();
        try {
            ticker.schedule(this::tick, nextDelay(intervalNanos, System.nanoTime() - started), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed: no more checks
        }
    }

    static long nextDelay(long intervalNanos, long costNanos) {
        return Math.max(intervalNanos, COST_SPACING * costNanos);
    }

    /** This server listens on {@code port} (known once its web server has started: server.port may be 0). */
    void serving(int port) {
        servingPorts.add(port);
    }

    /**
     * Watches the connection with these ports (the socket's own, not forwarded ones) until {@code
     * task} completes; a local port this server does not listen on is not watched.
     */
    void watch(int localPort, int remotePort, CompletableFuture<?> task) {
        if (ticker == null || task.isDone() || !servingPorts.contains(localPort) || remotePort <= 0) {
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
            TcpConnectionTable.Listing listing = table.read();
            gone.removeIf(e -> !e.getValue().looksGone(listing));
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

        /** Notes an open connection; true when it is not open and the table can see it. */
        boolean looksGone(TcpConnectionTable.Listing listing) {
            if (listing.open().contains(ports)) {
                seenOpen = true;
                return false;
            }
            return seenOpen || listing.listening().contains(ports.local());
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

        TcpConnectionTable.Listing read();
    }
}
