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

    /** Hands out the given reads in order, then repeats the last one. */
    static DisconnectWatch.OpenConnections reads(List<Set<Ports>> reads) {
        Deque<Set<Ports>> left = new ArrayDeque<>(reads);
        return new DisconnectWatch.OpenConnections() {
            @Override
            public boolean available() {
                return true;
            }

            @Override
            public Set<Ports> open() {
                return left.size() > 1 ? left.poll() : left.peek();
            }
        };
    }

    /** Watches CLIENT's request and ticks once per given tick; each tick's reads in order. */
    @SafeVarargs
    static CompletableFuture<String> afterTicks(List<Set<Ports>>... ticks) {
        List<Set<Ports>> all = new ArrayList<>();
        List.of(ticks).forEach(all::addAll);
        try (DisconnectWatch watch = new DisconnectWatch(reads(all), Duration.ofHours(1))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(CLIENT.local(), CLIENT.remote(), task);
            for (int i = 0; i < ticks.length; i++) {
                watch.check();
            }
            return task;
        }
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
    void aConnectionNeverSeenOpenIsLeftAlone() {
        // Not findable here: another network namespace, or ports that are not the socket's.
        assertThat(afterTicks(List.of(GONE), List.of(GONE), List.of(GONE))).isNotDone();
    }

    @Test
    void answeredRequestsAreNoLongerWatched() {
        try (DisconnectWatch watch = new DisconnectWatch(reads(List.of(OPEN, GONE)), Duration.ofHours(1))) {
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
        try (DisconnectWatch watch =
                new DisconnectWatch(reads(List.of(Set.of(new Ports(8080, 0)), GONE)), Duration.ofHours(1))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 0, task); // a forwarded address without a port
            watch.check();
            watch.check();
            assertThat(task).isNotDone();
        }
    }
}
