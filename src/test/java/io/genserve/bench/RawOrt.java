package io.genserve.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The limit the service is held against: the same graph run by ONNX Runtime in this process,
 * one calling thread (or {@code callers} threads sharing the session), back to back, with the
 * session options the service uses on this machine (intra-op threads = cores / callers unless told
 * otherwise, no spinning), at batch sizes 1, 2, 4 ... max. The process is otherwise idle
 * meanwhile, so its CPU time is ORT's, all intra-op threads included. Two callers with one
 * intra-op thread each is how the Node.js peer runs the model (a process per core).
 */
final class RawOrt {
    /** One batch size: images a second, the time of one run, and the CPU time of this process per image. */
    record Point(int batch, double imagesPerSecond, double p50RunMs, double p99RunMs, double cpuMsPerImage) {}

    private RawOrt() {}

    /**
     * @param intraOp ORT threads per run; 0 for the cores over the callers, as the service does
     * @param callers threads calling {@code run} at once on the one session
     */
    static List<Point> measure(
            Path onnx, Duration each, int maxBatch, int intraOp, int callers, long height, long width)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Point> out = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(
                    intraOp > 0 ? intraOp : Math.max(1, Runtime.getRuntime().availableProcessors() / callers));
            options.setMemoryPatternOptimization(false);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                for (int batch = 1; batch <= maxBatch; batch *= 2) {
                    Map<String, OnnxTensor> feed = feed(env, session, batch, height, width);
                    try {
                        runFor(session, feed, Duration.ofSeconds(1), callers); // warm-up: arenas for this shape
                        long cpu = Bench.cpuNanos();
                        long[] runs = runFor(session, feed, each, callers);
                        cpu = Bench.cpuNanos() - cpu;
                        out.add(new Point(
                                batch,
                                runs.length * batch / (each.toNanos() / 1e9),
                                percentile(runs, 50),
                                percentile(runs, 99),
                                cpu / 1e6 / ((long) runs.length * batch)));
                        System.err.println(out.get(out.size() - 1));
                    } finally {
                        feed.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
        return out;
    }

    /** Random inputs; the dynamic spatial axes of 4-d (NCHW) inputs get height x width. */
    private static Map<String, OnnxTensor> feed(
            OrtEnvironment env, OrtSession session, int batch, long height, long width) throws OrtException {
        Map<String, OnnxTensor> m = new HashMap<>();
        for (var e : session.getInputInfo().entrySet()) {
            TensorInfo info = (TensorInfo) e.getValue().getInfo();
            long[] shape = info.getShape().clone();
            shape[0] = batch;
            if (shape.length == 4 && shape[2] < 0) {
                shape[2] = height;
                shape[3] = width;
            }
            int n = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            if (info.type == OnnxJavaType.INT64) {
                m.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n]), shape));
            } else {
                float[] z = new float[n];
                Random r = new Random(batch);
                for (int i = 0; i < n; i++) {
                    z[i] = (float) r.nextGaussian();
                }
                m.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(z), shape));
            }
        }
        return m;
    }

    /** Nanoseconds of every run made in {@code d} by {@code callers} threads at once. */
    private static long[] runFor(OrtSession session, Map<String, OnnxTensor> feed, Duration d, int callers)
            throws Exception {
        if (callers == 1) {
            return runFor(session, feed, d);
        }
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<long[]>> each = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                each.add(pool.submit(() -> runFor(session, feed, d)));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : each) {
                all.add(f.get());
            }
            return all.stream().flatMapToLong(Arrays::stream).toArray();
        } finally {
            pool.shutdown();
        }
    }

    /** Nanoseconds of every run made in {@code d}. */
    private static long[] runFor(OrtSession session, Map<String, OnnxTensor> feed, Duration d) throws OrtException {
        List<Long> runs = new ArrayList<>();
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            try (OrtSession.Result r = session.run(feed)) {
                runs.add(System.nanoTime() - t0);
            }
        }
        return runs.stream().mapToLong(Long::longValue).toArray();
    }

    private static double percentile(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
