package io.genserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Genserve beside the Node.js peer (bench/node-peer) on {@code /generate}: the same wrk load (the
 * same JSON body, closed loop, one concurrency) on each in turn, for several rounds, the order
 * swapped every round (G P, P G, G P, ...) so that a machine getting busier or quieter during the
 * run does not favour one side. Both are up the whole time; the idle one costs next to nothing.
 * Before the load, both must answer the same three requests alike: a seed, a label, a bad label.
 */
final class PeerRounds {
    /** CPU time of a server's processes so far. */
    interface CpuClock {
        long nanos() throws IOException;
    }

    /** One server under test. */
    record Target(String name, String setup, int port, CpuClock cpu) {}

    /**
     * One server's load in one round. What counts is the images answered (2xx): an overloaded
     * Genserve sheds requests with fast 429s, which wrk counts as requests too.
     *
     * @param cpuNanos the server's CPU time during the round
     */
    record Round(int round, Target target, Wrk.Load load, long cpuNanos) {
        long images() {
            return load.statuses().entrySet().stream()
                    .filter(e -> e.getKey() / 100 == 2)
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        double imagesPerSecond() {
            return load.perSecond() * images() / Math.max(1, load.requests());
        }

        double cpuMsPerImage() {
            return cpuNanos / 1e6 / Math.max(1, images());
        }

        /** "429: 182" for the answers that are not images, and socket errors. */
        String others() {
            List<String> o = new ArrayList<>();
            load.statuses().forEach((status, n) -> {
                if (status / 100 != 2) {
                    o.add(status + ": " + n);
                }
            });
            if (load.socketErrors() > 0) {
                o.add("socket errors: " + load.socketErrors());
            }
            return o.isEmpty() ? "0" : String.join(", ", o);
        }
    }

    /** Every round, with how the two answered the check requests. */
    record Result(
            String model,
            int concurrency,
            Duration each,
            Target genserve,
            Target peer,
            List<Round> rounds,
            List<String> checks) {
        String markdown() {
            return PeerRounds.markdown(this);
        }
    }

    private PeerRounds() {}

    /**
     * @param genserve first in round 1
     * @param warmup a closed loop at concurrency 16 on each before the rounds (JIT, pools, arenas), and
     *     on Genserve more until its JIT is quiet
     */
    static Result measure(
            Target genserve,
            Target peer,
            String model,
            String body,
            int concurrency,
            int rounds,
            Duration each,
            Duration warmup)
            throws IOException, InterruptedException {
        List<String> checks = new ArrayList<>();
        for (Target t : List.of(genserve, peer)) {
            checks.add(t.name() + ": " + check(t));
        }
        // Genserve runs in this JVM: it warms until the JIT is quiet (JitWarmup); the peer for as long.
        System.err.println("Genserve: "
                + JitWarmup.warm(new Wrk(genserve.port(), "/generate", body), warmup, () -> {}, concurrency));
        new Wrk(peer.port(), "/generate", body).closedLoop(16, warmup);
        List<Round> out = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            for (Target t : r % 2 == 1 ? List.of(genserve, peer) : List.of(peer, genserve)) {
                Wrk wrk = new Wrk(t.port(), "/generate", body);
                long before = t.cpu().nanos();
                Wrk.Load load = wrk.closedLoop(concurrency, each);
                long after = t.cpu().nanos();
                out.add(new Round(r, t, load, after - before));
                System.err.println(out.get(out.size() - 1));
            }
        }
        return new Result(model, concurrency, each, genserve, peer, out, checks);
    }

