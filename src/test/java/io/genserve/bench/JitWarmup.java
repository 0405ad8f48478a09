package io.genserve.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Warms a setup of the in-process service until this JVM's JIT compilers have nearly stopped.
 * Why: the setups of one bench run share the JVM, and the first one measured pays for much of
 * the compilation of the request path. On a quick machine 15 s of load were enough; on a slower
 * one (2026-12-07: ORT at 1.2 ms an image instead of 0.45) a CPU profile still found the
 * compilers at 21% of the samples after 50 s of load. So after the fixed warm-up, more spells of
 * load follow while a spell's compilation time is more than {@link #QUIET} of it (measured then:
 * 2 to 15 spells). It does not remove all of the order effect: with a quiet JIT, and even after
 * a throwaway setup, the first setup measured still ran at 0.6-0.8x of the same setup measured
 * again after it ({@code --setups off,auto,off}); see the README's Benchmark section.
 */
final class JitWarmup {
    static final Duration SPELL = Duration.ofSeconds(5);
    /** Compilation time over a spell's wall time under which the JIT counts as quiet. */
    static final double QUIET = 0.02;

    static final int MAX_SPELLS = 24;

    private JitWarmup() {}

    /**
     * A closed loop at concurrency 16 for {@code first}, then spells of {@link #SPELL} until one is
     * quiet, at most {@link #MAX_SPELLS}; returns what happened, for the bench's log.
     */
    static String warm(Wrk wrk, Duration first) throws IOException, InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        wrk.closedLoop(16, first);
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return "warm-up " + first.toSeconds() + " s (this JVM does not report its compilation time)";
        }
        int spells = 0;
        long compiledMs;
        boolean quiet;
        do {
            long before = jit.getTotalCompilationTime();
            wrk.closedLoop(16, SPELL);
            compiledMs = jit.getTotalCompilationTime() - before;
            quiet = compiledMs <= QUIET * SPELL.toMillis();
            spells++;
        } while (!quiet && spells < MAX_SPELLS);
        return "warm-up " + first.toSeconds() + " s + " + spells + " x " + SPELL.toSeconds()
                + " s until the JIT compiled " + compiledMs + " ms in " + SPELL.toSeconds() + " s"
                + (quiet ? "" : " (still compiling: stopped waiting)");
    }
}
