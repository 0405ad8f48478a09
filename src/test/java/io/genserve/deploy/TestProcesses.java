package io.genserve.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Ports, bounded waits and logs for the tests that start real processes (Prometheus, the image). */
public final class TestProcesses {
    private TestProcesses() {}

    /** A port free on 127.0.0.1 right now (the usual small race with other processes is accepted). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Polls until the condition holds; fails after the timeout, or at once when the process has
     * exited, with the end of its log.
     */
    public static void await(String what, Duration timeout, Process process, Path log, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (process != null && !process.isAlive()) {
                throw new AssertionError(what + ": the process exited with " + process.exitValue() + "\n" + tail(log));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout + "\n" + tail(log));
            }
            sleep(Duration.ofMillis(250));
        }
    }

    /** SIGTERM, then SIGKILL if the process is still there after the grace time. Returns the exit code. */
    public static int stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        }
    }

    public static String tail(Path log) {
        if (log == null || !Files.exists(log)) {
            return "(no log)";
        }
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
