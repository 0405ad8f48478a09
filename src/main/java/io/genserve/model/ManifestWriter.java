package io.genserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a manifest as {@code genserve.yaml}, in the style of the README's examples (one flow
 * mapping per tensor), so that a user can save the manifest in force, edit it and commit it.
 * Writes every key that matters for a tensor's role and every other key whose value differs from
 * its default, so {@link ManifestReader} reads back an equal manifest. Thread-safe.
 */
public final class ManifestWriter {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TensorSpec IMAGE_DEFAULTS =
            TensorSpec.image("x", TensorRole.IMAGE, null, null, null, null, null);

    public String write(ModelManifest m) {
        StringBuilder y = new StringBuilder();
        y.append("task: ").append(EnumNames.of(m.task())).append('\n');
        if (!m.description().isEmpty()) {
            y.append("description: ").append(quote(m.description())).append('\n');
        }
        if (m.isDefault()) {
            y.append("default: true\n");
        }
        y.append("batch: ").append(EnumNames.of(m.batch())).append('\n');
        String batching = batching(m.batching());
        if (!batching.isEmpty()) {
            y.append("batching: {").append(batching).append("}\n");
        }
        if (!m.classes().isEmpty()) {
            y.append("classes: ")
                    .append(m.classes().stream().map(ManifestWriter::quote).collect(Collectors.joining(", ", "[", "]")))
                    .append('\n');
        }
        if (m.composites()) {
            y.append("composites: true\n");
        }
        if (m.task() == Task.INPAINT || m.task() == Task.IMAGE_TO_IMAGE || m.fit() != Fit.RESIZE) {
            y.append("fit: ").append(EnumNames.of(m.fit())).append('\n');
        }
        if (m.task() == Task.INPAINT || m.cropMargin() != 0.5) {
            y.append("crop-margin: ").append(num(m.cropMargin())).append('\n');
        }
        appendIf(y, "scale", m.scale());
        if (m.scales() != null) {
            y.append("scales: ").append(m.scales()).append('\n');
        }
        appendIf(y, "tile", m.tile());
        appendIf(y, "tile-pad", m.tilePad());
        y.append("inputs:\n");
        m.inputs().forEach(t -> y.append("  - {").append(tensor(t)).append("}\n"));
        y.append("outputs:\n");
        m.outputs().forEach(t -> y.append("  - {").append(tensor(t)).append("}\n"));
        return y.toString();
    }

    private static void appendIf(StringBuilder y, String key, Integer value) {
        if (value != null) {
            y.append(key).append(": ").append(value).append('\n');
        }
    }

    private static String batching(BatchingOverrides b) {
        List<String> keys = new ArrayList<>();
        if (b.maxBatchSize() != null) keys.add("max-batch-size: " + b.maxBatchSize());
        if (b.preferredBatchSizes() != null) keys.add("preferred-batch-sizes: " + b.preferredBatchSizes());
        if (b.maxDelay() != null) keys.add("max-delay: " + quote(b.maxDelay()));
        if (b.maxQueueSize() != null) keys.add("max-queue-size: " + b.maxQueueSize());
        if (b.timeout() != null) keys.add("timeout: " + quote(b.timeout()));
        if (b.concurrency() != null) keys.add("concurrency: " + b.concurrency());
        return String.join(", ", keys);
    }

    private static String tensor(TensorSpec t) {
        TensorRole role = t.role();
        boolean image = t.isImageLike();
        List<String> keys = new ArrayList<>();
        keys.add("name: " + quote(t.name()));
        keys.add("role: " + EnumNames.of(role));
        keys.add("dtype: " + EnumNames.of(t.dtype()));
        if (t.shape() != null) {
            keys.add("shape: " + t.shape());
        }
        if (role == TensorRole.LATENT || t.distribution() != Distribution.NORMAL) {
            keys.add("distribution: " + EnumNames.of(t.distribution()));
        }
        if (t.truncation()) {
            keys.add("truncation: true");
        }
        if (role == TensorRole.CLASS || t.encoding() != ClassEncoding.INDEX) {
            keys.add("encoding: " + EnumNames.of(t.encoding()));
        }
        if (image || t.layout() != IMAGE_DEFAULTS.layout()) {
            keys.add("layout: " + EnumNames.of(t.layout()));
        }
        if ((image && role != TensorRole.MASK) || t.channels() != IMAGE_DEFAULTS.channels()) {
            keys.add("channels: " + EnumNames.of(t.channels()));
        }
        if (image || !t.range().equals(IMAGE_DEFAULTS.range())) {
            keys.add("range: [" + num(t.range().low()) + ", " + num(t.range().high()) + "]");
        }
        if (!t.size().equals(SpatialSize.ANY)) {
            keys.add("size: " + size(t.size()));
        }
        if (role == TensorRole.MASK || t.hole() != HolePolarity.HIGH) {
            keys.add("hole: " + EnumNames.of(t.hole()));
        }
        if (role == TensorRole.MASK || t.threshold() != 128) {
            keys.add("threshold: " + t.threshold());
        }
        if (t.zeroHoles()) {
            keys.add("zero-holes: true");
        }
        if (t.value() != null) {
            keys.add("value: "
                    + t.value().stream()
                            .map(v -> v instanceof Double d ? num(d) : v.toString())
                            .collect(Collectors.joining(", ", "[", "]")));
        }
        return String.join(", ", keys);
    }

    private static String size(SpatialSize s) {
        List<String> keys = new ArrayList<>();
        boolean fixed = s.hasFixedSize();
        if (fixed) keys.add("fixed: " + s.fixed());
        if (!fixed || s.multipleOf() != 1) keys.add("multiple-of: " + s.multipleOf());
        if (!fixed || s.min() != 1) keys.add("min: " + s.min());
        if (!fixed || s.max() != 2048) keys.add("max: " + s.max());
        return "{" + String.join(", ", keys) + "}";
    }

    /** A double-quoted YAML scalar (JSON's escaping is valid YAML). */
    private static String quote(String s) {
        return JSON.writeValueAsString(s);
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
