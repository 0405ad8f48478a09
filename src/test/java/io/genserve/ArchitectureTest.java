package io.genserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Imports point one way: api, grpc -> oip -> tasks -> batching / imaging / runtime -> model; error
 * is everyone's. The protocol edges (api for HTTP, grpc) import nothing of each other. The HTTP
 * edge (body intake, shedding, the container's error answers) sits beside api, which wires it: it
 * may use batching's memory budget, and nothing below api may use it.
 */
class ArchitectureTest {
    static final Map<String, Set<String>> FORBIDDEN = Map.ofEntries(
            Map.entry("model", Set.of("api", "edge", "grpc", "oip", "tasks", "batching", "imaging", "runtime")),
            Map.entry("runtime", Set.of("api", "edge", "grpc", "oip", "tasks", "batching", "imaging")),
            Map.entry("imaging", Set.of("api", "edge", "grpc", "oip", "tasks", "batching", "runtime")),
            Map.entry("batching", Set.of("api", "edge", "grpc", "oip", "tasks", "imaging")),
            Map.entry("tasks", Set.of("api", "edge", "grpc", "oip")),
            // The Open Inference Protocol's operations, shared by its two edges (REST in api, gRPC in grpc).
            Map.entry("oip", Set.of("api", "edge", "grpc")),
            Map.entry("grpc", Set.of("api", "edge")),
            Map.entry("api", Set.of("grpc")),
            Map.entry("edge", Set.of("api", "grpc", "oip", "tasks", "imaging", "runtime", "model")),
            Map.entry(
                    "error", Set.of("api", "edge", "grpc", "oip", "tasks", "batching", "imaging", "runtime", "model")));

    @Test
    void noPackageImportsAgainstTheFlow() throws IOException {
        List<String> violations = new ArrayList<>();
        Path root = Path.of("src/main/java/io/genserve");
        for (Map.Entry<String, Set<String>> rule : FORBIDDEN.entrySet()) {
            try (Stream<Path> files = Files.walk(root.resolve(rule.getKey()))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        for (String target : rule.getValue()) {
                            if (line.startsWith("import io.genserve." + target + ".")) {
                                violations.add(f.getFileName() + ": " + line);
                            }
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void noNativeOrtObjectLeavesTheRuntimePackage() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/genserve"))) {
            List<String> leaks = files.filter(
                            p -> p.toString().endsWith(".java") && !p.toString().contains("/runtime/"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("import ai.onnxruntime.");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString)
                    .toList();
            assertThat(leaks).isEmpty();
        }
    }
}
