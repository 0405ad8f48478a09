package io.genserve.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Warms a setup of the in-process service until this JVM's JIT compilers have nearly stopped.
 * Why: the setups of one bench run share the JVM, and the first one measured pays for much of
 * the compilation of the request path. After a fixed warm-up at concurrency 16, spells of load
 * follow, each at every concurrency the bench will measure and with whatever else the measurement
 * runs (the bench's scrapes of the metrics, its probe load), while the compiler threads used more
 * than {@link #QUIET} of a spell's wall time in CPU.
 *
 * <p>Both choices were measured (2026-12-07, {@code --setups off,off,off --concurrency 1,32},
 * per-thread CPU from {@code /proc}): with warm-up spells at concurrency 16 only, the first setup's
 * concurrency-1 load then kept the C2 compiler thread busy for 0.74 ms of CPU a request (38% of
 * that load's CPU; 0.02-0.04 ms in the later setups), because other concurrencies take other
 * paths through the code (queues empty or full, pollers idle or not) that C2 compiles, or
 * deoptimises and recompiles, only when they run. And {@code CompilationMXBean}'s compilation time,
 * which the earlier version of this class watched, had called the 5 s before it quiet (72 ms).
 * With spells at both concurrencies, C2 still took 0.36 ms a request of the first measured load,
 * in bursts right after the warm-up and again when the probe load began: the first scrapes of
 * {@code /actuator/prometheus} and the first probe requests compiled their own code. Hence
 * {@code alsoMeasured}.
 */
final class JitWarmup {
    /** Load at each concurrency in one spell. */
    static final Duration STEP = Duration.ofSeconds(2);
    /** Compiler threads' CPU over a spell's wall time under which the JIT counts as quiet. */
    static final double QUIET = 0.02;

    static final int MAX_SPELLS = 24;

    private JitWarmup() {}

    /** Something a measurement does besides the load, run once in each spell. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException, InterruptedException;
    }

    /**
     * A closed loop at concurrency 16 for {@code first}, then spells of {@link #STEP} at each of
     * {@code concurrencies}, and {@code alsoMeasured}, until one is quiet, at most
     * {@link #MAX_SPELLS}; returns what happened, for the bench's log.
     */
    static String warm(Wrk wrk, Duration first, Step alsoMeasured, int... concurrencies)
            throws IOException, InterruptedException {
        wrk.closedLoop(16, first);
        long tick = ProcCpu.nanosPerTick();
        int spells = 0;
        long compilerMs;
        long spellMs;
        boolean quiet;
        do {
            Map<Long, Long> before = compilerTicks();
            long start = System.nanoTime();
            for (int c : concurrencies) {
                wrk.closedLoop(c, STEP);
            }
            alsoMeasured.run();
            spellMs = (System.nanoTime() - start) / 1_000_000;
            compilerMs = since(before, compilerTicks()) * tick / 1_000_000;
            quiet = compilerMs <= QUIET * spellMs;
            spells++;
        } while (!quiet && spells < MAX_SPELLS);
        return "warm-up " + first.toSeconds() + " s + " + spells + " spells of " + STEP.toSeconds()
                + " s at concurrency " + Arrays.toString(concurrencies) + " until the JIT compilers used "
                + compilerMs + " ms of CPU in " + spellMs + " ms"
                + (quiet ? "" : " (still compiling: stopped waiting)");
    }

    /**
     * CPU ticks of this JVM's JIT compiler threads by thread id, from {@code /proc/self/task}. They
     * are not Java threads that ThreadMXBean lists; their names are "C1 CompilerThread0",
     * "C2 CompilerThread1", … (the kernel keeps the first 15 characters).
     */
    static Map<Long, Long> compilerTicks() throws IOException {
        Map<Long, Long> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) { // the thread ended since the listing
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    out.put(Long.parseLong(task.getFileName().toString()), ProcCpu.ticks(stat));
                }
            }
        }
        return out;
    }

    /**
     * Ticks used between two snapshots. A compiler thread started meanwhile counts from zero; one
     * that ended meanwhile (HotSpot stops idle ones) is missing from {@code after} and its last
     * ticks are lost, which undercounts only threads that had gone idle.
     */
    static long since(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }
}
