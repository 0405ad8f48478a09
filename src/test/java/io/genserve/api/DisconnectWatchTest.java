package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision alone, on written connection tables, ticked by hand. */
class DisconnectWatchTest {
    static final String LISTENER = "   0: 00000000:1F90 00000000:0000 0A 0 0 0 0 0 1 1\n";

    @TempDir
    Path dir;

    Path table;

    DisconnectWatch watch(String rows) throws IOException {
        table = dir.resolve("tcp");
        write(rows);
        return new DisconnectWatch(new TcpConnectionTable(List.of(table)), Duration.ofHours(1));
    }

    void write(String rows) throws IOException {
        Files.writeString(table, TcpConnectionTableTest.HEADER + rows);
    }

    static String connection(int remotePort, String state) {
        return "   1: 0100007F:1F90 0100007F:" + Integer.toHexString(remotePort).toUpperCase() + " " + state
                + " 0 0 0 0 0 2 1\n";
    }

    @Test
    void anOpenConnectionKeepsItsRequest() throws IOException {
        try (DisconnectWatch watch = watch(LISTENER + connection(50000, "01"))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 50000, task);
            watch.check();
            assertThat(task).isNotDone();
        }
    }

    @Test
    void aClientThatClosedItsConnectionIsCancelled() throws IOException {
        try (DisconnectWatch watch = watch(LISTENER + connection(50000, "01"))) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 50000, task);
            watch.check();
            write(LISTENER + connection(50000, "08")); // CLOSE_WAIT: the client sent FIN
            watch.check();
            assertThat(task).isCancelled();
        }
    }

    @Test
    void aClientThatResetItsConnectionIsCancelled() throws IOException {
        try (DisconnectWatch watch = watch(LISTENER)) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 50000, task);
            watch.check();
            assertThat(task).isCancelled();
        }
    }

    @Test
    void aTableThatDoesNotShowThisServersSocketsCancelsNothing() throws IOException {
        try (DisconnectWatch watch = watch(connection(40000, "01"))) { // another port's connection only
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 50000, task);
            watch.check();
            assertThat(task).isNotDone();
        }
    }

    @Test
    void answeredRequestsAreNoLongerWatched() throws IOException {
        try (DisconnectWatch watch = watch(LISTENER)) {
            CompletableFuture<String> task = new CompletableFuture<>();
            watch.watch(8080, 50000, task);
            task.complete("answered");
            watch.check();
            assertThat(task).isCompletedWithValue("answered");
        }
    }
}
