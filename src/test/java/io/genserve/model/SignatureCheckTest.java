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
}
