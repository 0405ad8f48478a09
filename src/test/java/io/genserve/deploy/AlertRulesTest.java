package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's alert rules through promtool (Debian's prometheus package, installed by
 * .ci/setup.sh): {@code check rules} on the rendered PrometheusRule, and {@code test rules} with
 * src/test/resources/alerts/genserve-alerts-test.yaml, which feeds synthetic series (a failing model,
 * a slow one, a saturated one, a failed one, a pod still loading, no pod at all, and healthy ones)
 * and states which alerts must fire, with which labels and texts, and which must stay quiet.
 * PrometheusScrapeTest evaluates the same rules in a Prometheus that scrapes the running service.
 */
class AlertRulesTest {
    static final Path PROMTOOL = Path.of(System.getenv().getOrDefault("PROMTOOL_BIN", "/usr/bin/promtool"));
    static final Path UNIT_TESTS = Path.of("src/test/resources/alerts/genserve-alerts-test.yaml");

    @BeforeAll
    static void promtoolIsInstalled() {
        boolean installed = Files.isExecutable(PROMTOOL);
        if (!installed && System.getenv("CI") != null) {
            throw new AssertionError(PROMTOOL + " is missing: CI must run .ci/setup.sh first");
        }
        Assumptions.assumeTrue(installed, PROMTOOL + " is not installed (apt-get install prometheus)");
    }

    /** The rules as the chart renders them with the default thresholds, as a Prometheus rule file. */
    static String ruleFile() {
        return HelmChart.render("prometheusRule.enabled", "true")
                .one(PrometheusRule.class)
                .ruleFile();
    }

    @Test
    void promtoolChecksTheRenderedRules(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, ruleFile());
        String out = promtool(dir, "check", "rules", rules.toString());
        assertThat(out).contains("SUCCESS: 6 rules found");
    }

    @Test
    void alertsFireOnSyntheticSeriesAndStayQuietOnHealthyOnes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("rules.yml"), ruleFile());
        Path tests = Files.copy(UNIT_TESTS, dir.resolve(UNIT_TESTS.getFileName()));
        String out = promtool(dir, "test", "rules", tests.toString());
        assertThat(out).contains("SUCCESS");
    }

    /** Runs promtool in dir; fails with its output unless it exits 0. */
    private static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
