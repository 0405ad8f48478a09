package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.api.TcpConnectionTable.Ports;
import io.genserve.api.TcpConnectionTable.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpConnectionTableTest {
    static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    @Test
    void readsPortsAndStatesFromBothTables(@TempDir Path dir) throws IOException {
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
        Map<Ports, State> states = new TcpConnectionTable(List.of(tcp, tcp6, dir.resolve("absent"))).read();
        assertThat(states)
                .containsEntry(new Ports(8080, 0), State.LISTENING)
                .containsEntry(new Ports(8080, 0xD2A4), State.OPEN)
                .containsEntry(new Ports(8080, 0xD2A5), State.CLOSED_BY_PEER)
                .containsEntry(new Ports(8080, 0xD2A6), State.DONE)
                .containsEntry(new Ports(8080, 0xD2A7), State.OPEN)
                .hasSize(5);
    }

    @Test
    void portsSharedByTwoConnectionsCountAsOpenIfEitherIs(@TempDir Path dir) throws IOException {
        Path tcp = dir.resolve("tcp");
        Files.writeString(
                tcp,
                HEADER
                        + "   0: 0100007F:1F90 0200000A:D2A4 08 00000000:00000000 00:00000000 00000000 0 0 2 1\n"
                        + "   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000 0 0 3 1\n");
        assertThat(new TcpConnectionTable(List.of(tcp)).read()).containsEntry(new Ports(8080, 0xD2A4), State.OPEN);
    }
}
