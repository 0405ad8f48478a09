package io.genserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.convert.DurationStyle;

/**
 * Holds a manifest against the graph's real signature and against what its task needs. Every
 * problem is one phrase naming the tensor and the difference; an empty list means the model can
 * be served as the manifest says. Stateless.
 */
public final class SignatureCheck {

    public List<String> problems(ModelManifest manifest, ModelSignature graph) {
        List<String> problems = new ArrayList<>();
        checkTask(manifest, problems);
        checkBatching(manifest.batching(), problems);
        Set<String> declared = manifest.inputs().stream().map(TensorSpec::name).collect(Collectors.toSet());
        for (TensorInfo in : graph.inputs()) {
            if (!declared.contains(in.name())) {
                problems.add("graph input '" + in.name() + "' is not described in the manifest");
            }
        }
        for (TensorSpec spec : manifest.inputs()) {
            graph.input(spec.name())
                    .ifPresentOrElse(
                            info -> checkTensor("input", spec, info, manifest, problems),
                            () -> problems.add("input '" + spec.name() + "' is not in the graph (graph inputs: "
                                    + names(graph.inputs()) + ")"));
        }
        for (TensorSpec spec : manifest.outputs()) {
            graph.output(spec.name())
                    .ifPresentOrElse(
                            info -> checkTensor("output", spec, info, manifest, problems),
                            () -> problems.add("output '" + spec.name() + "' is not in the graph (graph outputs: "
                                    + names(graph.outputs()) + ")"));
        }
        if (problems.isEmpty()) {
            checkSizeChange(manifest, graph, problems);
        }
        return problems;
    }

    /**
     * Where the graph fixes both sizes: an image-to-image model must keep the size (it is never
     * silently shrunk back), and an upscaler's declared scale must be the graph's.
     */
    private static void checkSizeChange(ModelManifest m, ModelSignature graph, List<String> problems) {
        if (m.task() != Task.IMAGE_TO_IMAGE && m.task() != Task.UPSCALE) {
            return;
        }
        TensorSpec in = m.input(TensorRole.IMAGE).orElseThrow();
        TensorSpec out = m.imageOutput();
        int[] inSize = UpscaleGeometry.staticSize(in, graph.input(in.name()).orElseThrow());
        int[] outSize = UpscaleGeometry.staticSize(out, graph.output(out.name()).orElseThrow());
        if (inSize == null || outSize == null) {
            return; // measured with a probe run at load
        }
        String problem = UpscaleGeometry.contradiction(m, inSize, outSize, "the graph maps");
        if (problem != null) {
            problems.add(problem);
        }
    }

    private static void checkTask(ModelManifest m, List<String> problems) {
        int latents = m.inputs(TensorRole.LATENT).size();
        int classes = m.inputs(TensorRole.CLASS).size();
        int images = m.inputs(TensorRole.IMAGE).size();
        int masks = m.inputs(TensorRole.MASK).size();
        int styles = m.inputs(TensorRole.STYLE_IMAGE).size();
        String task = EnumNames.of(m.task());
        switch (m.task()) {
            case GENERATE -> {
                if (latents != 1)
                    problems.add("task " + task + " needs exactly one input with role latent, found " + latents);
                if (classes > 1)
                    problems.add("task " + task + " takes at most one input with role class, found " + classes);
                if (images + masks + styles > 0) problems.add("task " + task + " takes no image or mask inputs");
                if (classes == 1 && m.classes().isEmpty())
                    problems.add("a class input needs the class names under 'classes'");
            }
            case INPAINT -> {
                if (images != 1 || masks != 1)
                    problems.add("task " + task + " needs one input with role image and one with role mask, found "
                            + images + " and " + masks);
                if (latents + classes + styles > 0) problems.add("task " + task + " takes only an image and a mask");
            }
            case IMAGE_TO_IMAGE -> {
                if (images != 1)
                    problems.add("task " + task + " needs exactly one input with role image, found " + images);
                if (styles > 1)
                    problems.add("task " + task + " takes at most one input with role style-image, found " + styles);
                if (latents + classes + masks > 0)
                    problems.add("task " + task + " takes only an image and optionally a style image");
            }
            case UPSCALE -> {
                if (images != 1)
                    problems.add("task " + task + " needs exactly one input with role image, found " + images);
                if (latents + classes + masks + styles > 0)
                    problems.add("task " + task + " takes only an image (and constants)");
            }
        }
        checkUpscaleKeys(m, problems);
        checkChannels(m, problems);
        if (m.fit() == Fit.CROP && m.task() != Task.INPAINT)
            problems.add("fit: crop needs a mask, so only inpaint models may use it");
        if (m.fit() == Fit.TILE && m.task() != Task.IMAGE_TO_IMAGE)
            problems.add("fit: tile is only for image-to-image models (upscale models are always tiled as needed)");
        if (m.imageOutput().role() != TensorRole.IMAGE)
            problems.add("output '" + m.imageOutput().name() + "' must have role image");
    }

