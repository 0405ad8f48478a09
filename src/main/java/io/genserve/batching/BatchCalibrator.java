package io.genserve.batching;

import io.genserve.runtime.HeapTensor;
import io.genserve.runtime.RunControl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Measures a model's batch sizes on one item (the warm-up request's) and settles
 * {@code max-batch-size: auto} by {@link BatchCalibration#choose}'s rule: for each size, one untimed
 * run (first runs of a shape allocate), then {@code runs} timed ones, whose median counts. The first
 * size gets as many untimed runs as timed ones: the first runs of a fresh session also warm up the
 * JIT-compiled tensor copies and ORT's threads, and timed, they made one item look dearer than two
 * (measured at load on the default conv models: 17 ms an image alone, 12.6 in pairs). A model
 * that runs in well under a millisecond gets more runs, until they add up to {@link #MIN_TIMED}
 * nanoseconds (a few runs of a tiny model are a few scheduler ticks: noise). The climb
 * stops at the first size that does not improve, so a model that does not gain from batching pays
 * for two sizes only. A size whose run fails (a graph whose batch axis is declared dynamic but is
 * not, memory) ends the climb at the size before it. Runs on the loading thread, before the model's
 * batcher starts, so nothing else runs the session meanwhile. Stateless.
 */
public final class BatchCalibrator {
    static final long MIN_TIMED = 20_000_000;
    static final int MAX_RUNS = 200;

    private final ModelBatcher.Runner runner;
    private final LongSupplier clock;

    /** @param clock nanoseconds ({@code System::nanoTime}) */
    public BatchCalibrator(ModelBatcher.Runner runner, LongSupplier clock) {
        this.runner = runner;
        this.clock = clock;
    }

    /**
     * @param item one item's feed, every tensor with a batch axis of 1
     * @param ceiling the largest size to try
     * @param runs timed runs per size
     * @param margin the improvement per image a larger size must bring
     * @throws Exception when even one item cannot run
     */
    public BatchCalibration calibrate(Map<String, HeapTensor> item, int ceiling, int runs, double margin)
            throws Exception {
        List<BatchCalibration.SizeTiming> timings = new ArrayList<>();
        String stopped = null;
        for (int size : BatchCalibration.candidates(ceiling)) {
            BatchCalibration.SizeTiming timing;
            try {
                Map<String, HeapTensor> batch = BatchStacker.stack(Collections.nCopies(size, item));
                if (size == 1) {
                    repeat(batch, runs); // untimed: warms the session, the JIT and the threads up
                }
                timing = time(batch, size, runs);
            } catch (Exception e) {
                if (size == 1) {
                    throw e;
                }
                stopped = "a batch of " + size + " failed: " + e.getMessage();
                break;
            }
            timings.add(timing);
            if (timings.size() > 1 && !BatchCalibration.improves(timings.get(timings.size() - 2), timing, margin)) {
                stopped = "a batch of " + size + " is not " + Math.round(margin * 100) + "% cheaper per image";
                break;
            }
        }
        return new BatchCalibration(BatchCalibration.choose(timings, margin), margin, timings, stopped);
    }

    /** At least {@code runs} runs, and more until they last {@link #MIN_TIMED}, at most {@link #MAX_RUNS}. */
    private long[] repeat(Map<String, HeapTensor> batch, int runs) throws Exception {
        long[] nanos = new long[MAX_RUNS];
        long total = 0;
        int n = 0;
        while (n < runs || (total < MIN_TIMED && n < MAX_RUNS)) {
            long t0 = clock.getAsLong();
            runner.run(batch, new RunControl());
            nanos[n] = clock.getAsLong() - t0;
            total += nanos[n++];
        }
        return Arrays.copyOf(nanos, n);
    }

    private BatchCalibration.SizeTiming time(Map<String, HeapTensor> batch, int size, int runs) throws Exception {
        runner.run(batch, new RunControl()); // untimed: the first run of a shape allocates
        long[] nanos = repeat(batch, runs);
        Arrays.sort(nanos);
        int n = nanos.length;
        double median = n % 2 == 1 ? nanos[n / 2] : (nanos[n / 2 - 1] + nanos[n / 2]) / 2.0;
        return BatchCalibration.SizeTiming.of(size, median / 1e6);
    }
}
