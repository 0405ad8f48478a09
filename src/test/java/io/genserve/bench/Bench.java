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
 * machine. Prints Markdown tables and the ratios the batching issue asks for. With {@code --peer
 * bench/node-peer}, {@code /generate} also runs beside the Node.js peer ({@link PeerRounds}). See
 * bench/run.sh.
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
        a.put("--setups", "auto,on,off"); // or none
        a.put("--intra-op", "0"); // ORT threads per run, service and raw; 0: the service's default, the cores
        a.put("--raw-callers", "1"); // threads calling raw ORT at once (2: as the Node peer runs it on 2 cores)
        // The Node.js peer (bench/node-peer), /generate only: empty for none; see PeerRounds
        a.putAll(Map.of(
                "--peer", "",
                "--peer-rounds", "3",
                "--peer-concurrency", "32",
                "--peer-processes", "0", // 0: one per core
                "--peer-intra-op", "0", // 0: cores / processes, the service's rule
                "--peer-genserve", "")); // settings for Genserve beside the peer, comma-separated; none: as shipped
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
            if (which.equals("none")) { // raw ORT (and the peer) only
                continue;
            }
            // on: a fixed largest batch; auto: what the service measures at load (its default); off: 1
            String maxBatchSize = switch (which) {
                case "on" -> Integer.toString(maxBatch);
                case "auto" -> "auto";
                case "off" -> "1";
                default -> throw new IllegalArgumentException("setup " + which + ": on, auto or off");
            };
            boolean batching = !which.equals("off");
            ConfigurableApplicationContext context = start(
                    models,
                    a.get("--intra-op"),
                    "--genserve.batching.max-batch-size=" + maxBatchSize,
                    "--genserve.batching.max-delay=" + (batching ? a.get("--delay") : "0ms"));
            try {
                int port =
                        ((WebServerApplicationContext) context).getWebServer().getPort();
                String setup = switch (which) {
                    case "on" -> "batching on (max " + maxBatch + ", " + a.get("--delay") + ")";
                    case "auto" -> "batching auto (chose " + chosenBatch(port, model) + ", " + a.get("--delay") + ")";
                    default -> "batching off (max 1)";
                };
                Wrk wrk = new Wrk(port, "/" + endpoint, body);
                int managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
                Scrape scrape = new Scrape(managementPort, model);
                // Warm-up: JIT, pools, ORT arenas, at every concurrency measured (JitWarmup says why).
                // Measured: with 2 s the setup that ran first was up to 4x slower.
                Wrk probe = new Wrk(managementPort, "/actuator/health/liveness", null);
                JitWarmup.Step scrapeAndProbe = () -> {
                    scrape.snapshot(cpuNanos());
                    probe.closedLoop(4, JitWarmup.STEP);
                };
                Duration warmup = Duration.ofSeconds(Long.parseLong(a.get("--warmup")));
                System.err.println(setup + ": " + JitWarmup.warm(wrk, warmup, scrapeAndProbe, concurrencies));
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
                Wrk.Load floor = probe.paced(half.perSecond(), 0, each);
                paced.add(new Paced(setup, saturation, half, floor));
                System.err.println(paced.get(paced.size() - 1));
            } finally {
                context.close();
            }
        }
        String peer = endpoint.equals("generate") && !a.get("--peer").isEmpty() ? beside(a, models, body) : "";
        String[] rawSize = a.get("--raw-size").split("x");
        int rawCallers = Integer.parseInt(a.get("--raw-callers"));
        List<RawOrt.Point> raw = RawOrt.measure(
                models.resolve(model).resolve("model.onnx"),
                each,
                maxBatch,
                Integer.parseInt(a.get("--intra-op")),
                rawCallers,
                Long.parseLong(rawSize[1]),
                Long.parseLong(rawSize[0]));
        System.out.println(BenchReport.markdown(endpoint, model, rows, paced, raw, rawCallers) + peer);
    }

    /** The largest batch the service runs {@code model} with, as {@code GET /models/{model}} reports it. */
    private static String chosenBatch(int port, String model) throws Exception {
        String json = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + port + "/models/" + model))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"maxBatchSize\":(\\d+)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    /** The service in this JVM on a free port, with the bench's settings and then {@code more}. */
    static ConfigurableApplicationContext start(Path models, String intraOp, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--management.server.port=0",
                "--genserve.model-repository=" + models,
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN",
                "--springdoc.api-docs.enabled=false",
                "--springdoc.swagger-ui.enabled=false",
                "--genserve.batching.max-queue-size=1024",
                "--server.tomcat.threads.max=256",
                "--genserve.grpc.port=0", // another service on the machine may hold 8082
                "--genserve.onnx.intra-op-threads=" + intraOp));
        args.addAll(List.of(more));
        return new SpringApplication(GenserveApplication.class).run(args.toArray(String[]::new));
    }

    /**
     * Genserve with its default batching beside the Node.js peer, in alternating rounds of the
     * same load (see {@link PeerRounds}); the Markdown of the result.
     */
    private static String beside(Map<String, String> a, Path models, String body) throws Exception {
        String model = a.get("--model");
        String[] settings = a.get("--peer-genserve").isEmpty()
                ? new String[0]
                : a.get("--peer-genserve").split(",");
        try (ConfigurableApplicationContext context = start(models, a.get("--intra-op"), settings);
                NodePeer node = NodePeer.start(
                        Path.of(a.get("--peer")),
                        models.resolve(model),
                        Integer.parseInt(a.get("--peer-processes")),
                        Integer.parseInt(a.get("--peer-intra-op")))) {
            var env = context.getEnvironment();
            PeerRounds.Target genserve = new PeerRounds.Target(
                    "Genserve",
                    "this JVM, the service's default batching (max-batch-size "
                            + env.getProperty("genserve.batching.max-batch-size", "its default") + ", max-delay "
                            + env.getProperty("genserve.batching.max-delay", "its default") + "), intra-op threads "
                            + env.getProperty("genserve.onnx.intra-op-threads", "0") + " (0: cores / concurrent runs)"
                            + (settings.length == 0 ? "" : ", and " + String.join(" ", settings)),
                    ((WebServerApplicationContext) context).getWebServer().getPort(),
                    Bench::cpuNanos);
            PeerRounds.Target peer = new PeerRounds.Target(
                    "Node peer", "bench/node-peer: " + node.description(), node.port(), node::cpuNanos);
            PeerRounds.Result result = PeerRounds.measure(
                    genserve,
                    peer,
                    model,
                    body,
                    Integer.parseInt(a.get("--peer-concurrency")),
                    Integer.parseInt(a.get("--peer-rounds")),
                    Duration.ofSeconds(Long.parseLong(a.get("--seconds"))),
                    Duration.ofSeconds(Long.parseLong(a.get("--warmup"))));
            return "\n" + result.markdown();
        }
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
