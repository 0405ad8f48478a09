package io.genserve.tasks;

import io.genserve.imaging.PixelImage;
import io.genserve.imaging.PixelValues;
import io.genserve.imaging.Resizer;
import io.genserve.model.Choice;
import io.genserve.model.DType;
import io.genserve.model.GraphFacts;
import io.genserve.model.Layout;
import io.genserve.model.ManifestException;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelSignature;
import io.genserve.model.ProbeDecisions;
import io.genserve.model.ProbeDecisions.Decision;
import io.genserve.model.ProbeDecisions.Trial;
import io.genserve.model.ProbeDecisions.ValueStats;
import io.genserve.model.SignatureCheck;
import io.genserve.model.SignatureInference;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.model.UpscaleGeometry;
import io.genserve.model.ValueRange;
import io.genserve.runtime.HeapTensor;
import io.genserve.runtime.OnnxModel;
import io.genserve.runtime.RunControl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Settles the manifest a model is served with, once at load, after its graph opened and before
 * its batcher exists. A written manifest is checked against the graph, and what the graph leaves
 * open is measured with one probe run: an upscaler's scale (each scale, for a model that takes it
 * at run time), and that an image-to-image model keeps the size. Without a manifest, one is
 * derived from the signature and the graph's nodes, and probe runs on the built-in calibration
 * image settle what they can: the input range whose output best keeps the picture's structure
 * (0..1, 0..255 or -1..1), the output range from the values seen, the scale. Every choice is kept
 * with its evidence. Runs the session directly; used by the loading thread only.
 */
final class ModelProbe {
    /** Factors tried on a model that takes its scale at run time when its manifest lists none. */
    static final List<Integer> RUNTIME_SCALES = List.of(2, 3, 4);

    private final SignatureCheck check = new SignatureCheck();
    private final SignatureInference inference = new SignatureInference();

    /** The manifest in force and what was chosen or measured to get it, in manifest order. */
    record Settled(ModelManifest manifest, List<Choice> choices) {}

    /**
     * @param written the folder's manifest, or null to derive one
     * @throws ManifestException naming what contradicts the graph or what cannot be served
     */
    Settled settle(ModelManifest written, OnnxModel onnx, Path graphFile) {
        ModelSignature graph = onnx.signature();
        Map<String, Choice> choices = new LinkedHashMap<>();
        ModelManifest m = written;
        if (written == null) {
            SignatureInference.Derived derived = inference.derive(graph, facts(graphFile, choices));
            derived.choices().forEach(c -> choices.put(c.setting(), c));
            m = classify(derived.manifest(), onnx, choices);
        }
        requireFits(m, graph);
        if (m.task() == Task.UPSCALE) {
            m = settleScale(m, written, onnx, choices);
        } else if (m.task() == Task.IMAGE_TO_IMAGE) {
            int[][] sizes = sizes(m, onnx, 1);
            String problem = UpscaleGeometry.contradiction(m, sizes[0], sizes[1], "a probe run mapped");
            if (problem != null) {
                throw new ManifestException(problem);
            }
        }
        if (written == null) {
            m = settleRanges(m, onnx, choices);
            requireFits(m, graph);
        }
        return new Settled(m, List.copyOf(choices.values()));
    }

    private static GraphFacts facts(Path graphFile, Map<String, Choice> choices) {
        try {
            return GraphFacts.read(graphFile);
        } catch (IOException | RuntimeException e) {
            put(choices, "graph", "not read", "the graph's nodes could not be read (" + e.getMessage() + ")");
            return GraphFacts.NONE;
        }
    }

    /** An image model whose answer is larger than its input is an upscaler; one that takes a scale is too. */
    private ModelManifest classify(ModelManifest m, OnnxModel onnx, Map<String, Choice> choices) {
        if (m.takesScaleAtRunTime()) {
            put(choices, "task", "upscale", "a constant input takes the scale");
            return m.upscaling(Task.UPSCALE, null, null);
        }
        if (m.task() != Task.IMAGE_TO_IMAGE) {
            return m;
        }
        int[][] sizes = sizes(m, onnx, 1);
        Integer r = UpscaleGeometry.ratio(sizes[0], sizes[1]);
        String mapping = UpscaleGeometry.size(sizes[0]) + " to " + UpscaleGeometry.size(sizes[1]);
        if (r == null || r < 1) {
            throw new ManifestException("the model maps " + mapping
                    + ", neither the same size nor a whole-number enlargement: write a genserve.yaml");
        }
        if (r == 1) {
            put(choices, "task", "image-to-image", "the model maps " + mapping);
            return m;
        }
        put(choices, "task", "upscale", "the model maps " + mapping);
        return m.upscaling(Task.UPSCALE, null, null);
    }

