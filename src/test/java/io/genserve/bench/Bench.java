package io.genserve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.genserve.GenserveApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Load benchmark, run on demand (not a test): starts the service in this JVM on a model repository,
 * drives an endpoint with closed-loop clients at several concurrencies, with batching on and off,
 * and measures raw in-process ONNX Runtime on the same graph at the same batch sizes. Everything
 * in one run, so the ratios are comparable on a noisy machine. Prints a Markdown table.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.Bench \
 *     -Dexec.args="--models models --endpoint generate --model fashion-gan --seconds 8"</pre>
 */
public final class Bench {
    record Result(
            String setup, int concurrency, double throughput, double p50, double p99, long errors, double meanBatch) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of(
                "--models",
                "models",
                "--endpoint",
                "generate",
                "--model",
                "fashion-gan",
                "--seconds",
                "8",
                "--concurrency",
                "1,4,16,32,64",
                "--max-batch",
                "32",
                "--delay",
                "0ms",
                "--image",
                ""));
        a.put("--raw-size", "304x208");
        a.put("--setups", "on,off");
        a.put("--warmup", "15"); // what the service feeds for a 301x203 photo and a multiple of 8
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        Path models = Path.of(a.get("--models"));
        String endpoint = a.get("--endpoint");
        String model = a.get("--model");
        Duration each = Duration.ofSeconds(Long.parseLong(a.get("--seconds")));
        int[] concurrencies = Arrays.stream(a.get("--concurrency").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int maxBatch = Integer.parseInt(a.get("--max-batch"));
        byte[] image = a.get("--image").isEmpty() ? null : Files.readAllBytes(Path.of(a.get("--image")));

        List<Result> results = new ArrayList<>();
        // --setups off,on measures batching off first: the JIT is warmer for whichever setup runs second.
        for (String which : a.get("--setups").split(",")) {
            boolean batching = which.equals("on");
            String setup =
                    batching ? "batching on (max " + maxBatch + ", " + a.get("--delay") + ")" : "batching off (max 1)";
            ConfigurableApplicationContext context = new SpringApplication(GenserveApplication.class)
                    .run(
                            "--server.port=0",
                            "--genserve.model-repository=" + models,
                            "--spring.main.banner-mode=off",
                            "--logging.level.root=WARN",
                            "--genserve.batching.max-queue-size=1024",
                            "--server.tomcat.threads.max=256",
                            "--genserve.batching.max-batch-size=" + (batching ? maxBatch : 1),
                            "--genserve.batching.max-delay=" + (batching ? a.get("--delay") : "0ms"));
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            try {
                Client client = new Client(port, endpoint, model, image);
                // Warm-up: JIT, pools, ORT arenas. Measured: with 2 s the setup that ran first was up to 4x slower.
                client.drive(16, Duration.ofSeconds(Long.parseLong(a.get("--warmup"))));
                for (int c : concurrencies) {
                    double runsBefore = client.metric("genserve_batch_size_count");
                    double itemsBefore = client.metric("genserve_batch_size_sum");
                    Load load = client.drive(c, each);
                    double runs = client.metric("genserve_batch_size_count") - runsBefore;
                    double items = client.metric("genserve_batch_size_sum") - itemsBefore;
                    results.add(new Result(
                            setup,
                            c,
                            load.throughput(),
                            load.percentile(50),
                            load.percentile(99),
                            load.errors,
                            runs == 0 ? 0 : items / runs));
                    System.err.println(results.get(results.size() - 1));
                }
            } finally {
                context.close();
            }
        }
        String[] rawSize = a.get("--raw-size").split("x");
        List<Result> raw = rawOrt(
                models.resolve(model).resolve("model.onnx"),
                each,
                maxBatch,
                Long.parseLong(rawSize[1]),
                Long.parseLong(rawSize[0]));
        System.out.println(table(endpoint, model, results, raw));
    }

    /** Raw ONNX Runtime on one thread: the same graph, random latents and labels, batch sizes 1..max. */
    static List<Result> rawOrt(Path onnx, Duration each, int maxBatch, long height, long width) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Result> out = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            options.setMemoryPatternOptimization(false);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                for (int b = 1; b <= maxBatch; b *= 2) {
                    int batch = b;
                    Supplier<Map<String, OnnxTensor>> feed = () -> feed(env, session, batch, height, width);
                    run(session, feed, Duration.ofSeconds(1));
                    Load load = run(session, feed, each);
                    out.add(new Result(
                            "raw ORT, batch " + batch,
                            batch,
                            load.throughput() * batch,
                            load.percentile(50),
                            load.percentile(99),
                            0,
                            batch));
                    System.err.println(out.get(out.size() - 1));
                }
            }
        }
        return out;
    }

    /** Random inputs; the dynamic spatial axes of 4-d (NCHW) inputs get height x width. */
    static Map<String, OnnxTensor> feed(OrtEnvironment env, OrtSession session, int batch, long height, long width) {
        try {
            Map<String, OnnxTensor> m = new HashMap<>();
            for (var e : session.getInputInfo().entrySet()) {
                long[] shape = ((ai.onnxruntime.TensorInfo) e.getValue().getInfo())
                        .getShape()
                        .clone();
                shape[0] = batch;
                if (shape.length == 4 && shape[2] < 0) {
                    shape[2] = height;
                    shape[3] = width;
                }
                int n = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
                if (((ai.onnxruntime.TensorInfo) e.getValue().getInfo()).type == ai.onnxruntime.OnnxJavaType.INT64) {
                    m.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n]), shape));
                } else {
                    float[] z = new float[n];
                    java.util.Random r = new java.util.Random(batch);
                    for (int i = 0; i < n; i++) {
                        z[i] = (float) r.nextGaussian();
                    }
                    m.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(z), shape));
                }
            }
            return m;
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    static Load run(OrtSession session, Supplier<Map<String, OnnxTensor>> feed, Duration d) throws Exception {
        Load load = new Load(d);
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            Map<String, OnnxTensor> in = feed.get();
            long t0 = System.nanoTime();
            try (OrtSession.Result r = session.run(in)) {
                load.latencies.add(System.nanoTime() - t0);
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }
        return load;
    }

    static final class Load {
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        final Duration duration;
        long errors;

        Load(Duration duration) {
            this.duration = duration;
        }

        double throughput() {
            return latencies.size() / (duration.toNanos() / 1e9);
        }

        /** Milliseconds. */
        double percentile(int p) {
            long[] sorted =
                    latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            if (sorted.length == 0) {
                return Double.NaN;
            }
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
        }
    }

    /** Closed-loop HTTP clients: each sends its next request when the previous one is answered. */
    static final class Client {
        final HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final String base;
        final String endpoint;
        final String model;
        final byte[] image;

        Client(int port, String endpoint, String model, byte[] image) {
            this.base = "http://127.0.0.1:" + port;
            this.endpoint = endpoint;
            this.model = model;
            this.image = image;
        }

        HttpRequest request(int seed) {
            String json = switch (endpoint) {
                case "generate" -> "{\"model\": \"" + model + "\", \"seed\": " + seed + "}";
                case "inpaint" ->
                    "{\"model\": \"" + model + "\", \"image\": \"" + b64(image) + "\", \"mask\": \"" + b64(mask())
                            + "\"}";
                default -> "{\"style\": \"" + model + "\", \"image\": \"" + b64(image) + "\"}";
            };
            return HttpRequest.newBuilder(URI.create(base + "/" + endpoint))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build();
        }

        private byte[] maskBytes;

        byte[] mask() {
            if (maskBytes == null) {
                try {
                    var decoded = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(image));
                    var m = new java.awt.image.BufferedImage(
                            decoded.getWidth(), decoded.getHeight(), java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                    var g = m.createGraphics();
                    g.setColor(java.awt.Color.WHITE);
                    g.fillRect(
                            decoded.getWidth() / 3,
                            decoded.getHeight() / 3,
                            decoded.getWidth() / 4,
                            decoded.getHeight() / 4);
                    g.dispose();
                    var out = new java.io.ByteArrayOutputStream();
                    javax.imageio.ImageIO.write(m, "png", out);
                    maskBytes = out.toByteArray();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return maskBytes;
        }

        static String b64(byte[] b) {
            return java.util.Base64.getEncoder().encodeToString(b);
        }

        Load drive(int concurrency, Duration d) throws InterruptedException {
            Load load = new Load(d);
            long end = System.nanoTime() + d.toNanos();
            AtomicInteger seeds = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(concurrency);
            for (int i = 0; i < concurrency; i++) {
                Thread t = new Thread(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            long t0 = System.nanoTime();
                            HttpResponse<byte[]> r = http.send(
                                    request(seeds.incrementAndGet()), HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() == 200) {
                                load.latencies.add(System.nanoTime() - t0);
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        errors.incrementAndGet();
                    } finally {
                        done.countDown();
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            done.await();
            load.errors = errors.get();
            return load;
        }

        double metric(String name) throws IOException, InterruptedException {
            String body = http.send(
                            HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = Pattern.compile("(?m)^" + name + "\\{model=\"" + Pattern.quote(model) + "\"} (\\S+)$")
                    .matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        }
    }

    static String table(String endpoint, String model, List<Result> service, List<Result> raw) {
        StringBuilder b = new StringBuilder();
        b.append("Endpoint /")
                .append(endpoint)
                .append(", model ")
                .append(model)
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, ")
                .append(System.getProperty("java.version"))
                .append("\n\n");
        b.append(
                "| setup | concurrency | req/s | p50 ms | p99 ms | mean batch | errors |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : service) {
            b.append(String.format(
                    "| %s | %d | %.1f | %.1f | %.1f | %.1f | %d |%n",
                    r.setup(), r.concurrency(), r.throughput(), r.p50(), r.p99(), r.meanBatch(), r.errors()));
        }
        if (!raw.isEmpty()) {
            b.append(
                    "\n| raw ONNX Runtime, one thread | batch | images/s | p50 ms/run | p99 ms/run |\n|---|---:|---:|---:|---:|\n");
            for (Result r : raw) {
                b.append(String.format(
                        "| %s | %d | %.1f | %.2f | %.2f |%n",
                        r.setup(), r.concurrency(), r.throughput(), r.p50(), r.p99()));
            }
        }
        return b.toString();
    }
}
