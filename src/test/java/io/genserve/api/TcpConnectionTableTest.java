package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.api.TcpConnectionTable.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpConnectionTableTest {
    static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    @Test
    void listsEstablishedConnectionsOfBothTablesByPorts(@TempDir Path dir) throws IOException {
        Path tcp = dir.resolve("tcp");
        Path tcp6 = dir.resolve("tcp6");
        Files.writeString(
                tcp,
                HEADER
                        + "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
                        + "   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
                        + "   2: 0100007F:1F90 0100007F:D2A5 08 00000000:00000000 00:00000000 00000000     0        0 3 1\n"
                        + "   3: 0100007F:1F90 0100007F:D2A6 06 00000000:00000000 03:0000002A 00000000     0        0 0 3\n");
        Files.writeString(
                tcp6,
                HEADER
                        + "   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D2A7 01"
                        + " 00000000:00000000 00:00000000 00000000     0        0 4 1\n"
                        + "   1: garbage\n");
        // LISTEN (0A), CLOSE_WAIT (08: the client closed) and TIME_WAIT (06) are not open.
        TcpConnectionTable.Listing listing = new TcpConnectionTable(List.of(tcp, tcp6, dir.resolve("absent"))).read();
        assertThat(listing.open()).containsExactlyInAnyOrder(new Ports(8080, 0xD2A4), new Ports(8080, 0xD2A7));
        assertThat(listing.listening()).as("the LISTEN row's port").containsExactly(8080);
    }

    @Test
    void readsTheBytesTheKernelHoldsUnreadOnAConnection(@TempDir Path dir) throws IOException {
        Path tcp = dir.resolve("tcp");
        Files.writeString(
                tcp,
                HEADER
                        + "   0: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
                        + "   1: 0100007F:1F90 0100007F:D2A5 01 00000000:0001A2B3 00:00000000 00000000     0        0 3 1\n");
        TcpConnectionTable table = new TcpConnectionTable(List.of(tcp, dir.resolve("absent")));

        assertThat(table.unreadSnapshot().on(8080, 0xD2A5)).isEqualTo(0x1A2B3);
        assertThat(table.unreadSnapshot().on(8080, 0xD2A4)).isZero();
        assertThat(table.unreadSnapshot().on(8080, 0xD2A6)).as("not listed").isEqualTo(-1);
    }

    /** The real table of this process: bytes a client wrote that the server side has not read. */
    @Test
    void seesUnreadBytesOfARealConnection() throws Exception {
        TcpConnectionTable table = TcpConnectionTable.ofThisProcess();
        org.junit.jupiter.api.Assumptions.assumeTrue(table.available(), "no /proc/self/net/tcp here");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket accepted = server.accept()) {
            assertThat(table.unreadSnapshot().on(server.getLocalPort(), client.getLocalPort()))
                    .isZero();

            client.getOutputStream().write(new byte[1234]);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (table.unreadSnapshot().on(server.getLocalPort(), client.getLocalPort()) < 1234
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(table.unreadSnapshot().on(server.getLocalPort(), client.getLocalPort()))
                    .isEqualTo(1234);

            accepted.getInputStream().readNBytes(1234);
            assertThat(table.unreadSnapshot().on(server.getLocalPort(), client.getLocalPort()))
                    .isZero();
        }
    }
}
