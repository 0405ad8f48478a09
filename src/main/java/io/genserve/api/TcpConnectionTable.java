package io.genserve.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The open TCP connections of this process's network namespace, as Linux lists them in
 * {@code /proc/self/net/tcp} and {@code tcp6}.
 *
 * <p>Why: the Servlet API never tells an asynchronous request that its client went away (Tomcat
 * and Jetty both stop reading the socket once the request is dispatched, to keep pipelined bytes
 * for the next request), so a queued request of a disconnected client would be run anyway. The
 * kernel knows at once: the server's end of a connection whose client closed it is in
 * CLOSE_WAIT, and one the client reset is no longer listed; either way it is no longer open.
 */
final class TcpConnectionTable implements DisconnectWatch.OpenConnections {
    /**
     * The server side of one connection, by its ports. Addresses are left out on purpose: where
     * two clients share an ephemeral port, one open connection keeps both "open", so a collision
     * can only hide a disconnect, never invent one.
     */
    record Ports(int local, int remote) {}

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

    @Override
    public Set<Ports> open() {
        Set<Ports> open = new HashSet<>();
        for (Path file : files) {
            if (!Files.isReadable(file)) {
                continue;
            }
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                reader.readLine(); // header
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    parse(line, open);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return open;
    }

    /**
     * One row: {@code "  1: 0100007F:9948 0100007F:1FA3 01 ..."} (sl, local, remote, state in hex).
     * Open means ESTABLISHED (1) or SYN_RECV (3), in Linux's tcp_states.h.
     */
    static void parse(String line, Set<Ports> open) {
        String[] f = line.trim().split("\\s+", 5);
        if (f.length < 4) {
            return;
        }
        try {
            int state = Integer.parseInt(f[3], 16);
            if (state == 1 || state == 3) {
                open.add(new Ports(port(f[1]), port(f[2])));
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // not a connection row: skip it rather than stop watching every other connection
        }
    }

    private static int port(String addressAndPort) {
        return Integer.parseInt(addressAndPort.substring(addressAndPort.indexOf(':') + 1), 16);
    }
}
