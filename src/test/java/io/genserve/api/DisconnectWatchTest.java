package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.api.TcpConnectionTable.Ports;
import io.genserve.api.TcpConnectionTable.State;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The decision alone, on scripted snapshots of the connection table, ticked by hand. */
class DisconnectWatchTest {
    static final Map.Entry<Ports, State> LISTENER = Map.entry(new Ports(8080, 0), State.LISTENING);
    static final Ports CLIENT = new Ports(8080, 50000);

    /** Hands out the given snapshots in order, then repeats the last one. */
    static DisconnectWatch.ConnectionStates snapshots(List<Map<Ports, State>> reads) {
        Deque<Map<Ports, State>> left = new ArrayDeque<>(reads);
        return new DisconnectWatch.ConnectionStates() {
            @Override
            public boolean available() {
                return true;
            }

            @Override
            public Map<Ports, State> read() {
                return left.size() > 1 ? left.poll() : left.peek();
            }
        };
    }

    @SafeVarargs
    static CompletableFuture<String> afterOneCheck(Map<Ports, State>... reads) {
        try (DisconnectWatch watch = new DisconnectWatch(snapshots(List.of(reads)), Duration.ofHours(1))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(CLIENT.local(), CLIENT.remote(), task);
            watch.check();
            return task;
        }
    }

    @Test
    void anOpenConnectionKeepsItsRequest() {
        assertThat(afterOneCheck(Map.ofEntries(LISTENER, Map.entry(CLIENT, State.OPEN))))
                .isNotDone();
    }

    @Test
    void aClientThatClosedItsConnectionIsCancelled() {
        assertThat(afterOneCheck(Map.ofEntries(LISTENER, Map.entry(CLIENT, State.CLOSED_BY_PEER))))
                .isCancelled();
    }

    @Test
    void aClientThatResetItsConnectionIsCancelled() {
        assertThat(afterOneCheck(Map.ofEntries(LISTENER))).isCancelled();
    }

    @Test
    void aConnectionMissingFromOneTornReadIsKept() {
        assertThat(afterOneCheck(
                        Map.ofEntries(LISTENER),
                        Map.ofEntries(LISTENER),
                        Map.ofEntries(LISTENER, Map.entry(CLIENT, State.OPEN))))
                .isNotDone();
    }

    @Test
    void aTableThatDoesNotShowThisServersSocketsCancelsNothing() {
        assertThat(afterOneCheck(Map.of(new Ports(9090, 40000), State.OPEN))).isNotDone();
    }

    @Test
    void answeredRequestsAreNoLongerWatched() {
        try (DisconnectWatch watch =
                new DisconnectWatch(snapshots(List.of(Map.ofEntries(LISTENER))), Duration.ofHours(1))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(CLIENT.local(), CLIENT.remote(), task);
            task.complete("answered");
            watch.check();
            assertThat(task).isCompletedWithValue("answered");
        }
    }
}
