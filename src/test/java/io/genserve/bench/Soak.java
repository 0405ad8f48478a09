package io.genserve.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak of the hostile-traffic issue, run on demand (bench/soak.sh), never in the test suite:
 * the packaged service in its own JVM (as the container runs it), one endpoint at a time. After a
 * warm-up it measures the saturation throughput S (the best of closed loops at 8, 32, 64 and 128
 * connections), then runs a paced
 * load at 2 S for the soak time in three equal parts; during the middle part a second load floods
 * with 16x the connections that saturate, closed loop (clients that ignore Retry-After), and 200
 * clients send bodies a byte a second, reconnecting when cut. Throughout, the liveness probe is asked every 250 ms, a witness client sends the same
 * request at a slow pace and times its successes, and the service's RSS is sampled every second;
 * then 60 s of quiet, and RSS again. Prints one Markdown table per endpoint.
 *
 * <p>Arguments: {@code --jar target/genserve-0.1.0-SNAPSHOT.jar --minutes 5 --endpoints generate,style-transfer
 * --image PHOTO --heap 1g}.
 */
public final class Soak {
    private Soak() {}

    /** Connections that saturate the service; the flood has 16x as many. */
    static final int SATURATING_CONNECTIONS = 32;
    /** The closed loops S is the best of, each this long. */
    static final List<Integer> SATURATION_PROBES = List.of(8, SATURATING_CONNECTIONS, 64, 128);

    static final Duration SATURATION_PROBE_TIME = Duration.ofSeconds(15);
    /** The flood's connections, closed loop: 16x those that saturate. */
    static final int FLOOD_CONNECTIONS = 16 * SATURATING_CONNECTIONS;

    record Setup(String endpoint, String model, String body) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>(Map.of(
                "--jar", "target/genserve-0.1.0-SNAPSHOT.jar",
                "--minutes", "5",
                "--endpoints", "generate,style-transfer",
                "--image", "src/test/resources/fixtures/photo-301x203.png",
                "--heap", "1g",
                "--port", "18480"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!Wrk.installed()) {
            throw new IllegalStateException("the soak drives the service with wrk: apt-get install wrk");
        }
        for (String endpoint : a.get("--endpoints").split(",")) {
            String model = switch (endpoint) {
                case "generate" -> "fashion-gan";
                case "style-transfer" -> "style-starry-night";
                default -> throw new IllegalArgumentException("endpoint " + endpoint + ": generate or style-transfer");
            };
            System.out.println(soak(new Setup(endpoint, model, Bench.body(endpoint, model, a.get("--image"))), a));
        }
    }

