package io.genserve.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Gives memory back after a burst, whatever command line started the JVM. Measured
 * (bench/rss-after-flood.sh, a 60 s flood of /style-transfer): without it RSS stayed at 1.9x its
 * level before the flood, 60 s after it; two things held it, and each needs its own remedy.
 *
 * <ul>
 *   <li>The Java heap: G1 grows it to the maximum under the flood's images and keeps it committed
 *       until a collection decides to shrink it, which an idle service never runs. G1's periodic
 *       collection ({@code G1PeriodicGCInterval}, a manageable flag) runs one after the interval
 *       without any, and shrinks the heap; how far, the free ratios decide ({@link
 *       #MAX_HEAP_FREE_PERCENT}). Set here unless the command line set them.
 *   <li>Native memory freed by ONNX Runtime and the image code: glibc keeps freed blocks in its
 *       arenas rather than returning them. The JVM's {@code System.trim_native_heap} (malloc_trim)
 *       returns them; {@code TrimNativeHeapInterval} would run it, but it is not manageable, so
 *       unless the command line set it, it runs here every interval. Elsewhere than glibc it
 *       answers "not supported" and stops.
 * </ul>
 *
 * Together: RSS 60 s after the flood 1.02x its level before (heap alone 1.08x, trim alone 2.6x).
 */
final class MemoryReturn implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(MemoryReturn.class);
    private static final String TRIM_OPERATION = "systemTrimNativeHeap";
    /**
     * What G1 may keep committed beyond the live heap when a collection resizes it: 10–30% free
     * instead of the JVM's 40–70%, whose 70% let a heap that had grown under a flood stay at about
     * twice its size before (bench/rss-after-flood.sh, 60 s after: /generate at 512 connections heap
     * 104 → 180 MiB with the defaults, 45 → 93 with these; /style-transfer 197 → 160 against 116 →
     * 63). Both flags are manageable, so they are set here unless the command line set either.
     */
    static final int MIN_HEAP_FREE_PERCENT = 10;

    static final int MAX_HEAP_FREE_PERCENT = 30;

    private final Duration interval;
    private final HotSpotDiagnosticMXBean hotSpot;
    private final Supplier<List<GarbageCollectorMXBean>> collectors;
    private final Timer trims;
    private ScheduledExecutorService trimmer;

    MemoryReturn(MemoryProperties properties, MeterRegistry registry) {
        this(
                properties.returnInterval(),
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class),
                ManagementFactory::getGarbageCollectorMXBeans,
                Timer.builder("genserve.memory.trim")
                        .description(
                                "glibc trims of free native memory (malloc_trim), every genserve.memory.return-interval")
                        .register(registry));
    }

    MemoryReturn(
            Duration interval,
            HotSpotDiagnosticMXBean hotSpot,
            Supplier<List<GarbageCollectorMXBean>> collectors,
            Timer trims) {
        this.interval = interval;
        this.hotSpot = hotSpot;
        this.collectors = collectors;
        this.trims = trims;
    }

    @Override
    public synchronized void start() {
        if (interval.isZero()) {
            return;
        }
        shrinkIdleHeap();
        if (isDefault("TrimNativeHeapInterval")) {
            trimmer = Executors.newSingleThreadScheduledExecutor(work -> {
                Thread t = new Thread(work, "genserve-memory-return");
                t.setDaemon(true);
                return t;
            });
            trimmer.scheduleWithFixedDelay(this::trim, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            log.info("native memory: trimmed by the JVM (TrimNativeHeapInterval set on its command line)");
        }
    }

    private void shrinkIdleHeap() {
        boolean g1 = collectors.get().stream().anyMatch(c -> c.getName().startsWith("G1 "));
        if (!g1) {
            // Serial (the JVM's choice with one CPU or under 1792 MB) and Parallel shrink the heap
            // only at full collections; there is no periodic one to ask for.
            log.info("Java heap: not G1, so it shrinks only at full collections (genserve.memory.return-interval "
                    + "applies to native memory only)");
        } else {
            if (isDefault("G1PeriodicGCInterval")) {
                hotSpot.setVMOption("G1PeriodicGCInterval", Long.toString(interval.toMillis()));
                log.debug("Java heap: G1 collects and shrinks it after {} without a collection", interval);
            }
            if (isDefault("MinHeapFreeRatio") && isDefault("MaxHeapFreeRatio")) {
                // Min first: it must stay at or below Max, which is 70 until set.
                hotSpot.setVMOption("MinHeapFreeRatio", Integer.toString(MIN_HEAP_FREE_PERCENT));
                hotSpot.setVMOption("MaxHeapFreeRatio", Integer.toString(MAX_HEAP_FREE_PERCENT));
            }
        }
    }

    private boolean isDefault(String flag) {
        try {
            VMOption option = hotSpot.getVMOption(flag);
            return option.getOrigin() == VMOption.Origin.DEFAULT;
        } catch (IllegalArgumentException notInThisJvm) {
            return false;
        }
    }

    /**
     * One malloc_trim through the JVM's diagnostic command; stops the schedule where glibc is not
     * underneath or the command fails.
     *
     * @return the JVM's answer (e.g. "Trim native heap: RSS+Swap: 1.4G->0.5G (-0.9G)"), or null if it failed
     */
    String trim() {
        try {
            String answer = String.valueOf(trims.recordCallable(MemoryReturn::trimNativeHeap))
                    .strip();
            log.debug("{}", answer);
            if (answer.contains("not supported")) {
                log.info("native memory: not trimmed ({})", answer);
                stopTrimming();
            }
            return answer;
        } catch (Exception e) {
            log.warn("native memory: trimming failed, not tried again: {}", e.toString());
            stopTrimming();
            return null;
        }
    }

    private synchronized void stopTrimming() {
        if (trimmer != null) {
            trimmer.shutdown();
        }
    }

    private static String trimNativeHeap() throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        return (String)
                server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), TRIM_OPERATION, null, null);
    }

    @Override
    public synchronized void stop() {
        if (trimmer != null) {
            trimmer.shutdownNow();
            trimmer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return trimmer != null;
    }
}
