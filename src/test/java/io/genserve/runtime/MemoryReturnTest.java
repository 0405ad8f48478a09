package io.genserve.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class MemoryReturnTest {
    private final Timer trims = Timer.builder("t").register(new SimpleMeterRegistry());

    @Test
    @EnabledOnOs(OS.LINUX)
    void trimsTheNativeHeapThroughTheJvm() {
        MemoryReturn memory = new MemoryReturn(
                Duration.ofSeconds(5),
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class),
                ManagementFactory::getGarbageCollectorMXBeans,
                trims);
        assertThat(memory.trim()).startsWith("Trim native heap: RSS+Swap:");
        assertThat(trims.count()).isEqualTo(1);
    }

    @Test
    void asksG1ToCollectAndShrinkAnIdleHeap() {
        FlagsOf jvm = new FlagsOf(VMOption.Origin.DEFAULT);
        MemoryReturn memory =
                new MemoryReturn(Duration.ofSeconds(7), jvm, () -> collectors("G1 Young Generation"), trims);
        memory.start();
        try {
            assertThat(jvm.values).containsEntry("G1PeriodicGCInterval", "7000");
            assertThat(jvm.values)
                    .as("keeps less free heap committed")
                    .containsEntry("MinHeapFreeRatio", "10")
                    .containsEntry("MaxHeapFreeRatio", "30");
            assertThat(memory.isRunning()).as("trims every interval").isTrue();
        } finally {
            memory.stop();
        }
        assertThat(memory.isRunning()).isFalse();
    }

    @Test
    void leavesFlagsTheCommandLineSet() {
        FlagsOf jvm = new FlagsOf(VMOption.Origin.VM_CREATION);
        MemoryReturn memory =
                new MemoryReturn(Duration.ofSeconds(7), jvm, () -> collectors("G1 Young Generation"), trims);
        memory.start();
        assertThat(jvm.values).isEmpty();
        assertThat(memory.isRunning()).as("the JVM trims by itself").isFalse();
    }

    /** What start() sets on a default command line can be set in a running JVM. */
    @Test
    void theFlagsItSetsAreManageableInThisJvm() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (String flag : List.of("G1PeriodicGCInterval", "MinHeapFreeRatio", "MaxHeapFreeRatio")) {
            assertThat(hotSpot.getVMOption(flag).isWriteable()).as(flag).isTrue();
        }
    }

    @Test
    void leavesOtherCollectorsAloneAndStillTrims() {
        FlagsOf jvm = new FlagsOf(VMOption.Origin.DEFAULT);
        MemoryReturn memory =
                new MemoryReturn(Duration.ofSeconds(7), jvm, () -> collectors("Copy", "MarkSweepCompact"), trims);
        memory.start();
        try {
            assertThat(jvm.values).doesNotContainKey("G1PeriodicGCInterval");
            assertThat(memory.isRunning()).isTrue();
        } finally {
            memory.stop();
        }
    }

    @Test
    void zeroTurnsItOff() {
        FlagsOf jvm = new FlagsOf(VMOption.Origin.DEFAULT);
        MemoryReturn memory = new MemoryReturn(Duration.ZERO, jvm, () -> collectors("G1 Young Generation"), trims);
        memory.start();
        assertThat(jvm.values).isEmpty();
        assertThat(memory.isRunning()).isFalse();
    }

    private static List<GarbageCollectorMXBean> collectors(String... names) {
        return java.util.Arrays.stream(names).map(MemoryReturnTest::collector).toList();
    }

    private static GarbageCollectorMXBean collector(String name) {
        return new GarbageCollectorMXBean() {
            @Override
            public long getCollectionCount() {
                return 0;
            }

            @Override
            public long getCollectionTime() {
                return 0;
            }

            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean isValid() {
                return true;
            }

            @Override
            public String[] getMemoryPoolNames() {
                return new String[0];
            }

            @Override
            public ObjectName getObjectName() {
                return null;
            }
        };
    }

    /** The JVM's flags, all of one origin until set. */
    private static final class FlagsOf implements HotSpotDiagnosticMXBean {
        final Map<String, String> values = new HashMap<>();
        private final VMOption.Origin origin;

        FlagsOf(VMOption.Origin origin) {
            this.origin = origin;
        }

        @Override
        public void dumpHeap(String outputFile, boolean live) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<VMOption> getDiagnosticOptions() {
            return List.of();
        }

        @Override
        public VMOption getVMOption(String name) {
            return values.containsKey(name)
                    ? new VMOption(name, values.get(name), true, VMOption.Origin.MANAGEMENT)
                    : new VMOption(name, "0", true, origin);
        }

        @Override
        public void setVMOption(String name, String value) {
            values.put(name, value);
        }

        @Override
        public ObjectName getObjectName() {
            return null;
        }
    }
}
