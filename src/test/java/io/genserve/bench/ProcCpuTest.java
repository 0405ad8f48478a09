package io.genserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Node peer's CPU time is read from /proc/PID/stat; this pins the fields the bench takes. */
class ProcCpuTest {
    @Test
    void sumsUserAndSystemTicks() {
        // a node worker as Linux prints it (proc(5)): utime 1234 and stime 56 are fields 14 and 15
        String stat = "4321 (node) S 4300 4300 1763 0 -1 4194560 9001 0 3 0 1234 56 7 8 20 0 11 0 1237321 "
                + "1180000256 20480 18446744073709551615 1 1 0 0 0 0 0 16781312 16386 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcCpu.ticks(stat)).isEqualTo(1234 + 56);
    }

    @Test
    void countsFieldsAfterACommandNameWithSpacesAndParentheses() {
        String stat = "77 (a) b (c) R 1 77 77 0 -1 4194304 98 0 0 0 10 20 0 0 20 0 1 0 1237321 3133440 416";
        assertThat(ProcCpu.ticks(stat)).isEqualTo(30);
    }
}
