package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.genserve.model.ChannelOrder;
import io.genserve.model.ManifestException;
import io.genserve.model.ManifestReader;
import io.genserve.model.ManifestWriter;
import io.genserve.model.ModelManifest;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.ValueRange;
import io.genserve.runtime.MemoryArena;
import io.genserve.runtime.OnnxModel;
import io.genserve.runtime.OnnxModelLoader;
import io.genserve.runtime.OnnxProperties;
import io.genserve.runtime.ProviderChoice;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The probe on real ONNX Runtime sessions of the fixture graphs; no Spring. */
class ModelProbeTest {
    static final Path MODELS = Path.of("src/test/resources/fixtures/models");
    static final OnnxModelLoader LOADER = new OnnxModelLoader(
            OrtEnvironment.getEnvironment(),
            new OnnxProperties(ProviderChoice.CPU, 0, 1, 1, OptLevel.ALL_OPT, false, false, MemoryArena.SHRINK),
            1);

    final ModelProbe probe = new ModelProbe();

    static ModelProbe.Settled settle(ModelProbe probe, String model, String yaml) {
        Path graph = MODELS.resolve(model).resolve("model.onnx");
        try (OnnxModel onnx = LOADER.load(model, graph, 1)) {
            return probe.settle(yaml == null ? null : read(yaml), onnx, graph);
        }
    }

    static ModelManifest read(String yaml) {
        return new ManifestReader().read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aDeclaredScaleThatAProbeRunContradictsRefusesTheModelNamingBothNumbers() {
        String x2 = """
                task: upscale
                scale: 2
                inputs: [{name: input, role: image}]
                outputs: [{name: output, role: image}]
                """;
        assertThatThrownBy(() -> settle(probe, "up-compact-x4", x2))
                .isInstanceOf(ManifestException.class)
                .hasMessage("the manifest says scale 2, but a probe run mapped 64x64 to 256x256 (scale 4)");
        assertThat(settle(probe, "up-compact-x4", x2.replace("scale: 2", "scale: 4"))
                        .manifest()
                        .scale())
                .isEqualTo(4);
        assertThat(settle(probe, "up-compact-x4", x2.replace("scale: 2\n", ""))
                        .manifest()
                        .scale())
                .isEqualTo(4);
    }

    @Test
    void anImageToImageModelThatEnlargesIsNeverShrunkBackButRefused() {
        assertThatThrownBy(() -> settle(probe, "up-compact-x4", """
                        task: image-to-image
                        inputs: [{name: input, role: image}]
                        outputs: [{name: output, role: image}]
                        """))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("keeps the image's size, but a probe run mapped 64x64 to 256x256")
                .hasMessageContaining("declare task: upscale");
    }

    @Test
    void aRuntimeScaleIsMeasuredForEachFactor() {
        ModelProbe.Settled s = settle(probe, "up-srcnn-factor", """
                task: upscale
                batch: fixed
                scales: [2, 3, 4, 6]
                inputs:
                  - {name: input, role: image}
                  - {name: factor, role: constant, value: [1, 1, scale, scale]}
                outputs: [{name: output, role: image}]
                """);
        assertThat(s.manifest().scales()).containsExactly(2, 3, 4, 6);
        assertThat(s.manifest().scale()).isEqualTo(2);
        assertThat(s.choices())
                .anyMatch(c -> c.setting().equals("scales") && c.evidence().contains("64x64 to 384x384"));
    }

    @Test
    void theProbeSettlesEachBareConvention() {
        ModelManifest srcnn = settle(probe, "up-srcnn-bgr255-bare", null).manifest();
        assertThat(srcnn.task()).isEqualTo(Task.UPSCALE);
        assertThat(srcnn.scale()).isEqualTo(3);
        assertThat(srcnn.input(TensorRole.IMAGE).orElseThrow().range()).isEqualTo(new ValueRange(0, 255));
        assertThat(srcnn.imageOutput().range()).isEqualTo(new ValueRange(0, 255));

        ModelManifest espcn = settle(probe, "up-espcn-y-bare", null).manifest();
        assertThat(espcn.input(TensorRole.IMAGE).orElseThrow().channels()).isEqualTo(ChannelOrder.Y);
        assertThat(espcn.imageOutput().channels()).isEqualTo(ChannelOrder.Y);
        assertThat(espcn.scale()).isEqualTo(3);

        ModelManifest gan = settle(probe, "gan-label-int32-bare", null).manifest();
        assertThat(gan.classes()).containsExactly("0", "1", "2", "3", "4");
        assertThat(gan.imageOutput().range()).isEqualTo(new ValueRange(-1, 1));
        assertThat(settle(probe, "gan-uniform-bare", null)
                        .manifest()
                        .imageOutput()
                        .range())
                .isEqualTo(ValueRange.UNIT);
    }

    /** A user saves GET /models/{name}/manifest as genserve.yaml: the model loads with it and means the same. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "up-srcnn-bgr255-bare",
                "up-espcn-y-bare",
                "up-srcnn-factor-bare",
                "up-compact-x4-bare",
                "up-compact-x2-clip-bare",
                "style-255-unclamped-bare",
                "gan-uniform-bare",
                "gan-label-int32-bare",
                "no-manifest"
            })
    void aDerivedManifestSavedAsYamlLoadsAsTheSameManifest(String model) {
        ModelManifest derived = settle(probe, model, null).manifest();
        String yaml = new ManifestWriter().write(derived);
        assertThat(read(yaml)).as(yaml).isEqualTo(derived);
        assertThat(settle(probe, model, yaml).manifest()).as(yaml).isEqualTo(derived);
    }
}
