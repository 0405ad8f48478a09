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

    /**
     * The folder of one model, if the repository has it now. A name that is not a plain folder
     * name (a path, a hidden folder) has none.
     */
    public Optional<ModelSource> find(String name) {
        if (name == null
                || name.isEmpty()
                || name.startsWith(".")
                || name.contains("/")
                || name.contains("\\")
                || name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Path dir = root.resolve(name);
        return Files.isDirectory(dir) ? Optional.of(source(dir)) : Optional.empty();
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
