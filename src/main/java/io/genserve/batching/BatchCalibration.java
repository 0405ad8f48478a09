package io.genserve.batching;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * How {@code max-batch-size: auto} settled a model's largest batch when it loaded: the timings of
 * each batch size tried and the size chosen. The rule ({@link #choose}): sizes 1, 2, 4, ... are
 * tried in turn, and a size is kept while its cost per image is at least {@code margin} below the
 * previous size's; the first that is not ends the climb. On CPUs a convolutional model's cost per
 * image stays flat (one image already fills the cores), so it runs unbatched; a small generator's
 * fixed cost per run is shared by the batch, so it batches. Immutable.
 *
 * @param chosen the largest batch the model's runs receive
 * @param margin the improvement per image a larger size had to bring (0.10: 10% cheaper)
 * @param sizes what was measured, in the order tried
 * @param stopped why the climb ended before the ceiling, or null when it reached it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchCalibration(int chosen, double margin, List<SizeTiming> sizes, String stopped) {
    public BatchCalibration {
        sizes = List.copyOf(sizes);
    }

    /**
     * One batch size's fastest timed run.
     *
     * @param msPerRun the fastest of the timed runs, milliseconds
     * @param msPerImage {@code msPerRun / size}
     */
    public record SizeTiming(int size, double msPerRun, double msPerImage) {
        public static SizeTiming of(int size, double msPerRun) {
            return new SizeTiming(size, round(msPerRun), round(msPerRun / size));
        }

        private static double round(double ms) {
            return Math.round(ms * 1000) / 1000.0;
        }
    }

    /** The sizes auto tries, in order: powers of two below {@code ceiling}, then the ceiling itself. */
    public static List<Integer> candidates(int ceiling) {
        List<Integer> sizes = new ArrayList<>();
        for (int s = 1; s < ceiling; s *= 2) {
            sizes.add(s);
        }
        sizes.add(ceiling);
        return sizes;
    }

    /** Whether {@code next} is worth its larger batch: at least {@code margin} cheaper per image. */
    public static boolean improves(SizeTiming previous, SizeTiming next, double margin) {
        return next.msPerImage() <= previous.msPerImage() * (1 - margin);
    }

    /** The largest size reached through an unbroken chain of improvements; the first size when none. */
    public static int choose(List<SizeTiming> timings, double margin) {
        SizeTiming kept = timings.get(0);
        for (SizeTiming next : timings.subList(1, timings.size())) {
            if (!improves(kept, next, margin)) {
                break;
            }
            kept = next;
        }
        return kept.size();
    }

    /** One line for the log and the evidence: "ms per image at 1: 0.52, 2: 0.31, 4: 0.2 → 4". */
    public String summary() {
        StringBuilder s = new StringBuilder("ms per image at ");
        for (SizeTiming t : sizes) {
            s.append(t.size() == sizes.get(0).size() ? "" : ", ")
                    .append(t.size())
                    .append(": ")
                    .append(t.msPerImage());
        }
        s.append(" → ").append(chosen);
        return stopped == null
                ? s.toString()
                : s.append(" (").append(stopped).append(')').toString();
    }
}
