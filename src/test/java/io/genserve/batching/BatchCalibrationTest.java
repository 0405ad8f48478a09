package io.genserve.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.batching.BatchCalibration.SizeTiming;
import io.genserve.model.BatchMode;
import io.genserve.model.BatchingOverrides;
import io.genserve.model.DType;
import io.genserve.model.MaxBatchSize;
import io.genserve.runtime.HeapTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/** The rule of max-batch-size: auto on given timings, and the measuring loop on a clock it drives. */
class BatchCalibrationTest {
    static final double MARGIN = 0.10;

    static List<SizeTiming> timings(double... msPerRun) {
        List<SizeTiming> t = new ArrayList<>();
        for (int i = 0, size = 1; i < msPerRun.length; i++, size *= 2) {
            t.add(SizeTiming.of(size, msPerRun[i]));
        }
        return t;
    }

    /**
     * The default style model as start-up timed it on its 64 px warm-up image (ms a run at 1, 2,
     * 4, 8): batching looked worth 10-25% a doubling there, where on 256 px photos a run's fixed
     * part is too small beside the image's to matter.
     */
    @Test
    void aConvModelTimedOnASmallImageIsProjectedToPhotosAndRunsUnbatched() {
        BatchCalibration at64 = new BatchCalibration(4, MARGIN, timings(4.4, 7.88, 13.0, 25.6), "a batch of 8 is not");
        BatchCalibration c = at64.projectedTo(256, 16);

        // run of 1 = 0.92 + 3.48, run of 2 = 0.92 + 2 x 3.48; at 256 px an image is 16 x 3.48 = 55.68
        assertThat(c.projection().msPerRun()).isEqualTo(0.92);
        assertThat(c.projection().msPerImage()).isEqualTo(55.68);
        assertThat(c.projection().sizes())
                .extracting(SizeTiming::msPerImage)
                .containsExactly(56.6, 56.14, 55.91, 55.795);
        assertThat(c.chosen()).as("2 saves 0.8%, under the 10% margin").isEqualTo(1);
        assertThat(c.projection().chosen()).isEqualTo(1);
        assertThat(c.sizes()).as("the measured timings stay as measured").isEqualTo(at64.sizes());
        assertThat(c.summary())
                .isEqualTo("ms per image at 1: 4.4, 2: 3.94, 4: 3.25, 8: 3.2 → 4 (a batch of 8 is not); at 256 px,"
                        + " projected (0.92 ms a run + 55.68 ms an image): 1: 56.6, 2: 56.14, 4: 55.91, 8: 55.795 → 1");
    }

    @Test
    void aModelWhoseRunsAreMostlyFixedCostStillBatchesAtPhotoSizeButNeverAboveWhatWasMeasured() {
        // 0.8 ms a run + 0.2 ms an image at the timed size; at 4x the pixels 0.8 an image: 2 saves 25%,
        // 4 17%, 8 10% (the margin), 16 5.6%
        BatchCalibration measured = new BatchCalibration(16, MARGIN, timings(1.0, 1.2, 1.6, 2.4, 4.0), null);
        assertThat(measured.projectedTo(128, 4).chosen()).isEqualTo(8);
        BatchCalibration lower = new BatchCalibration(4, MARGIN, timings(1.0, 1.2, 1.6, 2.4), "noise at 8");
        assertThat(lower.projectedTo(128, 4).chosen())
                .as("capped at the measured choice")
                .isEqualTo(4);
    }

    @Test
    void nothingIsProjectedWithoutAPartPerImageOrALargerImage() {
        BatchCalibration noisy = new BatchCalibration(2, MARGIN, timings(1.0, 0.9), null); // a run of 2 timed faster
        assertThat(noisy.projectedTo(256, 16)).isSameAs(noisy);
        BatchCalibration measured = new BatchCalibration(2, MARGIN, timings(1.0, 1.2), null);
        assertThat(measured.projectedTo(64, 1)).isSameAs(measured);
        BatchCalibration one = new BatchCalibration(1, MARGIN, timings(1.0), null);
        assertThat(one.projectedTo(256, 16)).isSameAs(one);
    }

