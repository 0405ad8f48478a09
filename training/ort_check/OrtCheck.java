// Runs one ONNX model with ONNX Runtime's Java API on inputs stored as raw little-endian files
// and writes every output next to them. Used by training/verify_onnx.py (the Debian build box has
// no onnxruntime for Python); launched as a single-file program:
//   java -cp onnxruntime-<v>.jar training/ort_check/OrtCheck.java MODEL OUTDIR name:dtype:d0,d1,..:file ...
// dtype is float32 or int64. Prints one line per output: name dims.
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

public class OrtCheck {
    public static void main(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path outDir = Path.of(args[1]);
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(args[0], opts)) {
                Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
                try {
                    for (int i = 2; i < args.length; i++) {
                        String[] p = args[i].split(":", 4);
                        long[] shape = Arrays.stream(p[2].split(",")).mapToLong(Long::parseLong).toArray();
                        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(Path.of(p[3]))).order(ByteOrder.LITTLE_ENDIAN);
                        OnnxTensor t = p[1].equals("int64")
                                ? OnnxTensor.createTensor(env, buf.asLongBuffer(), shape)
                                : OnnxTensor.createTensor(env, buf.asFloatBuffer(), shape);
                        feeds.put(p[0], t);
                    }
                    try (OrtSession.Result result = session.run(feeds)) {
                        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                            OnnxTensor t = (OnnxTensor) e.getValue();
                            java.nio.FloatBuffer fb = t.getFloatBuffer();
                            ByteBuffer out = ByteBuffer.allocate(fb.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
                            out.asFloatBuffer().put(fb);
                            Files.write(outDir.resolve(e.getKey() + ".out.bin"), out.array());
                            System.out.println(e.getKey() + " " + Arrays.toString(t.getInfo().getShape()));
                        }
                    }
                } finally {
                    for (OnnxTensor t : feeds.values()) t.close();
                }
            }
        }
    }
}
