package io.genserve.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a probe run's evidence decides, as pure functions of what was observed (the runs
 * themselves happen where the session is). Each decision comes with the sentence that justifies
 * it, which {@code GET /models/{name}} shows. Stateless.
 */
public final class ProbeDecisions {
    /** The ranges a float input may be fed in, the first being the default kept when evidence is not decisive. */
    public static final List<ValueRange> INPUT_RANGES =
            List.of(ValueRange.UNIT, new ValueRange(0, 255), new ValueRange(-1, 1));

    /** How much better than the default another input range must keep the structure to be chosen. */
    static final double DECISIVE = 0.05;

    private ProbeDecisions() {}

    public record Decision<T>(T value, String evidence) {}

    /** Observed output values: extremes and the 1st and 99th percentiles (robust to a few outliers). */
    public record ValueStats(double min, double max, double p1, double p99) {
        public static ValueStats of(float[] values) {
            float[] sorted = values.clone();
            Arrays.sort(sorted); // NaN sorts last
            int n = sorted.length;
            int finite = n;
            while (finite > 0 && Float.isNaN(sorted[finite - 1])) {
                finite--;
            }
            if (finite == 0) {
                return new ValueStats(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new ValueStats(
                    sorted[0],
                    sorted[finite - 1],
                    sorted[(int) (0.01 * (finite - 1))],
                    sorted[(int) (0.99 * (finite - 1))]);
        }
    }

    /**
     * The range an output's values are in: [0, 255] when they go well past 1, [-1, 1] when a real
     * part of them is below 0, else [0, 1]. Percentiles, not extremes, so that the overshoot of an
     * unclamped net (-0.12..1.10) does not change the answer.
     */
    public static Decision<ValueRange> outputRange(ValueStats s, String on) {
        if (Double.isNaN(s.max())) {
            return new Decision<>(ValueRange.UNIT, "the output was all NaN " + on + " → kept the default [0, 1]");
        }
        if (s.p99() > 2) {
            return new Decision<>(
                    new ValueRange(0, 255),
                    "output max " + num(s.max()) + " " + on + " (99th percentile " + num(s.p99())
                            + ") → range [0, 255]");
        }
        if (s.p1() < -0.25) {
            return new Decision<>(
                    new ValueRange(-1, 1),
                    "output min " + num(s.min()) + " " + on + " (1st percentile " + num(s.p1()) + ") → range [-1, 1]");
        }
        return new Decision<>(
                ValueRange.UNIT,
                "output within " + num(s.p1()) + ".." + num(s.p99()) + " " + on + " (1st..99th percentile; min "
                        + num(s.min()) + ", max " + num(s.max()) + ") → range [0, 1]");
    }

    /**
     * How much of the input's structure an output keeps, 0..1: the absolute correlation of their
     * luma, times the output's contrast relative to the input's (capped at 1), so that an output
     * flattened to a few grey levels by the wrong input range scores low even if those levels follow
     * the picture. Both arrays are pixels (0..255) of the same size.
     */
    public static double similarity(float[] output, float[] input) {
        double mo = mean(output);
        double mi = mean(input);
        double so = 0;
        double si = 0;
        double cov = 0;
        for (int i = 0; i < input.length; i++) {
            double a = output[i] - mo;
            double b = input[i] - mi;
            so += a * a;
            si += b * b;
            cov += a * b;
        }
        if (so == 0 || si == 0) {
            return 0;
        }
        return Math.abs(cov / Math.sqrt(so * si)) * Math.min(1, Math.sqrt(so / si));
    }

    /** One probe run: the input fed in {@code input}, the output read in the range its values showed. */
    public record Trial(ValueRange input, Decision<ValueRange> output, double similarity) {}

    /**
     * The input range whose output best keeps the calibration image's structure; the default
     * ({@link #INPUT_RANGES}' first) unless another is better by more than {@value #DECISIVE}.
     */
    public static Decision<Trial> inputRange(List<Trial> trials) {
        Trial fallback = trials.get(0);
        Trial best = fallback;
        for (Trial t : trials) {
            if (t.similarity() > best.similarity()) {
                best = t;
            }
        }
        String scores = trials.stream()
                .map(t -> range(t.input()) + " " + String.format(Locale.ROOT, "%.2f", t.similarity()))
                .collect(Collectors.joining(", "));
        String evidence = "output's similarity to the calibration image fed as " + scores;
        if (best != fallback && best.similarity() - fallback.similarity() > DECISIVE) {
            return new Decision<>(best, evidence + " → range " + range(best.input()));
        }
        boolean tie =
                trials.stream().anyMatch(t -> t != fallback && fallback.similarity() - t.similarity() <= DECISIVE);
        return new Decision<>(
                fallback,
                evidence + " → range " + range(fallback.input())
                        + (tie ? " (the default: no other range is clearly better)" : ""));
    }

    public static String range(ValueRange r) {
        return "[" + num(r.low()) + ", " + num(r.high()) + "]";
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }
}
