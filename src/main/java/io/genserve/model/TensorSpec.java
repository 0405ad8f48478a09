package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the service must know to feed one graph input or read one graph output. Which keys matter
 * depends on the role (see docs/manifest.md); the others keep their defaults and are ignored.
 *
 * @param shape latent: the per-item shape, without the batch axis; constant: the tensor's whole shape
 *     (null: the graph's)
 * @param truncation latent only: whether requests may ask for the truncation trick
 * @param threshold mask only: request mask pixels (0..255) at or above it are holes
 * @param zeroHoles inpainter image only: set hole pixels to the bottom of the range before feeding
 * @param value constant only: the values fed, in row-major order (one value fills the whole shape);
 *     each is a number or {@value #SCALE_TERM}, the scale the request asks for (upscale models)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TensorSpec(
        String name,
        TensorRole role,
        DType dtype,
        List<Long> shape,
        Distribution distribution,
        boolean truncation,
        ClassEncoding encoding,
        Layout layout,
        ChannelOrder channels,
        ValueRange range,
        SpatialSize size,
        HolePolarity hole,
        Integer threshold,
        boolean zeroHoles,
        List<Object> value) {
    /** The word a constant's value uses for the scale the request asks for. */
    public static final String SCALE_TERM = "scale";

    public TensorSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("every tensor needs a name");
        }
        if (role == null) {
            throw new IllegalArgumentException("tensor '" + name + "' needs a role");
        }
        dtype = dtype == null ? DType.FLOAT32 : dtype;
        shape = shape == null ? null : List.copyOf(shape);
        distribution = distribution == null ? Distribution.NORMAL : distribution;
        encoding = encoding == null ? ClassEncoding.INDEX : encoding;
        layout = layout == null ? Layout.NCHW : layout;
        channels = role == TensorRole.MASK ? ChannelOrder.GRAY : channels == null ? ChannelOrder.RGB : channels;
        range = range == null ? ValueRange.UNIT : range;
        size = size == null ? SpatialSize.ANY : size;
        hole = hole == null ? HolePolarity.HIGH : hole;
        threshold = threshold == null ? 128 : threshold;
        if (threshold < 1 || threshold > 255) {
            throw new IllegalArgumentException("tensor '" + name + "': threshold must be 1..255, got " + threshold);
        }
        if (role == TensorRole.LATENT
                && (shape == null || shape.isEmpty() || shape.stream().anyMatch(d -> d < 1))) {
            throw new IllegalArgumentException(
                    "latent '" + name + "' needs shape: its per-item dimensions, e.g. [100, 1, 1]");
        }
        value = role == TensorRole.CONSTANT ? constantValue(name, value) : null;
    }

    /** Numbers become doubles (so a manifest written back reads back equal); the one word allowed is "scale". */
    private static List<Object> constantValue(String name, List<Object> value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("constant '" + name + "' needs value: e.g. [1, 1, scale, scale]");
        }
        List<Object> out = new java.util.ArrayList<>();
        for (Object v : value) {
            if (v instanceof Number n) {
                out.add(n.doubleValue());
            } else if (SCALE_TERM.equals(v)) {
                out.add(SCALE_TERM);
            } else {
                throw new IllegalArgumentException("constant '" + name + "': value holds numbers and the word '"
                        + SCALE_TERM + "', got '" + v + "'");
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** An image, mask, style image or image output; every other key keeps its default. */
    public static TensorSpec image(
            String name,
            TensorRole role,
            DType dtype,
            Layout layout,
            ChannelOrder channels,
            ValueRange range,
            SpatialSize size) {
        return new TensorSpec(
                name, role, dtype, null, null, false, null, layout, channels, range, size, null, null, false, null);
    }

    /** A latent of the given per-item shape; every other key keeps its default. */
    public static TensorSpec latent(String name, DType dtype, List<Long> shape, Distribution distribution) {
        return plain(name, TensorRole.LATENT, dtype, shape, distribution, null, null);
    }

    /** A class label in the given encoding; every other key keeps its default. */
    public static TensorSpec label(String name, DType dtype, ClassEncoding encoding) {
        return plain(name, TensorRole.CLASS, dtype, null, null, encoding, null);
    }

    /** A constant input fed {@code value} with the graph's shape; every other key keeps its default. */
    public static TensorSpec constant(String name, DType dtype, List<Object> value) {
        return plain(name, TensorRole.CONSTANT, dtype, null, null, null, value);
    }

    private static TensorSpec plain(
            String name,
            TensorRole role,
            DType dtype,
            List<Long> shape,
            Distribution distribution,
            ClassEncoding encoding,
            List<Object> value) {
        return new TensorSpec(
                name,
                role,
                dtype,
                shape,
                distribution,
                false,
                encoding,
                null,
                null,
                null,
                null,
                null,
                null,
                false,
                value);
    }

    /** The same tensor fed or read in another range. */
    public TensorSpec withRange(ValueRange newRange) {
        return new TensorSpec(
                name,
                role,
                dtype,
                shape,
                distribution,
                truncation,
                encoding,
                layout,
                channels,
                newRange,
                size,
                hole,
                threshold,
                zeroHoles,
                value);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isImageLike() {
        return role == TensorRole.IMAGE || role == TensorRole.MASK || role == TensorRole.STYLE_IMAGE;
    }

    /** Number of channels an image-like tensor has. */
    public int channelCount() {
        return channels == ChannelOrder.GRAY || channels == ChannelOrder.Y ? 1 : 3;
    }

    /** A constant's value with {@value #SCALE_TERM} replaced by {@code scale}. */
    public float[] constantValues(int scale) {
        float[] out = new float[value.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value.get(i) instanceof Double d ? d.floatValue() : scale;
        }
        return out;
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean bindsScale() {
        return value != null && value.contains(SCALE_TERM);
    }

    /** Number of latent values per item. */
    public int latentSize() {
        return Math.toIntExact(shape.stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact));
    }
}
