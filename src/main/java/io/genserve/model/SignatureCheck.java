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
        return problems;
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
        }
        if (m.fit() == Fit.CROP && m.task() != Task.INPAINT)
            problems.add("fit: crop needs a mask, so only inpaint models may use it");
        if (m.fit() == Fit.TILE && m.task() != Task.IMAGE_TO_IMAGE)
            problems.add("fit: tile is only for image-to-image models");
        if (m.imageOutput().role() != TensorRole.IMAGE)
            problems.add("output '" + m.imageOutput().name() + "' must have role image");
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
        if (b.maxBatchSize() != null && b.maxBatchSize() < 1) problems.add("batching.max-batch-size must be >= 1");
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
