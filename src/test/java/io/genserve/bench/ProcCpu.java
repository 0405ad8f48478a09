package io.genserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of another process, from Linux's {@code /proc/PID/stat}: user + system, in clock ticks. */
final class ProcCpu {
    private static volatile long nanosPerTick;

    private ProcCpu() {}

    static long ticks(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /**
     * utime + stime, fields 14 and 15 of a stat line. The command name (field 2) is in parentheses
     * and may itself hold spaces and parentheses, so fields are counted after its last ')'.
     */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** The length of a clock tick (USER_HZ, from getconf; 100 a second on Linux unless built otherwise). */
    static long nanosPerTick() throws IOException {
        if (nanosPerTick == 0) {
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
                long hz = Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
                p.waitFor();
                nanosPerTick = 1_000_000_000L / hz;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the clock tick", e);
            } catch (NumberFormatException e) {
                throw new IOException("cannot read the clock tick (getconf CLK_TCK)", e);
            }
        }
        return nanosPerTick;
    }
}
