package io.genserve.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP connections of this process's network namespace, as Linux lists them in
 * {@code /proc/self/net/tcp} and {@code tcp6}: for each pair of local and remote port, whether a
 * connection is open, closed by its peer, or gone.
 *
 * <p>Why: the Servlet API never tells an asynchronous request that its client went away (Tomcat
 * and Jetty both stop reading the socket once the request is dispatched, to keep pipelined bytes
 * for the next request), so a queued request of a disconnected client would be run anyway. The
 * kernel knows at once: the server's end of a connection whose client closed is in CLOSE_WAIT, and
 * one the client reset is no longer listed.
 */
final class TcpConnectionTable implements DisconnectWatch.ConnectionStates {
    /** The server side of one connection, by its ports; addresses are left out on purpose (see {@link #read}). */
    record Ports(int local, int remote) {
        /** The listening socket of this connection's local port. */
        Ports listener() {
            return new Ports(local, 0);
        }
    }

    enum State {
        /** Established (or still being established): the client may still read the answer. */
        OPEN,
        /** The client sent FIN or the connection is closing: nobody will read an answer. */
        CLOSED_BY_PEER,
        /** Anything else listed (TIME_WAIT and such): no longer a connection to answer on. */
        DONE,
        /** A listening socket; its remote port is 0. */
        LISTENING
    }

    private final List<Path> files;

    TcpConnectionTable(List<Path> files) {
        this.files = files;
    }

    static TcpConnectionTable ofThisProcess() {
        return new TcpConnectionTable(List.of(Path.of("/proc/self/net/tcp"), Path.of("/proc/self/net/tcp6")));
    }

    /** Whether the kernel lists connections here at all (Linux); elsewhere nothing can be watched. */
    @Override
    public boolean available() {
        return files.stream().anyMatch(Files::isReadable);
    }

    /**
     * The state of every connection, keyed by ports only: behind a proxy the request's remote
     * address may be the forwarded client's rather than the socket's peer. Where two connections
     * share their ports (two clients on the same ephemeral port), the more alive state wins, so a
     * collision can only hide a disconnect, never invent one.
     */
    @Override
    public Map<Ports, State> read() {
        Map<Ports, State> states = new HashMap<>();
        for (Path file : files) {
            if (!Files.isReadable(file)) {
                continue;
            }
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                reader.readLine(); // header
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    parse(line, states);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return states;
    }

    /** One row: {@code "  1: 0100007F:9948 0100007F:1FA3 01 ..."} (sl, local, remote, state in hex). */
    static void parse(String line, Map<Ports, State> into) {
        String[] f = line.trim().split("\\s+", 5);
        if (f.length < 4) {
            return;
        }
        try {
            Ports ports = new Ports(port(f[1]), port(f[2]));
            State state = state(Integer.parseInt(f[3], 16));
            into.merge(ports, state, (a, b) -> a.compareTo(b) <= 0 ? a : b);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // not a connection row: skip it rather than stop watching every other connection
        }
    }

    private static int port(String addressAndPort) {
        return Integer.parseInt(addressAndPort.substring(addressAndPort.indexOf(':') + 1), 16);
    }

    /** Linux's tcp_states.h: 1 ESTABLISHED, 3 SYN_RECV; 7 CLOSE, 8 CLOSE_WAIT, 9 LAST_ACK, 11 CLOSING; 10 LISTEN. */
    private static State state(int code) {
        return switch (code) {
            case 1, 3 -> State.OPEN;
            case 7, 8, 9, 11 -> State.CLOSED_BY_PEER;
            case 10 -> State.LISTENING;
            default -> State.DONE;
        };
    }
}
