package io.genserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ratio lines of the bench's report, on rows made up for it. */
class BenchReportTest {
    private static Bench.Row row(String setup, int concurrency, double perSecond) {
        Wrk.Load load = new Wrk.Load(1000, perSecond, 10, 30, 0, Map.of(200, 1000L), 0, "", Map.of());
        return new Bench.Row(setup, concurrency, load, 1, 1, 0.5);
    }

    @Test
    void oneRunOfEachSetupGivesItsRatio() {
        String out = BenchReport.ratios(
                List.of(row("batching auto (chose 4, 0ms)", 32, 1800), row("batching off (max 1)", 32, 1500)),
                List.of(),
                List.of());
        assertThat(out)
                .contains("- batching auto / off at concurrency 32: 1.20x (target with auto: >= 1.0x, the generator"
                        + " >= 1.3x)\n");
    }

    @Test
    void repeatedSetupsCountByTheMeanOfTheirRunsAtThatConcurrencyEachListed() {
        String out = BenchReport.ratios(
                List.of(
                        row("batching auto (chose 4, 0ms)", 1, 900),
                        row("batching auto (chose 4, 0ms)", 32, 2315),
                        row("batching off (max 1)", 32, 1813),
                        row("batching auto (chose 2, 0ms)", 32, 2061),
                        row("batching off (max 1)", 32, 2000)),
                List.of(),
                List.of());
        // (2315 + 2061) / 2 = 2188 over (1813 + 2000) / 2 = 1906.5
        assertThat(out)
                .contains("- batching auto / off at concurrency 32: 1.15x (target with auto: >= 1.0x, the generator"
                        + " >= 1.3x); means of auto: 2,315 (chose 4), 2,061 (chose 2) req/s, and off: 1,813, 2,000"
                        + " req/s\n");
    }
}
