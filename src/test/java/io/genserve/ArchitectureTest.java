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
 * is everyone's. The protocol edges (api for HTTP, grpc) import nothing of each other.
 */
class ArchitectureTest {
    static final Map<String, Set<String>> FORBIDDEN = Map.of(
            "model", Set.of("api", "grpc", "oip", "tasks", "batching", "imaging", "runtime"),
            "runtime", Set.of("api", "grpc", "oip", "tasks", "batching", "imaging"),
            "imaging", Set.of("api", "grpc", "oip", "tasks", "batching", "runtime"),
            "batching", Set.of("api", "grpc", "oip", "tasks", "imaging"),
            "tasks", Set.of("api", "grpc", "oip"),
            // The Open Inference Protocol's operations, shared by its two edges (REST in api, gRPC in grpc).
            "oip", Set.of("api", "grpc"),
            "grpc", Set.of("api"),
            "api", Set.of("grpc"),
            "error", Set.of("api", "grpc", "oip", "tasks", "batching", "imaging", "runtime", "model"));

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
