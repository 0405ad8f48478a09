package io.genserve.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The benchmark's Node.js peer (bench/node-peer/server.js) as a running cluster: a primary and
 * one worker process per core, started with {@code node}, ready once the primary prints the port
 * every worker listens on. {@link #cpuNanos()} sums the CPU time of all its processes from
 * {@code /proc}, the primary's included: in node:cluster it accepts every connection and hands it
 * to a worker, which is part of what the design costs.
 */
final class NodePeer implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("genserve-node-peer listening on \\S+:(\\d+) \\((.*)\\)");
    private static final Duration START = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final String description;

    /**
     * @param dir bench/node-peer, with its node_modules installed (bench/run.sh does that)
     * @param modelDir the generator's folder: model.onnx and genserve.yaml
     * @param processes worker processes; 0: one per core
     * @param intraOp ONNX Runtime intra-op threads per process; 0: cores / processes, Genserve's rule
     */
    static NodePeer start(Path dir, Path modelDir, int processes, int intraOp)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            throw new IllegalStateException(
                    "the Node peer is not installed: cd " + dir + " && npm ci --ignore-scripts (bench/run.sh does it)");
        }
        ProcessBuilder builder =
                new ProcessBuilder("node", "server.js").directory(dir.toFile()).redirectErrorStream(true);
        builder.environment()
                .putAll(Map.of(
                        "MODEL_DIR", modelDir.toAbsolutePath().toString(),
                        "PORT", "0",
                        "HOST", "127.0.0.1",
                        "PROCESSES", Integer.toString(processes),
                        "INTRA_OP", Integer.toString(intraOp)));
        Process process = builder.start();
        try {
            Matcher ready = awaitReady(process);
            return new NodePeer(process, Integer.parseInt(ready.group(1)), ready.group(2));
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(process);
            throw e;
        }
    }

    private NodePeer(Process process, int port, String description) {
        this.process = process;
        this.port = port;
        this.description = description;
    }

    /**
     * Reads the peer's output until its ready line; after that a daemon thread copies the rest to
     * stderr, so that a worker's error shows in the bench's log and the pipe never fills.
     */
    private static Matcher awaitReady(Process process) throws IOException, InterruptedException {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Matcher> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        return m;
                    }
                    seen.append(line).append('\n');
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("the Node peer exited before it was ready:\n" + seen);
        });
        try {
            Matcher m = ready.get(START.toSeconds(), TimeUnit.SECONDS);
            Thread copy = new Thread(() -> out.lines().forEach(l -> System.err.println("node-peer: " + l)));
            copy.setDaemon(true);
            copy.start();
            return m;
        } catch (TimeoutException e) {
            throw new IOException("the Node peer was not ready after " + START.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    int port() {
        return port;
    }

    /** What the primary said it runs: processes, intra-op threads, model. */
    String description() {
        return description;
    }

    /** CPU time (user + system) of the primary and its workers so far. */
    long cpuNanos() throws IOException {
        long ticks = 0;
        for (long pid : pids()) {
            ticks += ProcCpu.ticks(pid);
        }
        return ticks * ProcCpu.nanosPerTick();
    }

    private List<Long> pids() {
        return Stream.concat(Stream.of(process.toHandle()), process.toHandle().descendants())
                .map(ProcessHandle::pid)
                .toList();
    }

    @Override
    public void close() throws InterruptedException {
        stop(process);
    }

    /** SIGTERM to the primary (it stops its workers), then to any worker left, then SIGKILL. */
    private static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> workers = process.toHandle().descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        for (ProcessHandle w : workers) {
            w.destroy();
        }
        for (ProcessHandle w : workers) {
            try {
                w.onExit().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                w.destroyForcibly();
            }
        }
    }
}