    private static void checkUpscaleKeys(ModelManifest m, List<String> problems) {
        boolean upscale = m.task() == Task.UPSCALE;
        if (!upscale && (m.scale() != null || m.scales() != null || m.tile() != null || m.tilePad() != null)) {
            problems.add("scale, scales, tile and tile-pad are only for task upscale");
        }
        if (!upscale && m.takesScaleAtRunTime()) {
            problems.add("a constant's value may use '" + TensorSpec.SCALE_TERM + "' only in an upscale model");
        }
        if (upscale && m.scales() != null && !m.takesScaleAtRunTime()) {
            problems.add("scales lists the factors of a model that takes its scale at run time, but no constant's"
                    + " value uses '" + TensorSpec.SCALE_TERM + "'; declare the one factor with scale");
        }
        if (m.scales() != null && m.scale() != null && !m.scales().contains(m.scale())) {
            problems.add("scale " + m.scale() + " is not one of scales " + m.scales());
        }
        if (!m.inputs(TensorRole.CONSTANT).isEmpty() && m.batch() == BatchMode.DYNAMIC) {
            problems.add("input '" + m.inputs(TensorRole.CONSTANT).get(0).name()
                    + "' is a constant, fed once per run: declare batch: fixed (one item per run)");
        }
    }

    /** Y in means Y out: the answer takes its colour from the input's chroma. */
    private static void checkChannels(ModelManifest m, List<String> problems) {
        boolean yIn = m.inputs().stream().anyMatch(t -> t.isImageLike() && t.channels() == ChannelOrder.Y);
        boolean yOut = m.imageOutput().channels() == ChannelOrder.Y;
        if ((yIn || yOut) && m.task() != Task.IMAGE_TO_IMAGE && m.task() != Task.UPSCALE) {
            problems.add("channels: Y is for image-to-image and upscale models");
        } else if (yIn != yOut) {
            problems.add("channels: Y goes on the image input and the output together (the answer's colour comes"
                    + " from the input's chroma)");
        }
    }

    private static void checkBatching(BatchingOverrides b, List<String> problems) {
        for (String d : new String[] {b.maxDelay(), b.timeout()}) {
            if (d != null) {
                try {
                    DurationStyle.detectAndParse(d);
                } catch (IllegalArgumentException e) {
                    problems.add("batching: '" + d + "' is not a duration (e.g. 5ms, 30s)");
                }
            }
        }
        if (b.maxQueueSize() != null && b.maxQueueSize() < 1) problems.add("batching.max-queue-size must be >= 1");
        if (b.concurrency() != null && b.concurrency() < 1) problems.add("batching.concurrency must be >= 1");
    }

    private static void checkTensor(
            String kind, TensorSpec spec, TensorInfo info, ModelManifest m, List<String> problems) {
        String what = kind + " '" + spec.name() + "'";
        if (info.dtype() != spec.dtype()) {
            problems.add(what + ": manifest says " + EnumNames.of(spec.dtype()) + ", graph has " + info.elementType());
            return;
        }
        if (spec.role() == TensorRole.CONSTANT) {
            checkConstant(what, spec, info, problems);
            return;
        }
        int expectedRank = expectedRank(spec, info);
        if (info.rank() != expectedRank) {
            problems.add(what + ": expected rank " + expectedRank + " for role " + EnumNames.of(spec.role())
                    + ", graph has " + info.rank() + " " + info.shape());
            return;
        }
        long batch = info.shape().get(0);
        if (m.batch() == BatchMode.DYNAMIC && batch >= 0) {
            problems.add(what + ": manifest says batch: dynamic but the graph fixes the batch dimension to " + batch
                    + " (declare batch: fixed)");
        } else if (m.batch() == BatchMode.FIXED && batch > 1) {
            problems.add(what + ": batch: fixed feeds one item, but the graph's batch dimension is " + batch);
        }
        switch (spec.role()) {
            case LATENT -> {
                for (int i = 0; i < spec.shape().size(); i++) {
                    long g = info.shape().get(i + 1);
                    if (g >= 0 && g != spec.shape().get(i)) {
                        problems.add(what + ": latent shape " + spec.shape() + " does not match the graph's "
                                + info.shape());
                        break;
                    }
                }
            }
            case CLASS -> {
                if (spec.encoding() == ClassEncoding.ONE_HOT) {
                    long k = info.shape().get(1);
                    if (k >= 0 && k != m.classes().size()) {
                        problems.add(what + ": one-hot over " + k + " classes in the graph, "
                                + m.classes().size() + " names in the manifest");
                    }
                } else if (info.rank() == 2 && info.shape().get(1) > 1) {
                    problems.add(what + ": an index label is [N] or [N, 1], graph has " + info.shape());
                }
            }
            case IMAGE, MASK, STYLE_IMAGE -> checkImage(what, spec, info, kind.equals("input"), problems);
        }
    }