    @Test
    void aModelWhoseCostPerImageStaysFlatRunsUnbatched() {
        // A convolution on CPU: one image fills the cores; two cost twice as much (2% cheaper each).
        assertThat(BatchCalibration.choose(timings(10.0, 19.6), MARGIN)).isEqualTo(1);
        // ... and becoming slower per image is no better.
        assertThat(BatchCalibration.choose(timings(10.0, 23.0), MARGIN)).isEqualTo(1);
    }

    @Test
    void aModelWithAFixedCostPerRunBatchesUntilTheGainFallsUnderTheMargin() {
        // ms per image: 0.5, 0.3, 0.2, 0.175 (12.5% cheaper), 0.1625 (7% cheaper: not worth it)
        assertThat(BatchCalibration.choose(timings(0.5, 0.6, 0.8, 1.4, 2.6), MARGIN))
                .isEqualTo(8);
        // With no margin every improvement counts.
        assertThat(BatchCalibration.choose(timings(0.5, 0.6, 0.8, 1.4, 2.6), 0.0))
                .isEqualTo(16);
        // Exactly the margin is enough: 1.0 → 0.9 per image.
        assertThat(BatchCalibration.choose(timings(1.0, 1.8), MARGIN)).isEqualTo(2);
    }

    @Test
    void theClimbStopsAtTheFirstSizeThatDoesNotImprove() {
        // 4 would be cheaper than 1, but 2 was not cheaper than 1: a noisy dip does not skip a step.
        assertThat(BatchCalibration.choose(timings(1.0, 1.95, 2.0), MARGIN)).isEqualTo(1);
    }

    @Test
    void sizesArePowersOfTwoUpToTheCeiling() {
        assertThat(BatchCalibration.candidates(16)).containsExactly(1, 2, 4, 8, 16);
        assertThat(BatchCalibration.candidates(12)).containsExactly(1, 2, 4, 8, 12);
        assertThat(BatchCalibration.candidates(1)).containsExactly(1);
    }

    @Test
    void timingsArePerRunAndPerImage() {
        SizeTiming t = SizeTiming.of(4, 1.0);
        assertThat(t.msPerRun()).isEqualTo(1.0);
        assertThat(t.msPerImage()).isEqualTo(0.25);
    }

    /** A model on a clock: a run of n items advances it by cost(n) nanoseconds. */
    static final class ClockedModel implements ModelBatcher.Runner {
        long now;
        final IntToLongFunction cost;
        final List<Integer> ran = new ArrayList<>();
        int failFrom = Integer.MAX_VALUE;

        ClockedModel(IntToLongFunction cost) {
            this.cost = cost;
        }

        @Override
        public Map<String, HeapTensor> run(Map<String, HeapTensor> batch, io.genserve.runtime.RunControl control) {
            int n = (int) batch.get("z").shape()[0];
            assertThat(batch.get("z").values()).hasSize(n * 3);
            if (n >= failFrom) {
                throw new IllegalStateException("Failed to allocate memory");
            }
            ran.add(n);
            now += cost.applyAsLong(n);
            return Map.of();
        }
    }

    static final Map<String, HeapTensor> ITEM =
            Map.of("z", new HeapTensor(DType.FLOAT32, new long[] {1, 3}, new float[] {1, 2, 3}));

