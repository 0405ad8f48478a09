package io.genserve.model;

import java.nio.file.Path;
import java.util.Optional;

/** One sub-folder of the model repository: where its graph, manifest and card are, if present. */
public record ModelSource(
        String name, Path directory, Path onnxFile, Optional<Path> manifestFile, Optional<Path> cardFile) {}
