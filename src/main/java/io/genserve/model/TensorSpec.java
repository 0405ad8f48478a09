package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the service must know to feed one graph input or read one graph output. Which keys matter
 * depends on the role (see docs/manifest.md); the others keep their defaults and are ignored.
 *
 * @param shape latent only: the per-item shape, without the batch axis
 * @param truncation latent only: whether requests may ask for the truncation trick
 * @param threshold mask only: request mask pixels (0..255) at or above it are holes
 * @param zeroHoles inpainter image only: set hole pixels to the bottom of the range before feeding
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
        boolean zeroHoles) {

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
                name, role, dtype, null, null, false, null, layout, channels, range, size, null, null, false);
    }

    /** A latent of the given per-item shape; every other key keeps its default. */
    public static TensorSpec latent(String name, DType dtype, List<Long> shape, Distribution distribution) {
        return new TensorSpec(
                name,
                TensorRole.LATENT,
                dtype,
                shape,
                distribution,
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                false);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isImageLike() {
        return role == TensorRole.IMAGE || role == TensorRole.MASK || role == TensorRole.STYLE_IMAGE;
    }

    /** Number of colour channels an image-like tensor has. */
    public int channelCount() {
        return channels == ChannelOrder.GRAY ? 1 : 3;
    }

    /** Number of latent values per item. */
    public int latentSize() {
        return Math.toIntExact(shape.stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact));
    }
}