    /**
     * Posts a seed, a label and an unknown label; the first two must come back as one 8-bit gray
     * PNG each, the last as a JSON 400. Fails the bench otherwise: a peer that answers something
     * else is no peer.
     */
    static String check(Target t) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        StringBuilder said = new StringBuilder();
        for (String body :
                List.of("{\"seed\": 7}", "{\"label\": \"sneaker\", \"seed\": 7}", "{\"label\": \"no such\"}")) {
            HttpResponse<byte[]> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/generate"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            String type = r.headers().firstValue("Content-Type").orElse("");
            boolean bad = body.contains("no such");
            String answer = bad ? r.statusCode() + " " + type : r.statusCode() + " " + png(r.body());
            if (bad
                    ? r.statusCode() != 400 || !type.contains("json")
                    : r.statusCode() != 200 || !type.equals("image/png")) {
                throw new IllegalStateException(t.name() + " answered " + body + " with " + answer + " " + type);
            }
            said.append(said.isEmpty() ? "" : "; ").append(body).append(" -> ").append(answer);
        }
        return said.toString();
    }

    /** "28x28 gray8 PNG, 431 bytes", from the IHDR chunk; throws unless it is an 8-bit gray PNG. */
    private static String png(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        if (b.length < 26 || bb.getLong(0) != 0x89504E470D0A1A0AL || bb.getInt(12) != 0x49484452) {
            throw new IllegalStateException("not a PNG: " + b.length + " bytes");
        }
        int bitDepth = b[24];
        int colorType = b[25];
        if (bitDepth != 8 || colorType != 0) {
            throw new IllegalStateException(
                    "not an 8-bit gray PNG: bit depth " + bitDepth + ", color type " + colorType);
        }
        return f("%dx%d gray8 PNG, %d bytes", bb.getInt(16), bb.getInt(20), b.length);
    }

    static String markdown(Result r) {
        Target genserve = r.genserve();
        Target peer = r.peer();
        List<Target> targets = List.of(genserve, peer);
        StringBuilder b = new StringBuilder();
        b.append(f(
                "`/generate` on `%s`, Genserve beside the Node.js peer: the same wrk load (closed loop, concurrency %d, "
                        + "the same JSON body), %d s a round, alternating%n%n",
                r.model(), r.concurrency(), r.each().toSeconds()));
        for (Target t : targets) {
            b.append(f("- %s: %s%n", t.name(), t.setup()));
        }
        b.append("\nimages/s: answers with an image (2xx) a second; answers/s: all answers, refusals included, "
                + "which the latencies are of too\n\n");
        b.append("| round | server | images/s | answers/s | p50 ms | p99 ms | CPU ms/image | other answers |\n");
        b.append("|---:|---|---:|---:|---:|---:|---:|---|\n");
        for (Round x : r.rounds()) {
            b.append(f(
                    "| %d | %s | %.1f | %.1f | %.2f | %.2f | %.3f | %s |%n",
                    x.round(),
                    x.target().name(),
                    x.imagesPerSecond(),
                    x.load().perSecond(),
                    x.load().p50(),
                    x.load().p99(),
                    x.cpuMsPerImage(),
                    x.others()));
        }
        for (Target t : targets) {
            b.append(f(
                    "| all | %s | %.1f | %.1f | | | %.3f | %d |%n",
                    t.name(),
                    imagesPerSecond(r, t),
                    rounds(r, t)
                            .mapToDouble(x -> x.load().perSecond())
                            .average()
                            .orElse(Double.NaN),
                    cpuMsPerImage(r, t),
                    rounds(r, t)
                            .mapToLong(x -> x.load().requests() - x.images())
                            .sum()));
        }
        b.append(f(
                "%n- %s / %s at concurrency %d: **%.2fx** images a second (mean over the rounds; per round: %s) "
                        + "(target >= 1.5x)%n",
                genserve.name(),
                peer.name(),
                r.concurrency(),
                imagesPerSecond(r, genserve) / imagesPerSecond(r, peer),
                perRound(r)));
        b.append(f(
                "- CPU per image: %s %.3f ms, %s %.3f ms (%s / %s: %.2fx)%n",
                genserve.name(),
                cpuMsPerImage(r, genserve),
                peer.name(),
                cpuMsPerImage(r, peer),
                genserve.name(),
                peer.name(),
                cpuMsPerImage(r, genserve) / cpuMsPerImage(r, peer)));
        for (String c : r.checks()) {
            b.append("- check, ").append(c).append('\n');
        }
        return b.toString();
    }

    /** Genserve / peer in each round. */
    private static String perRound(Result r) {
        List<String> ratios = new ArrayList<>();
        for (int round = 1; round <= r.rounds().size() / 2; round++) {
            ratios.add(f("%.2fx", rate(r, round, r.genserve()) / rate(r, round, r.peer())));
        }
        return String.join(", ", ratios);
    }

    private static double rate(Result r, int round, Target t) {
        return rounds(r, t)
                .filter(x -> x.round() == round)
                .findFirst()
                .orElseThrow()
                .imagesPerSecond();
    }

    /** Every round lasts as long, so the mean of the rates is the images over the time. */
    private static double imagesPerSecond(Result r, Target t) {
        return rounds(r, t).mapToDouble(Round::imagesPerSecond).average().orElse(Double.NaN);
    }

    private static double cpuMsPerImage(Result r, Target t) {
        return rounds(r, t).mapToLong(Round::cpuNanos).sum()
                / 1e6
                / Math.max(1, rounds(r, t).mapToLong(Round::images).sum());
    }

    private static Stream<Round> rounds(Result r, Target t) {
        return r.rounds().stream().filter(x -> x.target().equals(t));
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