    @Test
    void theCalibratorTimesEachSizeAgainstTheOneBeforeInAlternatingRunsByTheFastest() throws Exception {
        int[] calls = {0};
        Set<Integer> seen = new HashSet<>();
        // 4 ms per run plus 0.4 ms per image; each size's first run (untimed) and every 7th run are slow.
        ClockedModel model = new ClockedModel(n -> {
            calls[0]++;
            long base = 4_000_000 + 400_000L * n;
            return seen.add(n) || calls[0] % 7 == 0 ? base * 10 : base;
        });
        BatchCalibration c = new BatchCalibrator(model, () -> model.now).calibrate(ITEM, 16, 5, MARGIN);

        assertThat(c.sizes()).extracting(SizeTiming::size).containsExactly(1, 2, 4, 8, 16);
        assertThat(c.sizes()).extracting(SizeTiming::msPerRun).containsExactly(4.4, 4.8, 5.6, 7.2, 10.4);
        assertThat(c.sizes()).extracting(SizeTiming::msPerImage).containsExactly(4.4, 2.4, 1.4, 0.9, 0.65);
        assertThat(c.chosen()).isEqualTo(16);
        assertThat(c.stopped()).isNull();
        assertThat(model.ran)
                .as("size 1: 5 untimed runs to warm up; each larger size: 1 untimed, then 5 of it and 5 of the"
                        + " size before, alternating")
                .hasSize(5 + 4 * 11);
        assertThat(model.ran.subList(5, 16)).containsExactly(2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2);
    }

    /**
     * What alternating is for: the machine is busy (every run 3x slower) while the larger size
     * would have been timed after the smaller one. Timed one after the other, a batch of 2 looked
     * dearer per image than 1; timed in turn, both see the same moments.
     */
    @Test
    void aBusySpellDuringTheTimingDoesNotDecide() throws Exception {
        int[] calls = {0};
        // 1 ms per run plus 0.2 ms per image (2 pays: 0.7 ms an image against 1.2), from the 30th run
        // on everything 3x slower: a JIT burst or another model loading beside this one.
        ClockedModel model = new ClockedModel(n -> {
            long base = 1_000_000 + 200_000L * n;
            return ++calls[0] >= 30 ? base * 3 : base;
        });
        BatchCalibration c = new BatchCalibrator(model, () -> model.now).calibrate(ITEM, 2, 5, MARGIN);

        assertThat(c.chosen()).isEqualTo(2);
        assertThat(c.sizes().get(1).msPerImage()).isLessThan(c.sizes().get(0).msPerImage());
        assertThat(BatchCalibration.choose(c.sizes(), MARGIN))
                .as("the timings shown give the size chosen")
                .isEqualTo(c.chosen());
    }

    @Test
    void aTinyModelIsTimedUntilItsRunsAddUpTo20Milliseconds() throws Exception {
        ClockedModel tiny = new ClockedModel(n -> 1_000_000L); // 1 ms a run, whatever the size
        BatchCalibration c = new BatchCalibrator(tiny, () -> tiny.now).calibrate(ITEM, 2, 5, MARGIN);

        assertThat(c.chosen()).isEqualTo(2);
        assertThat(tiny.ran)
                .as("size 1: 20 untimed runs to warm up; size 2: 1 untimed, then 20 of each size, alternating")
                .hasSize(20 + 1 + 40);
        ClockedModel instant = new ClockedModel(n -> 0);
        new BatchCalibrator(instant, () -> instant.now).calibrate(ITEM, 1, 5, MARGIN);
        assertThat(instant.ran).as("bounded").hasSize(2 * BatchCalibrator.MAX_RUNS + 1);
    }

    @Test
    void aSlowModelIsTimedTwiceASideOnceItsRunsLastAQuarterSecond() throws Exception {
        ClockedModel photo = new ClockedModel(n -> 100_000_000L * n); // 100 ms an image: a conv model on a photo
        BatchCalibration c = new BatchCalibrator(photo, () -> photo.now).calibrate(ITEM, 16, 5, MARGIN);

        assertThat(c.chosen()).isEqualTo(1);
        assertThat(photo.ran)
                .as("size 1: 3 untimed runs (300 ms); size 2: 1 untimed, then 2 of each size, alternating")
                .containsExactly(1, 1, 1, 2, 1, 2, 1, 2);
    }

