package io.genserve.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives one endpoint with {@code wrk}, a C load generator, in its own process: a client in the
 * service's JVM would share its heap, GC and JIT, and Java's HttpClient costs more CPU per
 * request than the 28x28 generator does.
 */
final class Wrk {
    /**
     * One measured load; latencies in milliseconds.
     *
     * @param errors non-2xx answers plus socket errors
     * @param statuses answers by HTTP status
     * @param socketErrors connect, read, write errors and timeouts
     * @param socketErrorKinds the same by kind, as wrk prints them ("connect 0, read 1, write 0,
     *     timeout 2"); empty when there were none
     * @param problems refusals and failures by status and problem type ("429 overloaded"), from
     *     the {@code type} of their problem+json bodies ("urn:genserve:problem:" left off)
     */
    record Load(
            long requests,
            double perSecond,
            double p50,
            double p99,
            long errors,
            Map<Integer, Long> statuses,
            long socketErrors,
            String socketErrorKinds,
            Map<String, Long> problems) {
        long statusCount(int status) {
            return statuses.getOrDefault(status, 0L);
        }
    }

    /** A wrk run going on in the background; {@link #finish()} waits for it and reads its report. */
    final class Running {
        private final Process process;
        private final Path script;

        private Running(Process process, Path script) {
            this.process = process;
            this.script = script;
        }

        Load finish() throws IOException, InterruptedException {
            try {
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (process.waitFor() != 0) {
                    throw new IOException("wrk failed: " + out);
                }
                return parse(out);
            } finally {
                Files.deleteIfExists(script);
            }
        }
    }

    private final String url;
    private final Path body;

    /** @param body the JSON every request posts; null for GET requests */
    Wrk(int port, String path, String body) throws IOException {
        this.url = "http://127.0.0.1:" + port + path;
        if (body == null) {
            this.body = null;
            return;
        }
        this.body = Files.createTempFile("genserve-bench", ".json");
        this.body.toFile().deleteOnExit();
        Files.writeString(this.body, body);
    }

