package io.genserve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model repositories for tests: copies of fixture model folders in a temporary folder. */
public final class TestRepositories {
    private TestRepositories() {}

    /** A repository holding these fixture models under their own names. */
    public static Path of(String... fixtures) {
        try {
            Path root = Files.createTempDirectory("genserve-repository");
            for (String f : fixtures) {
                copy(f, root.resolve(f), null);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a fixture model folder; a batching line, if given, is added to its manifest. */
    public static void copy(String fixture, Path to, String batching) {
        try {
            Files.createDirectories(to);
            try (var files = Files.list(TestHttp.FIXTURES.resolve("models").resolve(fixture))) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (batching != null) {
                Path manifest = to.resolve("genserve.yaml");
                Files.writeString(manifest, Files.readString(manifest) + batching + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
