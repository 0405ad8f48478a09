package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.api.TcpConnectionTable.Ports;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The decision alone, on scripted reads of the connection table, ticked by hand. */
class DisconnectWatchTest {
    static final Ports CLIENT = new Ports(8080, 50000);
    static final Set<Ports> OPEN = Set.of(CLIENT);
    static final Set<Ports> GONE = Set.of(new Ports(8080, 40000)); // another client only

    /** Hands out the given reads in order, then repeats the last one; each lists the server's port listening. */
    static DisconnectWatch.OpenConnections reads(List<Set<Ports>> reads) {
        return reads(reads, Set.of(CLIENT.local()));
    }

    static DisconnectWatch.OpenConnections reads(List<Set<Ports>> reads, Set<Integer> listening) {
        Deque<Set<Ports>> left = new ArrayDeque<>(reads);
        return new DisconnectWatch.OpenConnections() {
            @Override
            public boolean available() {
                return true;
            }

            @Override
            public TcpConnectionTable.Listing read() {
                return new TcpConnectionTable.Listing(left.size() > 1 ? left.poll() : left.peek(), listening);
            }
        };
    }

    /** Watches CLIENT's request and ticks once per given tick; each tick's reads in order. */
    @SafeVarargs
    static CompletableFuture<String> afterTicks(List<Set<Ports>>... ticks) {
        return afterTicks(Set.of(CLIENT.local()), ticks);
    }

    @SafeVarargs
    static CompletableFuture<String> afterTicks(Set<Integer> listening, List<Set<Ports>>... ticks) {
        List<Set<Ports>> all = new ArrayList<>();
        List.of(ticks).forEach(all::addAll);
        try (DisconnectWatch watch =
                servingClientPort(new DisconnectWatch(reads(all, listening), Duration.ofHours(1)))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(CLIENT.local(), CLIENT.remote(), task);
            for (int i = 0; i < ticks.length; i++) {
                watch.check();
            }
            return task;
        }
    }

    /** The watch, told that this server listens on CLIENT's local port (its web server started). */
    static DisconnectWatch servingClientPort(DisconnectWatch watch) {
        watch.serving(CLIENT.local());
        return watch;
    }

    @Test
    void anOpenConnectionKeepsItsRequest() {
        assertThat(afterTicks(List.of(OPEN), List.of(OPEN))).isNotDone();
    }

    @Test
    void aConnectionSeenOpenThatIsNoLongerOpenIsCancelled() {
        assertThat(afterTicks(List.of(OPEN), List.of(GONE, GONE, GONE))).isCancelled();
    }

    @Test
    void aConnectionMissingFromOneTornReadIsKept() {
        assertThat(afterTicks(List.of(OPEN), List.of(GONE, OPEN))).isNotDone();
        assertThat(afterTicks(List.of(OPEN), List.of(GONE, GONE, OPEN))).isNotDone();
    }

    @Test
    void aConnectionNeverSeenOpenIsCancelledWhenTheTableSeesItsServer() {
        // The client left before the first look (checks are spaced by their cost); the server's
        // listening socket is listed, so the table would list the connection were it open.
        assertThat(afterTicks(List.of(GONE, GONE, GONE))).isCancelled();
        assertThat(afterTicks(List.of(GONE, GONE, OPEN))).as("torn reads").isNotDone();
    }

    @Test
    void aConnectionTheTableCannotSeeIsLeftAlone() {
        // Not findable here: another network namespace, or ports that are not the socket's.
        assertThat(afterTicks(Set.of(), List.of(GONE), List.of(GONE), List.of(GONE)))
                .isNotDone();
        assertThat(afterTicks(Set.of(9090), List.of(GONE), List.of(GONE))).isNotDone();
    }

    @Test
    void checksAreSpacedByWhatTheyCost() {
        long interval = 200_000_000;
        assertThat(DisconnectWatch.nextDelay(interval, 1_000_000)).isEqualTo(interval);
        assertThat(DisconnectWatch.nextDelay(interval, 20_000_000))
                .as("a 20 ms check: the watch takes at most 2% of a CPU")
                .isEqualTo(1_000_000_000);
    }

    @Test
    void answeredRequestsAreNoLongerWatched() {
        try (DisconnectWatch watch =
                servingClientPort(new DisconnectWatch(reads(List.of(OPEN, GONE)), Duration.ofHours(1)))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(CLIENT.local(), CLIENT.remote(), task);
            watch.check();
            task.complete("answered");
            watch.check();
            assertThat(task).isCompletedWithValue("answered");
        }
    }

    @Test
    void requestsWithoutRealPortsAreNotWatched() {
        try (DisconnectWatch watch = servingClientPort(new DisconnectWatch(
                reads(List.of(Set.of(new Ports(8080, 0)), GONE)), Duration.ofHours(1)))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 0, task); // a forwarded address without a port
            watch.check();
            watch.check();
            assertThat(task).isNotDone();
        }
    }

    @Test
    void requestsOnAPortThisServerDoesNotListenOnAreNotWatched() {
        // Spring's mock requests say local port 80; another process listening on 80 lists it, so
        // a connection that never existed looked gone: MockMvc requests were answered 499.
        try (DisconnectWatch watch = servingClientPort(
                new DisconnectWatch(reads(List.of(GONE), Set.of(CLIENT.local(), 80)), Duration.ofHours(1)))) {
            CompletableFuture<String> mock = new CompletableFuture<>();
            watch.watch(80, 80, mock);
            watch.check();
            watch.check();
            assertThat(mock).isNotDone();
        }
        try (DisconnectWatch unstarted =
                new DisconnectWatch(reads(List.of(GONE), Set.of(CLIENT.local())), Duration.ofHours(1))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            unstarted.watch(CLIENT.local(), CLIENT.remote(), task);
            unstarted.check();
            assertThat(task).as("no web server started: no port of its own").isNotDone();
        }
    }
}
