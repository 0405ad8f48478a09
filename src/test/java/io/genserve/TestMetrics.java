package io.genserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads series from the management port's Prometheus scrape, and builds slowed-down model copies for tests. */
public final class TestMetrics {
    private TestMetrics() {}

    /** The series' value in a scrape of the management port, 0 when it is not there yet. */
    public static double metric(TestHttp management, String series) {
        return metric(TestHttp.text(management.get("/actuator/prometheus")), series);
    }

    /**
     * The sum over the series of that name that have these labels (and maybe others, such as a
     * model's version or a request's protocol), e.g. {@code genserve_queue_depth\\{model="gen"}}; 0 when absent.
     */
    public static double metric(String scrape, String series) {
        int brace = series.indexOf("\\{");
        String name = brace < 0 ? series : series.substring(0, brace);
        List<String> labels = new ArrayList<>();
        Matcher m = Pattern.compile("([a-z_]+)=\"([^\"]*)\"").matcher(brace < 0 ? "" : series.substring(brace));
        while (m.find()) {
            labels.add(m.group(1));
            labels.add(m.group(2));
        }
        return PromText.sum(scrape, name, labels.toArray(String[]::new));
    }

    /** Waits up to 10 s for a series to reach a value (the disconnect watch looks every 200 ms). */
    public static void awaitMetric(TestHttp management, String series, double value) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double now = metric(management, series);
        while (now != value && System.nanoTime() < until) {
            Thread.sleep(20);
            now = metric(management, series);
        }
        assertThat(now).as(series).isEqualTo(value);
    }

    /** A copy of a fixture model whose manifest gets {@code batching} appended (e.g. a long max-delay). */
    public static void copyModel(Path from, Path to, String batching) throws IOException {
        Files.createDirectories(to);
        Files.copy(from.resolve("model.onnx"), to.resolve("model.onnx"));
        Files.writeString(
                to.resolve("genserve.yaml"), Files.readString(from.resolve("genserve.yaml")) + batching + "\n");
    }
}
