package io.genserve.bench;

import io.genserve.GenserveApplication;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Load benchmark, run on demand (not a test). Starts the service in this JVM on a model
 * repository and drives one endpoint with {@code wrk} in its own process: closed loops at several
 * concurrencies, then a paced load at half the saturation throughput, once with batching on and
 * once off ({@code max-batch-size} 1); then runs the same graph with raw ONNX Runtime in this
 * process at batch sizes 1..max. Everything in one run, so the ratios are comparable on a noisy
 * machine. Prints Markdown tables and the ratios the batching issue asks for. See bench/run.sh.
 */
public final class Bench {
    /** One closed-loop load on one setup, with what the service measured meanwhile. */
    record Row(
            String setup,
            int concurrency,
            Wrk.Load load,
            double meanBatch,
            double cpuMsPerRequest,
            double ortMsPerImage) {}

    /**
     * The paced load at half of one setup's saturation throughput, and the same pacing on the
     * liveness probe: a request that does no work, the tail of HTTP, JVM and scheduler alone.
     */
    record Paced(String setup, double saturation, Wrk.Load load, Wrk.Load floor) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        a.putAll(Map.of(
                "--models", "models",
                "--endpoint", "generate",
                "--model", "fashion-gan",
                "--seconds", "8",
                "--concurrency", "1,4,16,32,64",
                "--max-batch", "32",
                "--delay", "0ms",
                "--image", "",
                "--raw-size", "304x208", // what the service feeds for a 301x203 photo: a multiple of 8
                "--warmup", "15"));
        a.put("--setups", "on,off");
        a.put("--intra-op", "0"); // ORT threads per run, service and raw; 0: the service's default, the cores
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!Wrk.installed()) {
            throw new IllegalStateException("the bench drives the service with wrk: apt-get install wrk");
        }
        Path models = Path.of(a.get("--models"));
        String endpoint = a.get("--endpoint");
        String model = a.get("--model");
        Duration each = Duration.ofSeconds(Long.parseLong(a.get("--seconds")));
        int[] concurrencies = Arrays.stream(a.get("--concurrency").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int maxBatch = Integer.parseInt(a.get("--max-batch"));
        String body = body(endpoint, model, a.get("--image"));

        List<Row> rows = new ArrayList<>();
        List<Paced> paced = new ArrayList<>();
        for (String which : a.get("--setups").split(",")) {
            boolean batching = which.equals("on");
            String setup =
                    batching ? "batching on (max " + maxBatch + ", " + a.get("--delay") + ")" : "batching off (max 1)";
            ConfigurableApplicationContext context = new SpringApplication(GenserveApplication.class)
                    .run(
                            "--server.port=0",
                            "--management.server.port=0",
                            "--genserve.model-repository=" + models,
                            "--spring.main.banner-mode=off",
                            "--logging.level.root=WARN",
                            "--springdoc.api-docs.enabled=false",
                            "--springdoc.swagger-ui.enabled=false",
                            "--genserve.batching.max-queue-size=1024",
                            "--server.tomcat.threads.max=256",
                            "--genserve.onnx.intra-op-threads=" + a.get("--intra-op"),
                            "--genserve.batching.max-batch-size=" + (batching ? maxBatch : 1),
                            "--genserve.batching.max-delay=" + (batching ? a.get("--delay") : "0ms"));
            try {
                int port =
                        ((WebServerApplicationContext) context).getWebServer().getPort();
                Wrk wrk = new Wrk(port, "/" + endpoint, body);
                int managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
                Scrape scrape = new Scrape(managementPort, model);
                // Warm-up: JIT, pools, ORT arenas. Measured: with 2 s the setup that ran first was up to 4x slower.
                wrk.closedLoop(16, Duration.ofSeconds(Long.parseLong(a.get("--warmup"))));
                double saturation = 0;
                double serviceMs = Double.NaN;
                for (int c : concurrencies) {
                    Scrape.Snapshot before = scrape.snapshot(cpuNanos());
                    Wrk.Load load = wrk.closedLoop(c, each);
                    Scrape.Snapshot after = scrape.snapshot(cpuNanos());
                    double items = after.items() - before.items();
                    double runs = after.runs() - before.runs();
                    rows.add(new Row(
                            setup,
                            c,
                            load,
                            runs == 0 ? 0 : items / runs,
                            (after.cpuNanos() - before.cpuNanos()) / 1e6 / Math.max(1, load.requests()),
                            items == 0 ? 0 : (after.inferenceSeconds() - before.inferenceSeconds()) * 1e3 / items));
                    System.err.println(rows.get(rows.size() - 1));
                    saturation = Math.max(saturation, load.perSecond());
                    serviceMs = Double.isNaN(serviceMs) ? load.p50() : serviceMs; // the lowest concurrency's
                }
                Wrk.Load half = wrk.paced(saturation / 2, serviceMs, each);
                Wrk.Load floor =
                        new Wrk(managementPort, "/actuator/health/liveness", null).paced(half.perSecond(), 0, each);
                paced.add(new Paced(setup, saturation, half, floor));
                System.err.println(paced.get(paced.size() - 1));
            } finally {
                context.close();
            }
        }
        String[] rawSize = a.get("--raw-size").split("x");
        List<RawOrt.Point> raw = RawOrt.measure(
                models.resolve(model).resolve("model.onnx"),
                each,
                maxBatch,
                Integer.parseInt(a.get("--intra-op")),
                Long.parseLong(rawSize[1]),
                Long.parseLong(rawSize[0]));
        System.out.println(BenchReport.markdown(endpoint, model, rows, paced, raw));
    }

    /** CPU time of this whole process: the service, since wrk runs in its own. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The JSON every request posts: a random seed each time for /generate, the given photo otherwise. */
    static String body(String endpoint, String model, String image) throws Exception {
        if (endpoint.equals("generate")) {
            return "{\"model\": \"" + model + "\"}";
        }
        byte[] photo = Files.readAllBytes(Path.of(image));
        String b64 = Base64.getEncoder().encodeToString(photo);
        if (endpoint.equals("inpaint")) {
            return "{\"model\": \"" + model + "\", \"image\": \"" + b64 + "\", \"mask\": \""
                    + Base64.getEncoder().encodeToString(mask(photo)) + "\"}";
        }
        return "{\"style\": \"" + model + "\", \"image\": \"" + b64 + "\"}";
    }

    /** A white rectangle over the middle of the photo, a sixteenth of its area. */
    private static byte[] mask(byte[] photo) throws Exception {
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(photo));
        BufferedImage m = new BufferedImage(decoded.getWidth(), decoded.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = m.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(decoded.getWidth() / 3, decoded.getHeight() / 3, decoded.getWidth() / 4, decoded.getHeight() / 4);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(m, "png", out);
        return out.toByteArray();
    }
}