    static boolean installed() {
        try {
            return new ProcessBuilder("wrk", "--version").start().waitFor() >= 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Closed loop: each connection sends its next request as soon as the previous one is answered. */
    Load closedLoop(int connections, Duration d) throws IOException, InterruptedException {
        return run(connections, d, 0);
    }

    /**
     * About {@code rate} requests a second: each connection waits a random time after each answer
     * (wrk's {@code delay()}, uniform in half to one and a half of the mean, so that connections
     * do not fall into step and arrive in bursts). Used to measure latency at a fraction of the
     * saturation load, where a closed loop would measure queueing only.
     *
     * @param serviceMs a request's own time, taken off each connection's wait
     */
    Load paced(double rate, double serviceMs, Duration d) throws IOException, InterruptedException {
        return startPaced(rate, serviceMs, d).finish();
    }

    /**
     * {@link #paced} for a load above saturation, where answers take about {@code answerMs} (the
     * p50 at saturation) or longer: twice as many connections as that needs, so that the rate is
     * still offered while the service queues, each waiting what is left of its share.
     */
    Load pacedOver(double rate, double answerMs, Duration d) throws IOException, InterruptedException {
        int connections = (int) Math.max(4, Math.ceil(rate * Math.max(20, 2 * answerMs) / 1000));
        long meanDelayMs = Math.max(2, Math.round(connections * 1000 / rate - answerMs));
        return start(connections, d, meanDelayMs).finish();
    }

    /** {@link #closedLoop} in the background. */
    Running startClosedLoop(int connections, Duration d) throws IOException {
        return start(connections, d, 0);
    }

    /** {@link #paced} at {@code rate} in the background, with no time taken off the waits. */
    Running startPaced(double rate, Duration d) throws IOException {
        return startPaced(rate, 0, d);
    }

    private Running startPaced(double rate, double serviceMs, Duration d) throws IOException {
        int connections = (int) Math.max(4, Math.ceil(rate / 50)); // about 20 ms between one connection's requests
        long meanDelayMs = Math.max(2, Math.round(connections * 1000 / rate - serviceMs));
        return start(connections, d, meanDelayMs);
    }

    private Load run(int connections, Duration d, long meanDelayMs) throws IOException, InterruptedException {
        return start(connections, d, meanDelayMs).finish();
    }

    private Running start(int connections, Duration d, long meanDelayMs) throws IOException {
        Path script = Files.createTempFile("genserve-bench", ".lua");
        Files.writeString(script, lua(meanDelayMs));
        List<String> command = new ArrayList<>(List.of(
                "wrk",
                "-t" + Math.min(2, connections),
                "-c" + connections,
                "-d" + d.toSeconds() + "s",
                "--timeout",
                "60s",
                "--latency",
                "-s",
                script.toString(),
                url));
        return new Running(new ProcessBuilder(command).redirectErrorStream(true).start(), script);
    }

    private String lua(long meanDelayMs) {
        String s = body == null
                ? ""
                : "wrk.method = \"POST\"\n"
                        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                        + "local f = io.open(\"" + body + "\", \"rb\")\n"
                        + "wrk.body = f:read(\"*a\")\n"
                        + "f:close()\n";
        s += STATUS_COUNTS;
        return meanDelayMs == 0
                ? s
                : s + "function delay() return math.random(" + meanDelayMs / 2 + ", " + meanDelayMs * 3 / 2 + ") end\n";
    }

    /** Counts answers by status in each wrk thread and prints the sums as "status CODE COUNT" lines. */
    private static final String STATUS_COUNTS = """
            local threads = {}
            function setup(thread) table.insert(threads, thread) end
            function init(args) statuses = {} problems = {} end
            function response(status, headers, body)
              statuses[status] = (statuses[status] or 0) + 1
              if status >= 400 and body then
                local t = string.match(body, '"type"%s*:%s*"urn:genserve:problem:([^"]*)"')
                if t then
                  local k = status .. " " .. t
                  problems[k] = (problems[k] or 0) + 1
                end
              end
            end
            function done(summary, latency, requests)
              local total = {}
              local kinds = {}
              for _, t in ipairs(threads) do
                for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
                for k, v in pairs(t:get("problems")) do kinds[k] = (kinds[k] or 0) + v end
              end
              for k, v in pairs(total) do io.write(string.format("status %d %d\\n", k, v)) end
              for k, v in pairs(kinds) do io.write(string.format("problem %s %d\\n", k, v)) end
            end
            """;

    static Load parse(String out) {
        long requests = Long.parseLong(find(out, "(\\d+) requests in"));
        double perSecond = Double.parseDouble(find(out, "Requests/sec:\\s+([\\d.]+)"));
        long errors = 0;
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        long socketErrors = 0;
        String socketErrorKinds = "";
        Matcher socket = Pattern.compile("Socket errors: (connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+))")
                .matcher(out);
        if (socket.find()) {
            for (int i = 2; i <= 5; i++) {
                socketErrors += Long.parseLong(socket.group(i));
            }
            socketErrorKinds = socket.group(1);
        }
        Map<Integer, Long> statuses = new TreeMap<>();
        Matcher status = Pattern.compile("(?m)^status (\\d+) (\\d+)$").matcher(out);
        while (status.find()) {
            statuses.put(Integer.parseInt(status.group(1)), Long.parseLong(status.group(2)));
        }
        Map<String, Long> problems = new TreeMap<>();
        Matcher problem = Pattern.compile("(?m)^problem (\\d+ \\S+) (\\d+)$").matcher(out);
        while (problem.find()) {
            problems.put(problem.group(1), Long.parseLong(problem.group(2)));
        }
        return new Load(
                requests,
                perSecond,
                millis(find(out, "\\s50%\\s+(\\S+)")),
                millis(find(out, "\\s99%\\s+(\\S+)")),
                errors + socketErrors,
                statuses,
                socketErrors,
                socketErrorKinds,
                problems);
    }

    private static String find(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in wrk's output:\n" + out);
        }
        return m.group(1);
    }

    /** wrk prints "586.00us", "1.45ms", "1.20s". */
    static double millis(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.endsWith("us")) {
            return Double.parseDouble(v.substring(0, v.length() - 2)) / 1000;
        }
        if (v.endsWith("ms")) {
            return Double.parseDouble(v.substring(0, v.length() - 2));
        }
        if (v.endsWith("m")) {
            return Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000;
        }
        return Double.parseDouble(v.substring(0, v.length() - 1)) * 1000;
    }
}
