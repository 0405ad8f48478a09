package io.genserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The warm-up judges the JIT by its compiler threads' CPU in /proc/self/task. */
class JitWarmupTest {
    @Test
    void findsThisJvmsCompilerThreads() throws Exception {
        // HotSpot runs at least one C1 and one C2 compiler thread from the start (tiered compilation)
        assertThat(JitWarmup.compilerTicks()).isNotEmpty();
    }

    @Test
    void countsNewThreadsFromZeroAndEndedOnesNotAtAll() {
        Map<Long, Long> before = Map.of(1L, 100L, 2L, 50L);
        Map<Long, Long> after = Map.of(1L, 130L, 3L, 7L); // 2 ended, 3 started
        assertThat(JitWarmup.since(before, after)).isEqualTo(30 + 7);
    }
}
