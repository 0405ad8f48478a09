package io.genserve.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What clients that send their bodies a byte a second cost everybody else, with Tomcat's pool of
 * platform request threads and with virtual threads (spring.threads.virtual.enabled, Java 21+), run
 * on demand by bench/slow-clients.sh. Per mode: the packaged service in its own JVM, saturation S
 * measured (closed loop, 32 connections), then a paced load at half of S alone and beside N slow
 * clients (reconnecting when cut), while the liveness probe is asked every 250 ms. Prints one
 * Markdown table: the paced load's successes, latency and statuses, what the slow clients got, the
 * probe and the service's thread count.
 *
 * <p>Arguments: {@code --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --slow 200,1000 --seconds 20
 * --endpoint generate}, and those of {@link Soak#startService}.
 */
public final class SlowClientsBench {
    private SlowClientsBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of(
                "--jar", "target/genserve-0.1.0-SNAPSHOT.jar",
                "--heap", "1g",
                "--port", "18580",
                "--slow", "200,1000",
                "--seconds", "20",
                "--endpoint", "generate",
                "--image", "src/test/resources/fixtures/photo-301x203.png"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!Wrk.installed()) {
            throw new IllegalStateException("the bench drives the service with wrk: apt-get install wrk");
        }
        String endpoint = a.get("--endpoint");
        String model = endpoint.equals("generate") ? "fashion-gan" : "style-starry-night";
        String body = Bench.body(endpoint, model, a.get("--image"));
        List<Integer> slow = new ArrayList<>(List.of(0));
        for (String n : a.get("--slow").split(",")) {
            slow.add(Integer.parseInt(n.trim()));
        }
        Duration phase = Duration.ofSeconds(Long.parseLong(a.get("--seconds")));

        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT,
                "%n### Slow clients beside a paced load at S/2 on `/%s`, %d s a row, java: `%s`%n%n"
                        + "| request threads | slow clients | S (successes/s) | paced successes/s | p50 ms | p99 ms "
                        + "| paced statuses | socket errors | slow clients got | probe p99 ms | probe max ms "
                        + "| probes over 1 s | service threads |%n"
                        + "|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|%n",
                endpoint,
                phase.toSeconds(),
                a.getOrDefault("--java", "java")));
        int port = Integer.parseInt(a.get("--port"));
        for (boolean virtual : new boolean[] {false, true}) {
            Map<String, String> run = new HashMap<>(a);
            run.put("--args", a.getOrDefault("--args", "") + " --spring.threads.virtual.enabled=" + virtual);
            Process service = Soak.startService(run, port);
            try {
                new Soak.Probe(port + 1).awaitReady(Duration.ofMinutes(3));
                Wrk load = new Wrk(port, "/" + endpoint, body);
                load.closedLoop(16, Duration.ofSeconds(10)); // JIT, pools, ORT arenas
                double s = load.closedLoop(32, phase).statusCount(200) / (double) phase.toSeconds();
                for (int n : slow) {
                    Soak.SlowClients clients = new Soak.SlowClients(port, "/" + endpoint, n);
                    if (n > 0) {
                        clients.start();
                        Soak.Loop.sleep(3000); // all connected and holding a request each
                    }
                    Soak.Probe probe = new Soak.Probe(port + 1);
                    probe.start();
                    Wrk.Load paced = load.paced(s / 2, 0, phase);
                    probe.stop();
                    long threads = threads(service);
                    if (n > 0) {
                        clients.stop();
                    }
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %d | %.0f | %.1f | %.1f | %.1f | %s | %d | %s | %.1f | %.1f | %d | %d |%n",
                            virtual ? "virtual" : "platform (200)",
                            n,
                            s,
                            paced.statusCount(200) / (double) phase.toSeconds(),
                            paced.p50(),
                            paced.p99(),
                            paced.statuses(),
                            paced.socketErrors(),
                            n > 0 ? clients.answers() : "-",
                            probe.percentile(0.99),
                            probe.percentile(1.0),
                            probe.failures(),
                            threads));
                    Soak.Loop.sleep(12_000); // the cut connections' timers run out before the next row
                }
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
        System.out.println(out);
    }

    private static long threads(Process p) {
        try {
            for (String line :
                    java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
