package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;

/**
 * A model's {@code genserve.yaml}: its task and how to feed and read each tensor. Immutable;
 * parsed by {@link ManifestReader}, checked against the graph by {@link SignatureCheck}.
 *
 * @param isDefault the generator {@code /generate} uses when a request names no model
 * @param composites the graph pastes the known pixels back itself (informational: the service
 *     always composites at the input's resolution, which is what keeps pixels outside the hole
 *     bit-identical whatever resizing the model needs)
 * @param cropMargin crop fit: margin around the mask's bounding box, as a fraction of its size
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
        Task task,
        String description,
        @JsonProperty("default") boolean isDefault,
        BatchMode batch,
        BatchingOverrides batching,
        List<String> classes,
        boolean composites,
        Fit fit,
        Double cropMargin,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs) {

    public ModelManifest {
        if (task == null) {
            throw new IllegalArgumentException("task is required: generate, inpaint or image-to-image");
        }
        description = description == null ? "" : description;
        batch = batch == null ? BatchMode.DYNAMIC : batch;
        batching = batching == null ? BatchingOverrides.NONE : batching;
        classes = classes == null ? List.of() : List.copyOf(classes);
        fit = fit == null ? Fit.RESIZE : fit;
        cropMargin = cropMargin == null ? 0.5 : cropMargin;
        if (cropMargin < 0) {
            throw new IllegalArgumentException("crop-margin must be >= 0, got " + cropMargin);
        }
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs is required: one entry per graph input");
        }
        if (outputs == null || outputs.isEmpty()) {
            throw new IllegalArgumentException("outputs is required: the graph output that carries the image");
        }
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(TensorRole role) {
        return inputs.stream().filter(t -> t.role() == role).findFirst();
    }

    public List<TensorSpec> inputs(TensorRole role) {
        return inputs.stream().filter(t -> t.role() == role).toList();
    }

    /** The output that carries the image: the one with role image, else the first. */
    public TensorSpec imageOutput() {
        return outputs.stream()
                .filter(t -> t.role() == TensorRole.IMAGE)
                .findFirst()
                .orElse(outputs.get(0));
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isConditional() {
        return input(TensorRole.CLASS).isPresent();
    }
}
