package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureCheckTest {
    static final String INPAINT = """
            task: inpaint
            batch: dynamic
            inputs:
              - {name: image, role: image, layout: NCHW, channels: RGB, size: {multiple-of: 8}}
              - {name: mask, role: mask}
            outputs:
              - {name: out, role: image}
            """;

    static ModelManifest manifest(String yaml) {
        return new ManifestReader().read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    static TensorInfo t(String name, DType dtype, long... shape) {
        return new TensorInfo(name, dtype.name(), dtype, new Shape(shape));
    }

    static List<String> problems(String yaml, List<TensorInfo> in, List<TensorInfo> out) {
        return new SignatureCheck().problems(manifest(yaml), new ModelSignature(in, out));
    }

    @Test
    void aMatchingGraphHasNoProblems() {
        assertThat(problems(
                        INPAINT,
                        List.of(t("image", DType.FLOAT32, -1, 3, -1, -1), t("mask", DType.FLOAT32, -1, 1, -1, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, -1, -1))))
                .isEmpty();
    }

    @Test
    void eachMismatchNamesTheTensorAndTheDifference() {
        assertThat(problems(
                        INPAINT,
                        List.of(t("img", DType.FLOAT32, -1, 3, -1, -1), t("mask", DType.FLOAT16, -1, 1, -1, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, -1, -1))))
                .containsExactlyInAnyOrder(
                        "graph input 'img' is not described in the manifest",
                        "input 'image' is not in the graph (graph inputs: img, mask)",
                        "input 'mask': manifest says float32, graph has FLOAT16");
        assertThat(problems(
                        INPAINT,
                        List.of(t("image", DType.FLOAT32, -1, -1, -1), t("mask", DType.FLOAT32, -1, 1, -1, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, -1, -1))))
                .singleElement()
                .asString()
                .contains("input 'image': expected rank 4");
    }

    @Test
    void aFixedBatchDeclaredDynamicIsRefused() {
        assertThat(problems(
                        INPAINT,
                        List.of(t("image", DType.FLOAT32, 1, 3, -1, -1), t("mask", DType.FLOAT32, 1, 1, -1, -1)),
                        List.of(t("out", DType.FLOAT32, 1, 3, -1, -1))))
                .hasSize(3)
                .allMatch(p -> p.contains("batch: dynamic but the graph fixes the batch dimension to 1"));
    }

    @Test
    void channelsAndFixedSizesAreHeldAgainstTheGraph() {
        assertThat(problems(
                        INPAINT,
                        List.of(t("image", DType.FLOAT32, -1, 1, -1, -1), t("mask", DType.FLOAT32, -1, 1, -1, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, -1, -1))))
                .singleElement()
                .asString()
                .contains("RGB NCHW needs 3 channel(s) on axis 1");
        assertThat(problems(
                        INPAINT,
                        List.of(t("image", DType.FLOAT32, -1, 3, 512, 512), t("mask", DType.FLOAT32, -1, 1, 512, 512)),
                        List.of(t("out", DType.FLOAT32, -1, 3, 512, 512))))
                .singleElement()
                .asString()
                .contains("fixes the image size", "size: {fixed");
    }

    @Test
    void tasksNeedTheirInputs() {
        String noMask = """
                task: inpaint
                inputs: [{name: image, role: image}]
                outputs: [{name: out, role: image}]
                """;
        assertThat(problems(
                        noMask,
                        List.of(t("image", DType.FLOAT32, -1, 3, -1, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, -1, -1))))
                .anyMatch(p -> p.contains("needs one input with role image and one with role mask"));
        String unnamedClasses = """
                task: generate
                inputs: [{name: z, role: latent, shape: [8]}, {name: y, role: class, dtype: int64}]
                outputs: [{name: out, role: image}]
                """;
        assertThat(problems(
                        unnamedClasses,
                        List.of(t("z", DType.FLOAT32, -1, 8), t("y", DType.INT64, -1)),
                        List.of(t("out", DType.FLOAT32, -1, 3, 8, 8))))
                .containsExactly("a class input needs the class names under 'classes'");
    }

    static final List<TensorInfo> SR_IN = List.of(t("input", DType.FLOAT32, 1, 3, 224, 224));
    static final List<TensorInfo> SR_OUT = List.of(t("output", DType.FLOAT32, 1, 3, 672, 672));

    @Test
    void aDeclaredScaleThatContradictsTheGraphNamesBothNumbers() {
        String x4 = """
                task: upscale
                batch: fixed
                scale: 4
                inputs: [{name: input, role: image, size: {fixed: [224, 224]}}]
                outputs: [{name: output, role: image}]
                """;
        assertThat(problems(x4, SR_IN, SR_OUT))
                .containsExactly("the manifest says scale 4, but the graph maps 224x224 to 672x672 (scale 3)");
        assertThat(problems(x4.replace("scale: 4", "scale: 3"), SR_IN, SR_OUT)).isEmpty();
        assertThat(problems(x4.replace("scale: 4\n", ""), SR_IN, SR_OUT)).isEmpty(); // derived from the graph
    }

    @Test
    void anImageToImageModelThatChangesTheSizeIsRefusedWithTheReason() {
        String styled = """
                task: image-to-image
                batch: fixed
                inputs: [{name: input, role: image, size: {fixed: [224, 224]}}]
                outputs: [{name: output, role: image}]
                """;
        assertThat(problems(styled, SR_IN, SR_OUT))
                .singleElement()
                .asString()
                .contains("keeps the image's size", "224x224 to 672x672", "enlarges by 3", "task: upscale");
    }

    @Test
    void constantsAreFedWithTheirShapeOneItemPerRun() {
        String factor = """
                task: upscale
                batch: fixed
                inputs:
                  - {name: input, role: image}
                  - {name: factor, role: constant, value: [1, 1, scale, scale]}
                outputs: [{name: output, role: image}]
                """;
        List<TensorInfo> in = List.of(t("input", DType.FLOAT32, 1, 3, -1, -1), t("factor", DType.FLOAT32, 4));
        List<TensorInfo> out = List.of(t("output", DType.FLOAT32, 1, 3, -1, -1));
        assertThat(problems(factor, in, out)).isEmpty();
        assertThat(problems(factor.replace("batch: fixed", "batch: dynamic"), in, out))
                .contains("input 'factor' is a constant, fed once per run: declare batch: fixed (one item per run)");
        assertThat(problems(factor.replace("[1, 1, scale, scale]", "[1, 1, scale]"), in, out))
                .containsExactly("input 'factor': value has 3 numbers, its shape [4] holds 4");
        assertThat(problems(
                        factor, List.of(t("input", DType.FLOAT32, 1, 3, -1, -1), t("factor", DType.FLOAT32, -1)), out))
                .singleElement()
                .asString()
                .contains("leaves its shape", "declare shape");
        assertThat(problems(factor.replace("task: upscale", "task: image-to-image"), in, out))
                .contains("a constant's value may use 'scale' only in an upscale model");
    }

    @Test
    void lumaGoesInAndOutTogetherAndUpscaleKeysOnlyOnUpscalers() {
        String y = """
                task: upscale
                inputs: [{name: input, role: image, channels: Y}]
                outputs: [{name: output, role: image, channels: GRAY}]
                """;
        List<TensorInfo> in = List.of(t("input", DType.FLOAT32, -1, 1, -1, -1));
        List<TensorInfo> out = List.of(t("output", DType.FLOAT32, -1, 1, -1, -1));
        assertThat(problems(y, in, out)).singleElement().asString().contains("channels: Y goes on the image input and");
        assertThat(problems(y.replace("GRAY", "Y"), in, out)).isEmpty();
        assertThat(problems(y.replace("GRAY", "Y").replace("task: upscale", "task: image-to-image\nscale: 2"), in, out))
                .containsExactly("scale, scales, tile and tile-pad are only for task upscale");
    }
}
