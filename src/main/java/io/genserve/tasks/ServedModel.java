package io.genserve.tasks;

import io.genserve.batching.ModelBatcher;
import io.genserve.model.Choice;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelSignature;
import io.genserve.runtime.ExecutionProvider;
import java.util.List;

/**
 * A model that loaded and can serve: its version, its manifest (written or derived), the graph's
 * signature, and the batcher its requests go through.
 *
 * @param version content hash of the files it was loaded from ({@link io.genserve.model.ModelVersions})
 * @param choices what was chosen (no manifest) or measured (the scale) to settle the manifest, with
 *     the evidence for each
 * @param card the model card's text, or null
 */
public record ServedModel(
        String name,
        String version,
        ModelManifest manifest,
        ModelSignature signature,
        List<Choice> choices,
        ExecutionProvider provider,
        ModelBatcher batcher,
        String card) {}