    @Test
    void theCalibratorStopsAtTheFirstSizeThatDoesNotPay() throws Exception {
        ClockedModel conv = new ClockedModel(n -> 10_000_000L * n); // per image flat
        BatchCalibration c = new BatchCalibrator(conv, () -> conv.now).calibrate(ITEM, 16, 3, MARGIN);

        assertThat(c.chosen()).isEqualTo(1);
        assertThat(c.sizes()).extracting(SizeTiming::size).containsExactly(1, 2);
        assertThat(conv.ran).as("no run of 4 or more").allMatch(n -> n <= 2);
        assertThat(c.stopped()).isEqualTo("a batch of 2 is not 10% cheaper per image");
        assertThat(c.summary())
                .isEqualTo("ms per image at 1: 10.0, 2: 10.0 → 1 (a batch of 2 is not 10% cheaper per image)");
    }

    @Test
    void aSizeThatFailsEndsTheClimbAtTheSizeBefore() throws Exception {
        ClockedModel model = new ClockedModel(n -> 1_000_000L);
        model.failFrom = 4;
        BatchCalibration c = new BatchCalibrator(model, () -> model.now).calibrate(ITEM, 16, 3, MARGIN);

        assertThat(c.chosen()).isEqualTo(2);
        assertThat(c.stopped()).isEqualTo("a batch of 4 failed: Failed to allocate memory");

        ClockedModel broken = new ClockedModel(n -> 1);
        broken.failFrom = 1;
        assertThatThrownBy(() -> new BatchCalibrator(broken, () -> broken.now).calibrate(ITEM, 16, 3, MARGIN))
                .as("one item that cannot run fails the load")
                .hasMessage("Failed to allocate memory");
    }

    static BatchingProperties config(String maxBatchSize) {
        return new BatchingProperties(
                MaxBatchSize.valueOf(maxBatchSize),
                16,
                MARGIN,
                5,
                256,
                List.of(2, 8),
                Duration.ZERO,
                256,
                Duration.ofSeconds(30),
                Duration.ofMinutes(2),
                1,
                Duration.ofSeconds(1),
                Duration.ofSeconds(20),
                HeapShare.valueOf("25%"));
    }

    static BatchingOverrides manifest(String maxBatchSize) {
        return new BatchingOverrides(
                maxBatchSize == null ? null : MaxBatchSize.valueOf(maxBatchSize), null, null, null, null, null);
    }

    @Test
    void aNumberPinnedInTheManifestOrTheConfigurationWinsManifestFirst() {
        assertThat(BatchSettings.calibrates(config("auto"), manifest(null), BatchMode.DYNAMIC))
                .isTrue();
        assertThat(BatchSettings.calibrates(config("auto"), manifest("4"), BatchMode.DYNAMIC))
                .isFalse();
        assertThat(BatchSettings.calibrates(config("8"), manifest(null), BatchMode.DYNAMIC))
                .isFalse();
        assertThat(BatchSettings.calibrates(config("8"), manifest("auto"), BatchMode.DYNAMIC))
                .isTrue();
        assertThat(BatchSettings.calibrates(config("auto"), manifest(null), BatchMode.FIXED))
                .as("a graph that takes one item has nothing to measure")
                .isFalse();

        assertThat(BatchSettings.resolve(config("auto"), manifest("4"), BatchMode.DYNAMIC))
                .satisfies(s -> {
                    assertThat(s.maxBatchSize()).isEqualTo(4);
                    assertThat(s.preferredBatchSizes()).containsExactly(2);
                    assertThat(s.calibration()).isNull();
                });
        assertThat(BatchSettings.resolve(config("8"), manifest(null), BatchMode.FIXED)
                        .maxBatchSize())
                .isEqualTo(1);
        assertThatThrownBy(() -> BatchSettings.resolve(config("auto"), manifest(null), BatchMode.DYNAMIC))
                .isInstanceOf(IllegalStateException.class);

        BatchCalibration measured = new BatchCalibration(8, MARGIN, timings(0.5, 0.6, 0.8, 1.4), null);
        BatchSettings settled = BatchSettings.resolve(config("auto"), manifest(null), measured);
        assertThat(settled.maxBatchSize()).isEqualTo(8);
        assertThat(settled.preferredBatchSizes()).containsExactly(2, 8);
        assertThat(settled.calibration()).isSameAs(measured);
    }
}