    /**
     * The packaged service in a JVM of its own, as docker/entrypoint.sh runs it (G1) with the heap of a
     * 2 GiB container (MaxRAMPercentage=50): {@code --java} (default: the java on the PATH), {@code
     * --heap}, {@code --jvm} (more JVM flags, space-separated) and {@code --args} (more application
     * arguments); the API on {@code port}, management on the next port; its output in a temp file.
     */
    static Process startService(Map<String, String> a, int port) throws IOException {
        Path log = Files.createTempFile("genserve-bench-service", ".log");
        List<String> command = new ArrayList<>();
        // PODS=1 or pinned: a cpu cgroup or a CPU of its own; without PODS, pod.sh just runs it (same pid).
        command.addAll(List.of("bench/pod.sh", "service"));
        // G1 as docker/entrypoint.sh sets it: pinned to one CPU the JVM would pick Serial, which is not what ships.
        command.addAll(List.of(a.getOrDefault("--java", "java"), "-XX:+UseG1GC", "-Xmx" + a.get("--heap")));
        command.addAll(words(a.get("--jvm")));
        command.addAll(List.of(
                "-jar",
                a.get("--jar"),
                "--server.port=" + port,
                "--management.server.port=" + (port + 1),
                "--logging.level.root=WARN",
                "--springdoc.api-docs.enabled=false"));
        command.addAll(words(a.get("--args")));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    static String soak(Setup setup, Map<String, String> a) throws Exception {
        int port = Integer.parseInt(a.get("--port"));
        int management = port + 1;
        Process service = startService(a, port);
        try {
            Probe probe = new Probe(management);
            probe.awaitReady(Duration.ofMinutes(3));
            Wrk load = new Wrk(port, "/" + setup.endpoint(), setup.body());
            // JIT (measured on /generate: ~40 s of load before the compilers go quiet), pools, ORT arenas
            load.closedLoop(16, Duration.ofSeconds(45));
            // S: the best of several closed loops. 32 connections alone under-measured /generate by 13 to
            // 40% (bench/flood.sh: 128 got 767/s where 32 got 550 to 680/s in runs of the same day),
            // and a yardstick set too low flatters the flood's goodput. 8 for the slow endpoints: at 32
            // connections /style-transfer answers each in ~6 s, so a 15 s loop sees its ramp, not its rate.
            Map<Integer, Double> closedLoops = new TreeMap<>();
            Wrk.Load saturation = null;
            for (int connections : SATURATION_PROBES) {
                Wrk.Load l = load.closedLoop(connections, SATURATION_PROBE_TIME);
                closedLoops.put(connections, l.statusCount(200) / (double) SATURATION_PROBE_TIME.toSeconds());
                if (saturation == null || l.statusCount(200) > saturation.statusCount(200)) {
                    saturation = l;
                }
            }
            double s = Collections.max(closedLoops.values());
            long rssStart = rssMiB(service);

            Rss rss = new Rss(service);
            Witness witness = new Witness(port, setup);
            rss.start();
            probe.start();
            witness.start();
            Duration third = Duration.ofSeconds(Long.parseLong(a.get("--minutes")) * 20);
            Wrk.Load before = load.pacedOver(2 * s, saturation.p50(), third);
            SlowClients slow = new SlowClients(port, "/" + setup.endpoint(), 200);
            slow.start();
            Wrk flooder = new Wrk(port, "/" + setup.endpoint(), setup.body());
            // A flood that ignores Retry-After: 16x the connections that saturate, each sending its next
            // request the moment it is answered. (Paced at 16x S instead, wrk's connections wait for
            // their answers, so a slow endpoint was never offered more than a few times S.)
            Wrk.Running flood = flooder.startClosedLoop(FLOOD_CONNECTIONS, third);
            Wrk.Load during = load.pacedOver(2 * s, saturation.p50(), third);
            Wrk.Load flooded = flood.finish();
            slow.stop();
            Wrk.Load after = load.pacedOver(2 * s, saturation.p50(), third);
            witness.stop();
            probe.stop();
            Thread.sleep(60_000);
            rss.stop();
            long rssAfter = rssMiB(service);

            return report(
                    setup,
                    s,
                    closedLoops,
                    before,
                    during,
                    flooded,
                    after,
                    third,
                    slow,
                    witness,
                    probe,
                    rssStart,
                    rss.peak(),
                    rssAfter);
        } finally {
            service.destroy();
            service.waitFor();
        }
    }

    private static String report(
            Setup setup,
            double s,
            Map<Integer, Double> closedLoops,
            Wrk.Load before,
            Wrk.Load during,
            Wrk.Load flooded,
            Wrk.Load after,
            Duration third,
            SlowClients slow,
            Witness witness,
            Probe probe,
            long rssStart,
            long rssPeak,
            long rssAfter) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%n### Soak: `/%s` on `%s`, %d min at 2x saturation; in the middle third a flood (16x the connections"
                        + " that saturate) and 200 slow clients%n%n",
                setup.endpoint(),
                setup.model(),
                third.toSeconds() * 3 / 60));
        out.append(String.format(
                Locale.ROOT,
                "Saturation S (the best closed loop; successes/s by connections: %s): %.1f successes/s%n%n",
                closedLoops.entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%d: %.1f", e.getKey(), e.getValue()))
                        .collect(java.util.stream.Collectors.joining(", ")),
                s));
        out.append(
                "| phase | offered req/s | successes/s | goodput / S | statuses | problem types | socket errors |\n");
        out.append("|---|---:|---:|---:|---|---|---:|\n");
        long seconds = third.toSeconds();
        row(out, "2x S, before the flood", before, seconds, s);
        row(out, "2x S, during the flood", during, seconds, s);
        row(out, "flood: " + FLOOD_CONNECTIONS + " connections, closed loop, ignores Retry-After", flooded, seconds, s);
        row(out, "2x S, after the flood", after, seconds, s);
        out.append(String.format(
                Locale.ROOT, "%nSlow clients (a byte a second, reconnecting when cut): %s%n", slow.answers()));
        out.append(String.format(
                Locale.ROOT,
                "Witness (one request at a time, all phases): %d answers %s; successes p50 %.1f ms, p99 %.1f ms%n",
                witness.count(),
                witness.statuses(),
                witness.percentile(0.5),
                witness.percentile(0.99)));
        out.append(String.format(
                Locale.ROOT,
                "Liveness probe every 250 ms: %d asked, %d not answered 200 within 1 s, p99 %.1f ms, max %.1f ms%n",
                probe.count(),
                probe.failures(),
                probe.percentile(0.99),
                probe.percentile(1.0)));
        out.append(String.format(
                Locale.ROOT,
                "RSS: %d MiB before the load, %d MiB at its peak, %d MiB 60 s after it stopped (%+.0f%% of before)%n",
                rssStart,
                rssPeak,
                rssAfter,
                100.0 * (rssAfter - rssStart) / rssStart));
        return out.toString();
    }

    private static void row(StringBuilder out, String phase, Wrk.Load l, long seconds, double s) {
        double ok = l.statusCount(200) / (double) seconds;
        out.append(String.format(
                Locale.ROOT,
                "| %s | %.1f | %.1f | %.0f%% | %s | %s | %d%s |%n",
                phase,
                l.requests() / (double) seconds,
                ok,
                100 * ok / s,
                l.statuses(),
                l.problems().isEmpty() ? "" : l.problems(),
                l.socketErrors(),
                l.socketErrors() > 0 ? " (" + l.socketErrorKinds() + ")" : ""));
    }

    static long rssMiB(Process p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** A daemon loop until stopped. */
    abstract static class Loop {
        final AtomicBoolean running = new AtomicBoolean();
        private Thread thread;

        void start() {
            running.set(true);
            thread = new Thread(() -> {
                while (running.get()) {
                    tick();
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        abstract void tick();

        static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Rss extends Loop {
        private final Process process;
        private final AtomicLong peak = new AtomicLong();

        Rss(Process process) {
            this.process = process;
        }

        @Override
        void tick() {
            peak.accumulateAndGet(rssMiB(process), Math::max);
            sleep(1000);
        }

        long peak() {
            return peak.get();
        }
    }

    /** Latencies in milliseconds, kept sorted on demand. */
    static final class Latencies {
        private final List<Double> values = Collections.synchronizedList(new ArrayList<>());

        void add(double ms) {
            values.add(ms);
        }

        int count() {
            return values.size();
        }

        double percentile(double q) {
            List<Double> sorted;
            synchronized (values) {
                sorted = new ArrayList<>(values);
            }
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            Collections.sort(sorted);
            int i = (int) Math.ceil(q * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    }

    static final class Probe extends Loop {
        private final HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        private final URI uri;
        private final Latencies latencies = new Latencies();
        private final AtomicLong failures = new AtomicLong();

        Probe(int managementPort) {
            this.uri = URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/liveness");
        }

        void awaitReady(Duration timeout) throws InterruptedException {
            URI ready = uri.resolve("readiness");
            long until = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < until) {
                try {
                    if (client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(500);
            }
            throw new IllegalStateException("the service did not get ready within " + timeout);
        }

        @Override
        void tick() {
            long t0 = System.nanoTime();
            int status;
            try {
                status = client.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            latencies.add(ms);
            if (status != 200 || ms > 1000) {
                failures.incrementAndGet();
            }
            sleep(250);
        }

        int count() {
            return latencies.count();
        }

        long failures() {
            return failures.get();
        }

        double percentile(double q) {
            return latencies.percentile(q);
        }
    }

    /** The soak's own request at a slow pace: how long a success takes under the load. */
    static final class Witness extends Loop {
        private final HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final HttpRequest request;
        private final long pauseMs;
        private final Latencies successes = new Latencies();
        private final Map<Integer, Long> statuses = new ConcurrentHashMap<>();

        Witness(int port, Setup setup) {
            this.request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + setup.endpoint()))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofString(setup.body()))
                    .build();
            this.pauseMs = setup.endpoint().equals("generate") ? 200 : 1000;
        }

        @Override
        void tick() {
            long t0 = System.nanoTime();
            int status;
            try {
                status = client.send(request, HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            statuses.merge(status, 1L, Long::sum);
            if (status == 200) {
                successes.add((System.nanoTime() - t0) / 1e6);
            }
            sleep(pauseMs);
        }

        long count() {
            return statuses.values().stream().mapToLong(Long::longValue).sum();
        }

        Map<Integer, Long> statuses() {
            return new TreeMap<>(statuses);
        }

        double percentile(double q) {
            return successes.percentile(q);
        }
    }

    /** Clients that send a body a byte a second and reconnect when the service cuts them. */
    static final class SlowClients extends Loop {
        private final int port;
        private final String path;
        private final int count;
        private final List<Socket> sockets = new ArrayList<>();
        private final Map<String, Long> answers = new ConcurrentHashMap<>();

        SlowClients(int port, String path, int count) {
            this.port = port;
            this.path = path;
            this.count = count;
        }

        @Override
        void tick() {
            while (sockets.size() < count) {
                try {
                    Socket s = new Socket("127.0.0.1", port);
                    s.setSoTimeout(1);
                    s.getOutputStream()
                            .write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: 10000\r\n\r\n{")
                                    .getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s);
                } catch (IOException e) {
                    answers.merge("connect failed", 1L, Long::sum);
                    break;
                }
            }
            for (var it = sockets.iterator(); it.hasNext(); ) {
                Socket s = it.next();
                String answer = poll(s);
                if (answer != null) {
                    answers.merge(answer, 1L, Long::sum);
                    close(s);
                    it.remove();
                }
            }
            sleep(1000);
        }

        /** Sends one more byte; the status the service answered with, or null while it still waits. */
        private static String poll(Socket s) {
            try {
                OutputStream out = s.getOutputStream();
                out.write(' ');
                byte[] buf = new byte[64];
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    return "closed without an answer";
                }
                String head = new String(buf, 0, n, StandardCharsets.US_ASCII);
                return head.startsWith("HTTP/1.1 ") ? head.substring(9, 12) : "garbled";
            } catch (java.net.SocketTimeoutException waiting) {
                return null;
            } catch (IOException e) {
                return "reset";
            }
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // gone already
            }
        }

        @Override
        void stop() throws InterruptedException {
            super.stop();
            sockets.forEach(SlowClients::close);
        }

        Map<String, Long> answers() {
            return new TreeMap<>(answers);
        }
    }
}
