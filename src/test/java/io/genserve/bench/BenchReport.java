package io.genserve.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The bench's Markdown: three tables and the ratios the batching issue sets targets for. */
final class BenchReport {
    private static final int TARGET_CONCURRENCY = 32;

    private BenchReport() {}

    static String markdown(
            String endpoint,
            String model,
            List<Bench.Row> rows,
            List<Bench.Paced> paced,
            List<RawOrt.Point> raw,
            int rawCallers) {
        StringBuilder b = new StringBuilder();
        b.append(f(
                "`/%s` on `%s`: %d cores, Java %s, driver wrk (its own process)%n%n",
                endpoint, model, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        b.append(
                "| setup | concurrency | req/s | p50 ms | p99 ms | mean batch | CPU ms/request | ORT ms/image | errors |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Bench.Row r : rows) {
            b.append(f(
                    "| %s | %d | %.1f | %.2f | %.2f | %.1f | %.3f | %.3f | %d |%n",
                    r.setup(),
                    r.concurrency(),
                    r.load().perSecond(),
                    r.load().p50(),
                    r.load().p99(),
                    r.meanBatch(),
                    r.cpuMsPerRequest(),
                    r.ortMsPerImage(),
                    r.load().errors()));
        }
        b.append("\n| setup, paced at half its saturation | saturation req/s | paced req/s | p50 ms | p99 ms | p99/p50 "
                + "| liveness probe at that pace: p50 ms | p99 ms |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Bench.Paced p : paced) {
            b.append(f(
                    "| %s | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    p.setup(),
                    p.saturation(),
                    p.load().perSecond(),
                    p.load().p50(),
                    p.load().p99(),
                    p.load().p99() / p.load().p50(),
                    p.floor().p50(),
                    p.floor().p99()));
        }
        b.append(f(
                "%n| raw ONNX Runtime, %s: batch | images/s | p50 ms/run | p99 ms/run | CPU ms/image |%n",
                rawCallers == 1 ? "one calling thread" : rawCallers + " calling threads"));
        b.append("|---:|---:|---:|---:|---:|\n");
        for (RawOrt.Point p : raw) {
            b.append(f(
                    "| %d | %.1f | %.2f | %.2f | %.3f |%n",
                    p.batch(), p.imagesPerSecond(), p.p50RunMs(), p.p99RunMs(), p.cpuMsPerImage()));
        }
        b.append('\n').append(ratios(rows, paced, raw));
        return b.toString();
    }

    /**
     * The targets of the batching issue, computed from the rows at concurrency 32 (or the nearest
     * measured). A setup measured more than once ({@code --setups auto,off,auto,off}) counts by the
     * mean of its runs, each listed: between two setups of one run this machine has differed by up to
     * 25%, so one pair says little about a ratio near 1.
     */
    static String ratios(List<Bench.Row> rows, List<Bench.Paced> paced, List<RawOrt.Point> raw) {
        Bench.Row off = at(rows, "off");
        StringBuilder b = new StringBuilder();
        for (String setup : List.of("auto", "on")) {
            Bench.Row on = at(rows, setup);
            RawOrt.Point same = on == null || raw.isEmpty() ? null : nearest(raw, on.meanBatch());
            if (on != null && off != null) {
                List<Bench.Row> ons = every(rows, setup, on.concurrency());
                List<Bench.Row> offs = every(rows, "off", off.concurrency());
                b.append(f(
                        "- batching %s / off at concurrency %d: %.2fx (target with auto: >= 1.0x, the generator >= 1.3x)%s%n",
                        setup,
                        on.concurrency(),
                        meanPerSecond(ons) / meanPerSecond(offs),
                        ons.size() + offs.size() > 2
                                ? f("; means of %s: %s, and off: %s", setup, perSecond(ons), perSecond(offs))
                                : ""));
            }
            if (on != null && same != null) {
                b.append(f(
                        "- batching %s at concurrency %d (mean batch %.1f) / raw ORT at batch %d: %.0f%% (target >= 80%%)%n",
                        setup,
                        on.concurrency(),
                        on.meanBatch(),
                        same.batch(),
                        100 * on.load().perSecond() / same.imagesPerSecond()));
            }
        }
        RawOrt.Point best = raw.stream()
                .min(Comparator.comparingDouble(RawOrt.Point::cpuMsPerImage))
                .orElse(null);
        if (off != null && best != null && off.cpuMsPerRequest() > raw.get(0).cpuMsPerImage()) {
            // Both setups are CPU-bound at this concurrency, so throughput goes as 1 / CPU per request,
            // and batching can only change ORT's part of it, by what ORT itself gains from the batch size.
            double outsideOrt = off.cpuMsPerRequest() - raw.get(0).cpuMsPerImage();
            b.append(f(
                    "- what batching could give at most here: with batching off a request costs %.3f ms of CPU, "
                            + "%.3f ms of it ORT's (raw, batch 1); ORT's cheapest batch (%d) costs %.3f ms an image, so "
                            + "perfect batching reaches %.2fx, and even free inference %.2fx%n",
                    off.cpuMsPerRequest(),
                    raw.get(0).cpuMsPerImage(),
                    best.batch(),
                    best.cpuMsPerImage(),
                    off.cpuMsPerRequest() / (outsideOrt + best.cpuMsPerImage()),
                    off.cpuMsPerRequest() / outsideOrt));
        }
        if (off != null && !raw.isEmpty()) {
            b.append(f(
                    "- batching off at concurrency %d / raw ORT at batch 1: %.0f%%%n",
                    off.concurrency(), 100 * off.load().perSecond() / raw.get(0).imagesPerSecond()));
        }
        for (Bench.Paced p : paced) {
            b.append(f(
                    "- %s, paced at %.0f req/s: p99/p50 = %.2f (target <= 3); p99 - p50 = %.2f ms, where a request "
                            + "that does nothing (the liveness probe) already has p99 - p50 = %.2f ms%n",
                    p.setup(),
                    p.load().perSecond(),
                    p.load().p99() / p.load().p50(),
                    p.load().p99() - p.load().p50(),
                    p.floor().p99() - p.floor().p50()));
        }
        return b.toString();
    }

    /** The raw batch size closest to {@code meanBatch} on a log scale. */
    private static RawOrt.Point nearest(List<RawOrt.Point> raw, double meanBatch) {
        return raw.stream()
                .min(Comparator.comparingDouble(p -> Math.abs(Math.log(p.batch() / Math.max(1, meanBatch)))))
                .orElseThrow();
    }

    /** Every row of {@code setup} at {@code concurrency}, in the order measured. */
    private static List<Bench.Row> every(List<Bench.Row> rows, String setup, int concurrency) {
        return rows.stream()
                .filter(r -> r.setup().startsWith("batching " + setup) && r.concurrency() == concurrency)
                .toList();
    }

    private static double meanPerSecond(List<Bench.Row> rows) {
        return rows.stream().mapToDouble(r -> r.load().perSecond()).average().orElseThrow();
    }

    /** "2,315 (chose 4), 2,061 (chose 2) req/s" */
    private static String perSecond(List<Bench.Row> rows) {
        return String.join(
                        ", ",
                        rows.stream()
                                .map(r -> f("%,.0f", r.load().perSecond())
                                        + (r.setup().contains("chose")
                                                ? " (" + r.setup().replaceAll(".*\\((chose \\d+).*", "$1") + ")"
                                                : ""))
                                .toList())
                + " req/s";
    }

    private static Bench.Row at(List<Bench.Row> rows, String setup) {
        return rows.stream()
                .filter(r -> r.setup().startsWith("batching " + setup))
                .min(Comparator.comparingInt(r -> Math.abs(r.concurrency() - TARGET_CONCURRENCY)))
                .orElse(null);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
