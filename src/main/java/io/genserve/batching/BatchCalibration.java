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
 * @param projection for a model that takes any size: the same climb at a photo's size, which
 *     {@code chosen} follows; null when the sizes were timed at the size the model serves
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchCalibration(
        int chosen, double margin, List<SizeTiming> sizes, String stopped, Projection projection) {
    public BatchCalibration {
        sizes = List.copyOf(sizes);
    }

    public BatchCalibration(int chosen, double margin, List<SizeTiming> sizes, String stopped) {
        this(chosen, margin, sizes, stopped, null);
    }

    /**
     * The timings carried from the small warm-up image to images of {@code side} x {@code side},
     * for a model that takes any size. Why: what a batch saves on a CPU is ONNX Runtime's cost per
     * run (dispatching each operator, its threads meeting), shared by the batch, while the work
     * per image grows with its pixels; timed on the 64 px warm-up image the convolutional default
     * models gained 10-30% a doubling and were batched at 2-8 in 8 starts out of 8, where photos
     * gain nothing (ONNX Runtime on the default style model, CPU per image at batch 1 → best of
     * 2-16: 5.9 → 5.0 ms at 64x64, 20.0 → 19.6 at 128x128, 71.4 → 71.4 at 304x208) and batching
     * halved the style endpoint's throughput at concurrency 16 (auto at 8: 6.1 requests/s, off:
     * 12.1). Timing at the photo's size instead gave the right answer but added 7-8 s to a start
     * on 2 cores. So a run of b images at the timed size is split into a part per run and a part
     * per image, from the runs of 1 and 2 ({@code t1 = run + image}, {@code t2 = run + 2 image}),
     * and at {@code side} a run of b costs {@code run + b * image * pixelRatio}.
     *
     * @param side the side of the images projected to ({@code genserve.batching.auto-side})
     * @param pixelRatio their pixels over the timed image's
     * @param msPerRun the fixed part of a run, milliseconds
     * @param msPerImage the part per image at {@code side}, milliseconds
     * @param sizes the projected timings of the sizes measured
     * @param chosen what the projected climb chose (never above the measured one)
     */
    public record Projection(
            int side, double pixelRatio, double msPerRun, double msPerImage, List<SizeTiming> sizes, int chosen) {
        public Projection {
            sizes = List.copyOf(sizes);
        }
    }

    /**
     * This calibration with its {@link Projection} to images of {@code side}, {@code pixelRatio}
     * times the timed one's pixels; itself when there is nothing to carry (one size timed, no
     * larger image, or a run of 2 timed no dearer than a run of 1, which leaves no part per image
     * to scale: noise, so the measured choice stands).
     */
    public BatchCalibration projectedTo(int side, double pixelRatio) {
        if (sizes.size() < 2 || pixelRatio <= 1) {
            return this;
        }
        double t1 = sizes.get(0).msPerRun();
        double t2 = sizes.get(1).msPerRun();
        double perImage = t2 - t1;
        if (perImage <= 0) {
            return this;
        }
        double perRun = Math.max(0, t1 - perImage);
        double atSide = perImage * pixelRatio;
        List<SizeTiming> projected = new ArrayList<>();
        for (SizeTiming t : sizes) {
            projected.add(SizeTiming.of(t.size(), perRun + t.size() * atSide));
        }
        int projectedChoice = Math.min(chosen, choose(projected, margin));
        return new BatchCalibration(
                projectedChoice,
                margin,
                sizes,
                stopped,
                new Projection(
                        side,
                        SizeTiming.round(pixelRatio),
                        SizeTiming.round(perRun),
                        SizeTiming.round(atSide),
                        projected,
                        projectedChoice));
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

        static double round(double ms) {
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

    /**
     * One line for the log and the evidence: "ms per image at 1: 0.52, 2: 0.31, 4: 0.2 → 4", and
     * with a projection "…; at 256 px, projected (0.9 ms a run + 55.5 ms an image): 1: 56.4, 2: 55.95 → 1".
     */
    public String summary() {
        StringBuilder s = new StringBuilder("ms per image at ");
        perImage(s, sizes);
        s.append(" → ").append(projection == null ? chosen : choose(sizes, margin));
        if (stopped != null) {
            s.append(" (").append(stopped).append(')');
        }
        if (projection != null) {
            s.append("; at ")
                    .append(projection.side())
                    .append(" px, projected (")
                    .append(projection.msPerRun())
                    .append(" ms a run + ")
                    .append(projection.msPerImage())
                    .append(" ms an image): ");
            perImage(s, projection.sizes());
            s.append(" → ").append(chosen);
        }
        return s.toString();
    }

    private static void perImage(StringBuilder s, List<SizeTiming> timings) {
        for (SizeTiming t : timings) {
            s.append(t.size() == timings.get(0).size() ? "" : ", ")
                    .append(t.size())
                    .append(": ")
                    .append(t.msPerImage());
        }
    }
}