    /** A constant is fed with exactly its shape (no batch axis is added): the shape must be known. */
    private static void checkConstant(String what, TensorSpec spec, TensorInfo info, List<String> problems) {
        long[] graphShape = info.shape().getShape();
        if (spec.shape() != null) {
            boolean matches = spec.shape().size() == graphShape.length;
            for (int i = 0; matches && i < graphShape.length; i++) {
                matches = graphShape[i] < 0 || graphShape[i] == spec.shape().get(i);
            }
            if (!matches) {
                problems.add(what + ": shape " + spec.shape() + " does not match the graph's " + info.shape());
                return;
            }
        } else if (java.util.Arrays.stream(graphShape).anyMatch(d -> d < 0)) {
            problems.add(what + ": the graph leaves its shape " + info.shape() + " open; declare shape");
            return;
        }
        long count = spec.shape() != null
                ? spec.shape().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact)
                : info.shape().size();
        if (spec.value().size() != 1 && spec.value().size() != count) {
            problems.add(what + ": value has " + spec.value().size() + " numbers, its shape "
                    + java.util.Arrays.toString(constantShape(spec, info)) + " holds " + count);
        }
    }

    /** The shape a constant is fed with: the manifest's, else the graph's. */
    public static long[] constantShape(TensorSpec spec, TensorInfo info) {
        return spec.shape() != null
                ? spec.shape().stream().mapToLong(Long::longValue).toArray()
                : info.shape().getShape();
    }

    private static int expectedRank(TensorSpec spec, TensorInfo info) {
        return switch (spec.role()) {
            case LATENT -> 1 + spec.shape().size();
            case CLASS -> spec.encoding() == ClassEncoding.ONE_HOT ? 2 : info.rank() == 2 ? 2 : 1;
            default -> 4;
        };
    }

    /** Outputs are not size-checked: a generator's output size is whatever its graph makes. */
    private static void checkImage(
            String what, TensorSpec spec, TensorInfo info, boolean isInput, List<String> problems) {
        boolean nchw = spec.layout() == Layout.NCHW;
        long channels = info.shape().get(nchw ? 1 : 3);
        long h = info.shape().get(nchw ? 2 : 1);
        long w = info.shape().get(nchw ? 3 : 2);
        if (channels >= 0 && channels != spec.channelCount()) {
            problems.add(what + ": " + EnumNames.of(spec.channels()) + " " + EnumNames.of(spec.layout()) + " needs "
                    + spec.channelCount() + " channel(s) on axis " + (nchw ? 1 : 3) + ", graph has " + info.shape());
        }
        SpatialSize size = spec.size();
        if (!isInput || spec.role() == TensorRole.MASK) {
            return; // a mask is fed at its image's size
        }
        if (size.hasFixedSize()) {
            if ((h >= 0 && h != size.fixedHeight()) || (w >= 0 && w != size.fixedWidth())) {
                problems.add(what + ": size.fixed " + size.fixed() + " does not match the graph's " + info.shape());
            }
        } else if (h >= 0 || w >= 0) {
            problems.add(what + ": the graph fixes the image size to " + info.shape()
                    + "; declare size: {fixed: [height, width]}");
        }
    }

    private static String names(List<TensorInfo> tensors) {
        return tensors.stream().map(TensorInfo::name).collect(Collectors.joining(", "));
    }
}
