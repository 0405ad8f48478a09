package io.genserve.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Derives a manifest from the graph alone, for a model folder that has no {@code genserve.yaml}:
 * roles from the signature's shapes and from what the graph's nodes say ({@link GraphFacts}: a
 * label that indexes an embedding table, a scale that feeds a Resize). What neither can tell
 * (value ranges, channel order, latent distribution) gets its default, and every setting is
 * reported as a {@link Choice} with its evidence, so that a probe run can settle what it can and
 * {@code GET /models} says what to write in a manifest if a choice is wrong. Stateless.
 */
public final class SignatureInference {
    static final String NOT_PROBED = "default: the signature cannot tell";

    /** A derived manifest and every choice made to derive it, in manifest order. */
    public record Derived(ModelManifest manifest, List<Choice> choices) {}

    public Derived derive(ModelSignature graph) {
        return derive(graph, GraphFacts.NONE);
    }

    public Derived derive(ModelSignature graph, GraphFacts facts) {
        List<Choice> chosen = new ArrayList<>();
        List<TensorSpec> inputs = new ArrayList<>();
        List<String> classes = List.of();
        boolean hasColourImage =
                graph.inputs().stream().anyMatch(t -> imageLayout(t) != null && channels(t, imageLayout(t)) == 3);
        long imageInputs = graph.inputs().stream()
                .filter(t -> isFeedable(t) && imageLayout(t) != null)
                .count();
        int colourImages = 0;
        for (TensorInfo t : graph.inputs()) {
            Layout layout = imageLayout(t);
            String key = "inputs." + t.name();
            if (facts.resizeScales().contains(t.name())
                    && isFloat(t)
                    && t.rank() == 1
                    && t.shape().get(0) == 4) {
                List<Object> value = List.of(1.0, 1.0, TensorSpec.SCALE_TERM, TensorSpec.SCALE_TERM);
                inputs.add(TensorSpec.constant(t.name(), t.dtype(), value));
                chosen.add(new Choice(
                        key + ".value",
                        "[1, 1, scale, scale]",
                        "it feeds the scales of a Resize in the graph: the request's scale, on height and width"));
            } else if (isFeedable(t) && layout != null) {
                long c = channels(t, layout);
                TensorRole role;
                if (c == 1 && hasColourImage) {
                    role = TensorRole.MASK;
                    chosen.add(new Choice(
                            key + ".role", "mask", "one channel beside a colour image; a hole is the high end"));
                } else {
                    role = colourImages++ == 0 ? TensorRole.IMAGE : TensorRole.STYLE_IMAGE;
                    if (role == TensorRole.STYLE_IMAGE) {
                        chosen.add(new Choice(key + ".role", "style-image", "a second colour image"));
                    }
                }
                ChannelOrder order = channelsOf(c, role, imageInputs == 1, key, chosen);
                ValueRange range = rangeOf(t, key, chosen);
                inputs.add(TensorSpec.image(t.name(), role, t.dtype(), layout, order, range, sizeOf(t, layout)));
            } else if (isFloat(t) && latentShape(t) != null) {
                inputs.add(TensorSpec.latent(t.name(), t.dtype(), latentShape(t), Distribution.NORMAL));
                chosen.add(new Choice(
                        key + ".distribution",
                        "normal",
                        "default: a latent's distribution cannot be probed (write distribution: uniform if it is)"));
            } else if (t.dtype() == DType.INT64 || t.dtype() == DType.INT32) {
                GraphFacts.Embedding table = facts.embedding(t.name())
                        .orElseThrow(() -> new ManifestException("input '" + t.name()
                                + "' looks like a class label: write a genserve.yaml that names the classes"));
                if (t.rank() > 2 || (t.rank() == 2 && t.shape().get(1) > 1) || table.rows() < 1) {
                    throw new ManifestException("input '" + t.name() + "' " + t.shape()
                            + " indexes a table but is not a label of [N] or [N, 1]: write a genserve.yaml");
                }
                inputs.add(TensorSpec.label(t.name(), t.dtype(), ClassEncoding.INDEX));
                classes = java.util.stream.LongStream.range(0, table.rows())
                        .mapToObj(Long::toString)
                        .toList();
                chosen.add(new Choice(
                        "classes",
                        "0.." + (table.rows() - 1),
                        "input '" + t.name() + "' indexes the embedding table '" + table.table() + "' (Gather) of "
                                + table.rows() + " rows → " + table.rows() + " classes named 0.."
                                + (table.rows() - 1)));
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
        String outKey = "outputs." + out.name();
        ValueRange outRange;
        if (task == Task.GENERATE && out.dtype() != DType.UINT8) {
            outRange = new ValueRange(-1, 1);
            chosen.add(new Choice(outKey + ".range", "[-1, 1]", "default: a tanh generator"));
        } else {
            outRange = rangeOf(out, outKey, chosen);
        }
        long outChannels = channels(out, outLayout);
        boolean yIn = inputs.stream().anyMatch(s -> s.isImageLike() && s.channels() == ChannelOrder.Y);
        TensorSpec output = TensorSpec.image(
                out.name(),
                TensorRole.IMAGE,
                out.dtype(),
                outLayout,
                outChannels == 1 ? (yIn ? ChannelOrder.Y : ChannelOrder.GRAY) : ChannelOrder.RGB,
                outRange,
                null);
        boolean dynamic = graph.inputs().stream().allMatch(t -> t.isDynamic(0));
        chosen.add(0, new Choice("task", EnumNames.of(task), "guessed from the inputs' shapes and types"));
        chosen.add(
                1,
                new Choice(
                        "batch",
                        dynamic ? "dynamic" : "fixed",
                        dynamic
                                ? "axis 0 of every input is open in the graph"
                                : "an input's axis 0 is fixed in the graph: one item per run"));
        ModelManifest manifest = new ModelManifest(
                task,
                "derived from the ONNX graph (no genserve.yaml)",
                false,
                dynamic ? BatchMode.DYNAMIC : BatchMode.FIXED,
                null,
                classes,
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                inputs,
                List.of(output));
        return new Derived(manifest, List.copyOf(chosen));
    }

    /** The only image input with one channel: fed the luma, answered in colour (Y); 3 channels: RGB. */
    private static ChannelOrder channelsOf(
            long c, TensorRole role, boolean onlyImage, String key, List<Choice> chosen) {
        if (role == TensorRole.MASK || (c == 1 && !onlyImage)) {
            return ChannelOrder.GRAY;
        }
        if (c == 1) {
            chosen.add(new Choice(
                    key + ".channels",
                    "Y",
                    "one channel: fed the BT.601 luma; a colour image's answer keeps its chroma (write GRAY for"
                            + " gray answers)"));
            return ChannelOrder.Y;
        }
        chosen.add(new Choice(
                key + ".channels", "RGB", "default: the evidence cannot tell RGB from BGR (write BGR if it is)"));
        return ChannelOrder.RGB;
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

    private static ValueRange rangeOf(TensorInfo t, String key, List<Choice> chosen) {
        if (t.dtype() == DType.UINT8) {
            chosen.add(new Choice(key + ".range", "[0, 255]", "the graph's type is uint8"));
            return new ValueRange(0, 255);
        }
        chosen.add(new Choice(key + ".range", "[0, 1]", NOT_PROBED));
        return ValueRange.UNIT;
    }

    private static SpatialSize sizeOf(TensorInfo t, Layout layout) {
        long h = t.shape().get(layout == Layout.NCHW ? 2 : 1);
        long w = t.shape().get(layout == Layout.NCHW ? 3 : 2);
        return h > 0 && w > 0 ? new SpatialSize(List.of((int) h, (int) w), null, null, null) : SpatialSize.ANY;
    }
}
