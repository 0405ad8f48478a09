package io.genserve.api;

import io.genserve.edge.UnreadBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    /**
     * One read of the tables: the open connections, and the ports something listens on. A
     * listening socket on a request's local port shows that the table sees this server's sockets
     * (the same network namespace), so that a connection of it missing from the table is closed.
     */
    record Listing(Set<Ports> open, Set<Integer> listening) {}

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
     * Read as bytes and parsed in place: this runs every check interval while requests wait, and
     * decoding the table into Strings and splitting each row with a regex cost a third of the
     * watch's CPU, the kernel's listing the rest (bench/profile.sh, /generate at concurrency 32).
     */
    @Override
    public Listing read() {
        Listing listing = new Listing(new HashSet<>(), new HashSet<>());
        forEachRow(false, (table, row, end) -> parse(table, row, end, listing));
        return listing;
    }

    /** A connection row of a table: its bytes from {@code from} to {@code to}. */
    @FunctionalInterface
    private interface Row {
        void accept(byte[] table, int from, int to);
    }

    /**
     * Every connection row of every table, the headers skipped; a table this system lacks or may not
     * read has none. Another I/O failure throws, or with {@code skipFailed} skips that table.
     */
    private void forEachRow(boolean skipFailed, Row rows) {
        for (Path file : files) {
            byte[] table;
            try {
                table = readFile(file);
            } catch (UncheckedIOException e) {
                if (!skipFailed) {
                    throw e;
                }
                continue;
            }
            if (table == null) {
                continue;
            }
            int row = nextLine(table, 0); // after the header
            while (row < table.length) {
                int end = nextLine(table, row);
                rows.accept(table, row, end);
                row = end;
            }
        }
    }

    /** One table's bytes; null where this system has none or may not read it. */
    private static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException | AccessDeniedException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int nextLine(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return Math.min(b.length, i + 1);
    }

    /**
     * One row: {@code "  1: 0100007F:9948 0100007F:1FA3 01 00000000:00000000 ..."} (sl, local,
     * remote, state, tx_queue:rx_queue, in hex). Open means ESTABLISHED (1) or SYN_RECV (3), and
     * listening LISTEN (10), in Linux's tcp_states.h. A row that is not a connection row is skipped
     * rather than stop watching every other connection.
     */
    static void parse(byte[] b, int from, int to, Listing listing) {
        int[] field = fields(b, from, to);
        if (field == null) {
            return;
        }
        int local = port(b, field[1], to);
        int remote = port(b, field[2], to);
        int state = hex(b, field[3], to);
        if (local >= 0 && remote >= 0 && (state == 1 || state == 3)) {
            listing.open().add(new Ports(local, remote));
        } else if (local >= 0 && state == 10) {
            listing.listening().add(local);
        }
    }

    /**
     * The bytes the kernel has received on each connection that the service has not read yet
     * (rx_queue), read now; a connection not listed (or no table: not Linux) reads -1. The edge asks
     * it before it takes a refused body's silence for its end: a service short of CPU reads late, and
     * bytes waiting unread are not silence. A table that cannot be read gives an empty snapshot:
     * asked from a timer, unknown rather than an exception that would end its checks.
     */
    UnreadBytes.Snapshot unreadSnapshot() {
        Map<Ports, Integer> unread = new HashMap<>();
        forEachRow(true, (table, row, end) -> {
            int[] field = fields(table, row, end);
            if (field != null) {
                int local = port(table, field[1], end);
                int remote = port(table, field[2], end);
                int rx = port(table, field[4], end); // the hex number after the ':' of tx:rx
                if (local >= 0 && remote >= 0 && rx >= 0) {
                    unread.putIfAbsent(new Ports(local, remote), rx);
                }
            }
        });
        return (local, remote) -> unread.getOrDefault(new Ports(local, remote), -1);
    }

    /** Where a row's first five fields start; null when it has fewer. */
    private static int[] fields(byte[] b, int from, int to) {
        int[] field = new int[5];
        int fields = 0;
        for (int i = from; i < to && fields < field.length; i++) {
            boolean space = b[i] == ' ' || b[i] == '\t' || b[i] == '\n';
            if (!space && (i == from || b[i - 1] == ' ' || b[i - 1] == '\t')) {
                field[fields++] = i;
            }
        }
        return fields < field.length ? null : field;
    }

    /** The hex port after the ':' of an address field; -1 when there is none. */
    private static int port(byte[] b, int from, int to) {
        for (int i = from; i < to && b[i] != ' '; i++) {
            if (b[i] == ':') {
                return hex(b, i + 1, to);
            }
        }
        return -1;
    }

    /** The hex number at {@code from}, up to the next space; -1 when it is not one. */
    private static int hex(byte[] b, int from, int to) {
        long v = 0;
        int digits = 0;
        for (int i = from; i < to && b[i] != ' ' && b[i] != '\n'; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0 || ++digits > 8) { // the queues are 8 digits wide
                return -1;
            }
            v = v << 4 | d;
        }
        return digits == 0 || v > Integer.MAX_VALUE ? -1 : (int) v;
    }
}
