package io.genserve.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Derives a manifest from the graph alone, for a model folder that has no {@code genserve.yaml}.
 * What the signature cannot tell (value ranges, channel order, latent distribution) is assumed
 * and each assumption is reported, so that {@code GET /models} says what to write in a manifest
 * if the guess is wrong. Stateless.
 */
public final class SignatureInference {

    /** A derived manifest and the assumptions made to derive it. */
    public record Derived(ModelManifest manifest, List<String> assumptions) {}

    public Derived derive(ModelSignature graph) {
        List<String> assumed = new ArrayList<>();
        List<TensorSpec> inputs = new ArrayList<>();
        boolean hasColourImage =
                graph.inputs().stream().anyMatch(t -> imageLayout(t) != null && channels(t, imageLayout(t)) == 3);
        int colourImages = 0;
        for (TensorInfo t : graph.inputs()) {
            Layout layout = imageLayout(t);
            if (isFeedable(t) && layout != null) {
                long c = channels(t, layout);
                TensorRole role;
                if (c == 1 && hasColourImage) {
                    role = TensorRole.MASK;
                    assumed.add("input '" + t.name()
                            + "' is the mask (one channel beside a colour image), a hole is the high end of its range");
                } else {
                    role = colourImages++ == 0 ? TensorRole.IMAGE : TensorRole.STYLE_IMAGE;
                    if (role == TensorRole.STYLE_IMAGE) {
                        assumed.add("input '" + t.name() + "' is a style image (a second colour image)");
                    }
                }
                ValueRange range = rangeOf(t, assumed);
                ChannelOrder order = c == 1 ? ChannelOrder.GRAY : ChannelOrder.RGB;
                if (c == 3) {
                    assumed.add("input '" + t.name() + "' takes RGB (not BGR)");
                }
                inputs.add(TensorSpec.image(t.name(), role, t.dtype(), layout, order, range, sizeOf(t, layout)));
            } else if (isFloat(t) && latentShape(t) != null) {
                inputs.add(TensorSpec.latent(t.name(), t.dtype(), latentShape(t), Distribution.NORMAL));
                assumed.add("input '" + t.name() + "' is a latent drawn from a standard normal distribution");
            } else if (t.dtype() == DType.INT64 || t.dtype() == DType.INT32) {
                throw new ManifestException("input '" + t.name()
                        + "' looks like a class label: write a genserve.yaml that names the classes");
            } else {
                throw new ManifestException("cannot tell what input '" + t.name() + "' " + t.shape() + " of type "
                        + t.elementType() + " carries: write a genserve.yaml");
            }
        }
        Task task = inputs.stream().anyMatch(s -> s.role() == TensorRole.LATENT)
                ? Task.GENERATE
                : inputs.stream().anyMatch(s -> s.role() == TensorRole.MASK) ? Task.INPAINT : Task.IMAGE_TO_IMAGE;
        TensorInfo out = graph.outputs().get(0);
        Layout outLayout = imageLayout(out);
        if (outLayout == null || !isFeedable(out)) {
            throw new ManifestException("output '" + out.name() + "' " + out.shape()
                    + " is not an image tensor Genserve can read: write a genserve.yaml");
        }
        ValueRange outRange;
        if (task == Task.GENERATE && out.dtype() != DType.UINT8) {
            outRange = new ValueRange(-1, 1);
            assumed.add("output '" + out.name() + "' is in [-1, 1] (a tanh generator)");
        } else {
            outRange = rangeOf(out, assumed);
        }
        TensorSpec output = TensorSpec.image(
                out.name(),
                TensorRole.IMAGE,
                out.dtype(),
                outLayout,
                channels(out, outLayout) == 1 ? ChannelOrder.GRAY : ChannelOrder.RGB,
                outRange,
                null);
        boolean dynamic = graph.inputs().stream().allMatch(t -> t.isDynamic(0));
        assumed.add("task " + EnumNames.of(task) + " guessed from the inputs; batch " + (dynamic ? "dynamic" : "fixed")
                + " read from the graph");
        ModelManifest manifest = new ModelManifest(
                task,
                "derived from the ONNX signature (no genserve.yaml)",
                false,
                dynamic ? BatchMode.DYNAMIC : BatchMode.FIXED,
                null,
                null,
                false,
                null,
                null,
                inputs,
                List.of(output));
        return new Derived(manifest, List.copyOf(assumed));
    }

    private static boolean isFloat(TensorInfo t) {
        return t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT16;
    }

    private static boolean isFeedable(TensorInfo t) {
        return isFloat(t) || t.dtype() == DType.UINT8;
    }

    /** NCHW when axis 1 holds 1 or 3 channels, NHWC when axis 3 does; null when neither or 1x1 spatially. */
    private static Layout imageLayout(TensorInfo t) {
        if (t.rank() != 4) {
            return null;
        }
        long a1 = t.shape().get(1);
        long a3 = t.shape().get(3);
        if (t.shape().get(2) == 1 && a3 == 1) {
            return null; // [N, K, 1, 1]: a DCGAN latent, not a 1-pixel image
        }
        if (a1 == 1 || a1 == 3) {
            return Layout.NCHW;
        }
        return a3 == 1 || a3 == 3 ? Layout.NHWC : null;
    }

    private static long channels(TensorInfo t, Layout layout) {
        return t.shape().get(layout == Layout.NCHW ? 1 : 3);
    }

    /** [N, K] or [N, K, 1, 1] with K known: a latent of K values. */
    private static List<Long> latentShape(TensorInfo t) {
        long[] dims = t.shape().getShape();
        if (dims.length < 2) {
            return null;
        }
        List<Long> shape = new ArrayList<>();
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] < 1) {
                return null;
            }
            shape.add(dims[i]);
        }
        return shape;
    }

    private static ValueRange rangeOf(TensorInfo t, List<String> assumed) {
        if (t.dtype() == DType.UINT8) {
            return new ValueRange(0, 255);
        }
        assumed.add("'" + t.name() + "' values are in [0, 1]");
        return ValueRange.UNIT;
    }

    private static SpatialSize sizeOf(TensorInfo t, Layout layout) {
        long h = t.shape().get(layout == Layout.NCHW ? 2 : 1);
        long w = t.shape().get(layout == Layout.NCHW ? 3 : 2);
        return h > 0 && w > 0 ? new SpatialSize(List.of((int) h, (int) w), null, null, null) : SpatialSize.ANY;
    }
}
