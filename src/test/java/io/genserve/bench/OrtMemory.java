package io.genserve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Resident memory of ONNX Runtime on the fully convolutional models of a repository when they are
 * fed many different image sizes (onnxruntime issue 29538 reports 3-4x more memory from 1.24 on).
 * Uses the service's session settings. Run it once per ORT version, in a fresh JVM each time:
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.OrtMemory \
 *     -Donnxruntime.version=1.29.0 -Dexec.args="models"</pre>
 */
public final class OrtMemory {
    public static void main(String[] args) throws Exception {
        Path repository = Path.of(args.length > 0 ? args[0] : "models");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        System.out.printf("ORT %s, baseline RSS %.0f MiB%n", env.getVersion(), rssMiB());
        List<Path> graphs;
        try (Stream<Path> s = Files.list(repository)) {
            graphs = s.map(d -> d.resolve("model.onnx"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
        int[] sides = {128, 136, 200, 256, 264, 301, 320, 384, 400, 448, 512, 520, 600, 640, 704, 768};
        for (Path graph : graphs) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
                options.setMemoryPatternOptimization(false);
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
                try (OrtSession session = env.createSession(graph.toString(), options)) {
                    Map<String, long[]> shapes = new HashMap<>();
                    boolean image = true;
                    for (var e : session.getInputInfo().entrySet()) {
                        long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
                        image &= shape.length == 4 && shape[2] < 0 && shape[3] < 0;
                        shapes.put(e.getKey(), shape);
                    }
                    if (!image) {
                        continue; // only graphs that take any image size
                    }
                    double peak = 0;
                    for (int round = 0; round < 2; round++) {
                        for (int side : sides) {
                            int h = side / 8 * 8, w = (side * 3 / 4) / 8 * 8;
                            Map<String, OnnxTensor> feed = new HashMap<>();
                            for (var e : shapes.entrySet()) {
                                long[] s = e.getValue().clone();
                                s[0] = 1;
                                s[2] = h;
                                s[3] = w;
                                feed.put(
                                        e.getKey(),
                                        OnnxTensor.createTensor(
                                                env, FloatBuffer.wrap(new float[(int) (s[1] * h * w)]), s));
                            }
                            try (OrtSession.Result r = session.run(feed)) {
                                peak = Math.max(peak, rssMiB());
                            } finally {
                                feed.values().forEach(OnnxTensor::close);
                            }
                        }
                    }
                    System.out.printf(
                            "%-24s after %d sizes x2: RSS %.0f MiB (peak %.0f MiB)%n",
                            graph.getParent().getFileName(), sides.length, rssMiB(), peak);
                }
            }
        }
        System.out.printf("ORT %s, final RSS %.0f MiB%n", env.getVersion(), rssMiB());
    }

    static double rssMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
