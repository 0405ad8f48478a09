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
 * @param scale upscale: the factor the model enlarges by (for a model that takes it at run time, the
 *     one a request gets when it asks for none); null where the graph or a probe run tells it
 * @param scales upscale, with a constant bound to the scale: the factors a request may ask for
 * @param tile upscale: side of the tiles a large image is cut into (0: never tile a model that takes
 *     any size); null for {@code genserve.upscale.tile}
 * @param tilePad upscale: context around each tile, discarded after the run; null for
 *     {@code genserve.upscale.tile-pad}
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
        Integer scale,
        List<Integer> scales,
        Integer tile,
        Integer tilePad,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs) {
    /** The largest factor a manifest may declare. */
    public static final int MAX_SCALE = 16;

    public ModelManifest {
        if (task == null) {
            throw new IllegalArgumentException("task is required: generate, inpaint, image-to-image or upscale");
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
        if (scale != null && (scale < 1 || scale > MAX_SCALE)) {
            throw new IllegalArgumentException("scale must be 1.." + MAX_SCALE + ", got " + scale);
        }
        if (scales != null
                && (scales.isEmpty() || scales.stream().anyMatch(s -> s == null || s < 1 || s > MAX_SCALE))) {
            throw new IllegalArgumentException("scales must list factors 1.." + MAX_SCALE + ", got " + scales);
        }
        scales = scales == null ? null : List.copyOf(new java.util.TreeSet<>(scales));
        if (tile != null && tile < 0) {
            throw new IllegalArgumentException("tile must be >= 0 (0: no tiling), got " + tile);
        }
        if (tilePad != null && tilePad < 0) {
            throw new IllegalArgumentException("tile-pad must be >= 0, got " + tilePad);
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

    /** Whether a constant input takes the request's scale, so the factor is chosen at run time. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean takesScaleAtRunTime() {
        return inputs.stream().anyMatch(TensorSpec::bindsScale);
    }

    /** The factors a request may ask for: {@code scales}, else the one {@code scale}. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public List<Integer> allowedScales() {
        return scales != null ? scales : scale != null ? List.of(scale) : List.of();
    }

    /** The same manifest serving {@code task} at {@code scale} (one of {@code scales}, null if fixed). */
    public ModelManifest upscaling(Task task, Integer scale, List<Integer> scales) {
        return with(task, scale, scales, inputs, outputs);
    }

    /** The same manifest with other tensor descriptions (what probing settled). */
    public ModelManifest withTensors(List<TensorSpec> newInputs, List<TensorSpec> newOutputs) {
        return with(task, scale, scales, newInputs, newOutputs);
    }

    private ModelManifest with(
            Task newTask,
            Integer newScale,
            List<Integer> newScales,
            List<TensorSpec> newInputs,
            List<TensorSpec> newOutputs) {
        return new ModelManifest(
                newTask,
                description,
                isDefault,
                batch,
                batching,
                classes,
                composites,
                fit,
                cropMargin,
                newScale,
                newScales,
                tile,
                tilePad,
                newInputs,
                newOutputs);
    }
}
