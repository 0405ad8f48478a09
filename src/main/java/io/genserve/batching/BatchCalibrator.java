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
 * {@code max-batch-size: auto}: sizes 1, 2, 4, ... are tried in turn, and a size is kept while its
 * cost per image is at least {@code margin} below the size before it; the first that is not ends
 * the climb. Each size is timed against the one before it in alternating runs (one of each, again
 * and again), and each side's fastest run counts: what the size costs when nothing disturbs it,
 * which every size gets a chance at in turn (a size timed twice, once against each neighbour,
 * keeps the faster). Why alternating: a model loads while the JVM is
 * still compiling and other models load, so the cores are quiet one moment and busy the next; timed
 * one after the other, two sizes were measured in different moments, and the choice was noise
 * (measured at start-up on the default models: the generator's batch of 2 at 1.7 ms an image
 * against 0.78 alone, and the same conv model chosen at 1, 2 or 16 in three starts). Before any
 * timing, size 1 runs {@code runs} times untimed (the first runs of a fresh session warm up the
 * JIT-compiled tensor copies and ORT's threads), and each larger size once (the first run of a
 * shape allocates). A model that runs in well under a millisecond gets more runs, until each
 * side's add up to {@link #MIN_TIMED} nanoseconds (a few runs of a tiny model are a few scheduler
 * ticks: noise); a slow one fewer, 2 per side once a side's runs last {@link #MAX_TIMED}: a model
 * whose warm-up item takes 100 ms a run would otherwise spend seconds of its load here (the
 * default conv models, timed on 256 px images in an experiment, took 50-350 ms a run at start-up
 * on 2 cores, and five runs a side added 2 s to each load). A size whose run fails (a graph whose
 * batch axis is declared dynamic but is not, memory) ends the climb at the size before it. Runs
 * on the loading thread, before the model's batcher starts, so nothing else runs the session
 * meanwhile. Stateless.
 */
public final class BatchCalibrator {
    static final long MIN_TIMED = 20_000_000;
    static final long MAX_TIMED = 250_000_000;
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
        Map<String, HeapTensor> one = BatchStacker.stack(List.of(item));
        repeat(one, runs); // untimed: warms the session, the JIT and the threads up
        List<Integer> sizes = BatchCalibration.candidates(ceiling);
        if (sizes.size() == 1) {
            return new BatchCalibration(1, margin, List.of(time(one, runs)), null);
        }
        List<BatchCalibration.SizeTiming> timings = new ArrayList<>();
        Map<String, HeapTensor> previous = one;
        String stopped = null;
        for (int size : sizes.subList(1, sizes.size())) {
            BatchCalibration.SizeTiming before;
            BatchCalibration.SizeTiming timing;
            Map<String, HeapTensor> batch;
            try {
                batch = BatchStacker.stack(Collections.nCopies(size, item));
                runner.run(batch, new RunControl()); // untimed: the first run of a shape allocates
                long[][] pair = alternate(previous, batch, runs);
                int previousSize =
                        timings.isEmpty() ? 1 : timings.get(timings.size() - 1).size();
                before = BatchCalibration.SizeTiming.of(previousSize, fastest(pair[0]));
                timing = BatchCalibration.SizeTiming.of(size, fastest(pair[1]));
            } catch (Exception e) {
                stopped = "a batch of " + size + " failed: " + e.getMessage();
                break;
            }
            if (timings.isEmpty()) {
                timings.add(before);
            } else if (before.msPerRun() < timings.get(timings.size() - 1).msPerRun()) {
                // The size before keeps its fastest of both spells. Only ever lower, so the size
                // before it still improves on it, and choose() below reads the decisions made here.
                timings.set(timings.size() - 1, before);
            }
            timings.add(timing);
            if (!BatchCalibration.improves(timings.get(timings.size() - 2), timing, margin)) {
                stopped = "a batch of " + size + " is not " + Math.round(margin * 100) + "% cheaper per image";
                break;
            }
            previous = batch;
        }
        if (timings.isEmpty()) { // a batch of 2 failed: size 1 alone
            timings.add(time(one, runs));
        }
        return new BatchCalibration(BatchCalibration.choose(timings, margin), margin, timings, stopped);
    }

    /**
     * Runs {@code a} and {@code b} in turn, {@code runs} times each (fewer, but at least 2, once a
     * side's runs last {@link #MAX_TIMED}) and more until each side's runs last {@link #MIN_TIMED},
     * at most {@link #MAX_RUNS} each; their times, a's then b's.
     */
    private long[][] alternate(Map<String, HeapTensor> a, Map<String, HeapTensor> b, int runs) throws Exception {
        long[] as = new long[MAX_RUNS];
        long[] bs = new long[MAX_RUNS];
        long totalA = 0;
        long totalB = 0;
        int n = 0;
        while (n < 2
                || (n < runs && Math.max(totalA, totalB) < MAX_TIMED)
                || ((totalA < MIN_TIMED || totalB < MIN_TIMED) && n < MAX_RUNS)) {
            as[n] = timed(a);
            bs[n] = timed(b);
            totalA += as[n];
            totalB += bs[n++];
        }
        return new long[][] {Arrays.copyOf(as, n), Arrays.copyOf(bs, n)};
    }

    private long timed(Map<String, HeapTensor> batch) throws Exception {
        long t0 = clock.getAsLong();
        runner.run(batch, new RunControl());
        return clock.getAsLong() - t0;
    }

    /**
     * {@code runs} runs (fewer, but at least 2, once they last {@link #MAX_TIMED}), and more until
     * they last {@link #MIN_TIMED}, at most {@link #MAX_RUNS}.
     */
    private long[] repeat(Map<String, HeapTensor> batch, int runs) throws Exception {
        long[] nanos = new long[MAX_RUNS];
        long total = 0;
        int n = 0;
        while (n < 2 || (n < runs && total < MAX_TIMED) || (total < MIN_TIMED && n < MAX_RUNS)) {
            nanos[n] = timed(batch);
            total += nanos[n++];
        }
        return Arrays.copyOf(nanos, n);
    }

    /** Size 1 alone: one untimed run, then the fastest of {@link #repeat}'s. */
    private BatchCalibration.SizeTiming time(Map<String, HeapTensor> one, int runs) throws Exception {
        runner.run(one, new RunControl()); // untimed, as before every timing
        return BatchCalibration.SizeTiming.of(1, fastest(repeat(one, runs)));
    }

    /** Milliseconds. */
    private static double fastest(long[] nanos) {
        return Arrays.stream(nanos).min().orElseThrow() / 1e6;
    }
}