    /** The scale from the graph, or measured: each of the scales of a model that takes it at run time. */
    private ModelManifest settleScale(
            ModelManifest m, ModelManifest written, OnnxModel onnx, Map<String, Choice> choices) {
        if (!m.takesScaleAtRunTime()) {
            int[][] sizes = sizes(m, onnx, 1);
            String how = sizes[2] != null ? "the graph maps" : "a probe run mapped";
            String problem = UpscaleGeometry.contradiction(m, sizes[0], sizes[1], how);
            if (problem != null) {
                throw new ManifestException(problem);
            }
            int r = UpscaleGeometry.ratio(sizes[0], sizes[1]);
            put(
                    choices,
                    "scale",
                    Integer.toString(r),
                    how + " " + UpscaleGeometry.size(sizes[0]) + " to " + UpscaleGeometry.size(sizes[1]));
            return m.upscaling(Task.UPSCALE, r, null);
        }
        boolean declared = written != null && written.scales() != null;
        TreeSet<Integer> candidates = new TreeSet<>(m.scales() != null ? m.scales() : RUNTIME_SCALES);
        if (m.scale() != null) {
            candidates.add(m.scale());
        }
        List<Integer> measured = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int s : candidates) {
            int[][] sizes = sizes(m, onnx, s);
            Integer r = UpscaleGeometry.ratio(sizes[0], sizes[1]);
            seen.add("scale " + s + ": " + UpscaleGeometry.size(sizes[0]) + " to " + UpscaleGeometry.size(sizes[1]));
            if (r != null && r == s) {
                measured.add(s);
            } else if (declared || (m.scale() != null && m.scale() == s)) {
                throw new ManifestException("the manifest offers scale " + s + ", but with it a probe run mapped "
                        + UpscaleGeometry.size(sizes[0]) + " to " + UpscaleGeometry.size(sizes[1]));
            }
        }
        if (measured.isEmpty()) {
            throw new ManifestException("the model takes its scale at run time, but none of " + candidates
                    + " gave an answer that many times the input (" + String.join("; ", seen) + ")");
        }
        int scale = m.scale() != null ? m.scale() : measured.get(0);
        put(choices, "scales", measured.toString(), "probe runs mapped " + String.join("; ", seen));
        put(
                choices,
                "scale",
                Integer.toString(scale),
                m.scale() != null
                        ? "the manifest's, for requests that ask for none"
                        : "default: the smallest that works, for requests that ask for none (declare scale: N)");
        return m.upscaling(Task.UPSCALE, scale, measured);
    }

    /**
     * [input size, output size, non-null when both come from the graph], each [height, width]:
     * read from the graph where it fixes both, else measured with one run of the calibration image.
     */
    private int[][] sizes(ModelManifest m, OnnxModel onnx, int scale) {
        TensorSpec in = m.input(TensorRole.IMAGE).orElseThrow();
        TensorSpec out = m.imageOutput();
        ModelSignature graph = onnx.signature();
        int[] inSize = UpscaleGeometry.staticSize(in, graph.input(in.name()).orElseThrow());
        int[] outSize = UpscaleGeometry.staticSize(out, graph.output(out.name()).orElseThrow());
        if (inSize != null && outSize != null && !m.takesScaleAtRunTime()) {
            return new int[][] {inSize, outSize, inSize};
        }
        PixelImage fed = ProbeFeeds.calibration(in);
        HeapTensor answer = run(m, onnx, scale, 0);
        boolean nchw = out.layout() == Layout.NCHW;
        long[] shape = answer.shape();
        if (shape.length != 4) {
            throw new ManifestException("output '" + out.name() + "' of a probe run is not an image: " + answer);
        }
        int h = (int) shape[nchw ? 2 : 1];
        int w = (int) shape[nchw ? 3 : 2];
        return new int[][] {{fed.height(), fed.width()}, {h, w}, null};
    }

    private ModelManifest settleRanges(ModelManifest m, OnnxModel onnx, Map<String, Choice> choices) {
        TensorSpec out = m.imageOutput();
        boolean image = m.task() == Task.IMAGE_TO_IMAGE || m.task() == Task.UPSCALE;
        TensorSpec in = image ? m.input(TensorRole.IMAGE).orElseThrow() : null;
        int scale = m.scale() != null ? m.scale() : 1;
        if (image && in.dtype() != DType.UINT8) {
            List<Trial> trials = new ArrayList<>();
            for (ValueRange r : ProbeDecisions.INPUT_RANGES) {
                ModelManifest trial = withRanges(m, r, null);
                HeapTensor answer = run(trial, onnx, scale, 0);
                Decision<ValueRange> output = outputRange(out, answer.values(), "on the calibration image");
                double similarity =
                        similarity(ProbeFeeds.calibration(in), answer, withRanges(trial, r, output.value()));
                trials.add(new Trial(r, output, similarity));
            }
            Decision<Trial> chosen = ProbeDecisions.inputRange(trials);
            ValueRange r = chosen.value().input();
            for (TensorSpec t : m.inputs()) {
                if (t.role() == TensorRole.IMAGE || t.role() == TensorRole.STYLE_IMAGE) {
                    put(choices, "inputs." + t.name() + ".range", ProbeDecisions.range(r), chosen.evidence());
                }
            }
            Decision<ValueRange> output = chosen.value().output();
            put(choices, "outputs." + out.name() + ".range", ProbeDecisions.range(output.value()), output.evidence());
            return withRanges(m, r, output.value());
        }
        if (out.dtype() == DType.UINT8) {
            return m;
        }
        List<float[]> values = new ArrayList<>();
        int runs = m.task() == Task.GENERATE ? 4 : 1;
        for (long seed = 0; seed < runs; seed++) {
            values.add(run(m, onnx, scale, seed).values());
        }
        float[] all = concat(values);
        Decision<ValueRange> output = outputRange(
                out, all, m.task() == Task.GENERATE ? "on " + runs + " seeded latents" : "on the calibration image");
        put(choices, "outputs." + out.name() + ".range", ProbeDecisions.range(output.value()), output.evidence());
        return withRanges(m, null, output.value());
    }

    private static Decision<ValueRange> outputRange(TensorSpec out, float[] values, String on) {
        if (out.dtype() == DType.UINT8) {
            return new Decision<>(new ValueRange(0, 255), "the graph's type is uint8");
        }
        return ProbeDecisions.outputRange(ValueStats.of(values), on);
    }

    /** How much of the calibration image's structure the answer, read with {@code m}'s output range, keeps. */
    private static double similarity(PixelImage fed, HeapTensor answer, ModelManifest m) {
        PixelImage decoded = PixelValues.fromValues(answer.values(), 0, answer.shape(), m.imageOutput())
                .withChannels(1);
        PixelImage shrunk = Resizer.resize(decoded, fed.width(), fed.height());
        return ProbeDecisions.similarity(floats(shrunk), floats(fed.withChannels(1)));
    }

    /** {@code m} with its image inputs fed in {@code input} and its image output read in {@code output} (null: kept). */
    private static ModelManifest withRanges(ModelManifest m, ValueRange input, ValueRange output) {
        List<TensorSpec> inputs = m.inputs().stream()
                .map(t -> input != null && (t.role() == TensorRole.IMAGE || t.role() == TensorRole.STYLE_IMAGE)
                        ? t.withRange(input)
                        : t)
                .toList();
        List<TensorSpec> outputs = m.outputs().stream()
                .map(t -> output != null && t == m.imageOutput() ? t.withRange(output) : t)
                .toList();
        return m.withTensors(inputs, outputs);
    }

    /** One run of one item; the image output, on the heap. */
    private static HeapTensor run(ModelManifest m, OnnxModel onnx, int scale, long seed) {
        Map<String, HeapTensor> feed = ProbeFeeds.item(m, onnx.signature(), scale, seed);
        try {
            HeapTensor out =
                    onnx.run(feed, new RunControl()).get(m.imageOutput().name());
            if (out == null) {
                throw new ManifestException(
                        "a probe run gave no output '" + m.imageOutput().name() + "'");
            }
            return out;
        } catch (ManifestException e) {
            throw e;
        } catch (Exception e) {
            throw new ManifestException("a probe run on the calibration image failed: " + e.getMessage());
        }
    }

    private void requireFits(ModelManifest m, ModelSignature graph) {
        List<String> problems = check.problems(m, graph);
        if (!problems.isEmpty()) {
            throw new ManifestException(String.join("; ", problems));
        }
    }

    private static void put(Map<String, Choice> choices, String setting, String value, String evidence) {
        choices.put(setting, new Choice(setting, value, evidence));
    }

    private static float[] floats(PixelImage gray) {
        byte[] p = gray.pixels();
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i] & 0xFF;
        }
        return out;
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
