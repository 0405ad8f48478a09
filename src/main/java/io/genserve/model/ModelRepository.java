package io.genserve.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Lists the models of a repository folder: one sub-folder per model, named after it. Stateless. */
public final class ModelRepository {
    public static final String GRAPH = "model.onnx";
    public static final String MANIFEST = "genserve.yaml";
    public static final String CARD = "README.md";

    private final Path root;

    public ModelRepository(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Sub-folders in name order; hidden folders are skipped. Fails when the root is not a folder. */
    public List<ModelSource> scan() {
        if (!Files.isDirectory(root)) {
            throw new ManifestException("model repository " + root.toAbsolutePath() + " is not a folder");
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory)
                    .filter(d -> !d.getFileName().toString().startsWith("."))
                    .sorted()
                    .map(ModelRepository::source)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ModelSource source(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        Path card = dir.resolve(CARD);
        return new ModelSource(
                dir.getFileName().toString(),
                dir,
                dir.resolve(GRAPH),
                Files.isRegularFile(manifest) ? Optional.of(manifest) : Optional.empty(),
                Files.isRegularFile(card) ? Optional.of(card) : Optional.empty());
    }
}
