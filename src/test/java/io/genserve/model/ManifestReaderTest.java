package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {
    final ManifestReader reader = new ManifestReader();

    ModelManifest read(String yaml) {
        return reader.read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyFixtureManifestParses() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/test/resources/fixtures/models"))) {
            List<Path> manifests = files.filter(p -> p.getFileName().toString().equals("genserve.yaml"))
                    .toList();
            assertThat(manifests).hasSizeGreaterThanOrEqualTo(9);
            manifests.forEach(reader::read);
        }
    }

    @Test
    void publicExportConventionsAreExpressible() {
        ModelManifest migan = read("""
                task: inpaint
                batch: fixed
                composites: true
                fit: crop
                inputs:
                  - {name: image, role: image, dtype: uint8, layout: NCHW, channels: BGR, range: [0, 255], size: {fixed: [512, 512]}}
                  - {name: mask, role: mask, dtype: uint8, range: [0, 255], hole: low, threshold: 100}
                outputs:
                  - {name: result, role: image, dtype: uint8, channels: BGR, range: [0, 255]}
                """);
        TensorSpec mask = migan.input(TensorRole.MASK).orElseThrow();
        assertThat(mask.hole()).isEqualTo(HolePolarity.LOW);
        assertThat(mask.threshold()).isEqualTo(100);
        assertThat(mask.channels()).isEqualTo(ChannelOrder.GRAY);
        assertThat(migan.input(TensorRole.IMAGE).orElseThrow().size().fixed()).containsExactly(512, 512);
        assertThat(migan.batch()).isEqualTo(BatchMode.FIXED);
        assertThat(migan.fit()).isEqualTo(Fit.CROP);

        ModelManifest dcgan = read("""
                task: generate
                inputs: [{name: z, role: latent, shape: [100, 1, 1]}]
                outputs: [{name: out, role: image, range: [-1, 1]}]
                batching: {max-batch-size: 32, max-delay: 2ms}
                """);
        assertThat(dcgan.input(TensorRole.LATENT).orElseThrow().latentSize()).isEqualTo(100);
        assertThat(dcgan.imageOutput().range()).isEqualTo(new ValueRange(-1, 1));
        assertThat(dcgan.batching().maxBatchSize()).isEqualTo(new MaxBatchSize(32));
    }

    @Test
    void maxBatchSizeIsANumberOrAuto() {
        String gan = "task: generate\ninputs: [{name: z, role: latent, shape: [4]}]\n"
                + "outputs: [{name: o, role: image}]\nbatching: {max-batch-size: %s}\n";
        assertThat(read(gan.formatted("auto")).batching().maxBatchSize()).isEqualTo(MaxBatchSize.AUTO);
        assertThat(read(gan.formatted("4")).batching().maxBatchSize()).isEqualTo(new MaxBatchSize(4));
        assertThatThrownBy(() -> read(gan.formatted("0")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("batching.max-batch-size")
                .hasMessageContaining("auto or 1..1024, got 0");
        assertThatThrownBy(() -> read(gan.formatted("atuo")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("auto or 1..1024, got 'atuo'");
    }

    @Test
    void mistakesAreOneLineNamingTheKey() {
        assertThatThrownBy(() -> read("task: generate\ninputs: [{name: z, role: latent, shape: [4]}]\n"
                        + "outputs: [{name: o, role: image, layout: NCWH}]\n"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("outputs[0].layout")
                .hasMessageContaining("NCWH");
        assertThatThrownBy(() -> read("task: generat\ninputs: []\noutputs: []\n"))
                .hasMessageContaining("task");
        assertThatThrownBy(() ->
                        read("task: generate\ninputs: [{name: z, role: latent}]\noutputs: [{name: o, role: image}]\n"))
                .hasMessageContaining("latent 'z' needs shape");
        assertThatThrownBy(() -> read("task: inpaint\ninputs: [{name: i, role: image, range: [1, 1]}]\n"
                        + "outputs: [{name: o, role: image}]\n"))
                .hasMessageContaining("range must be two different finite numbers");
        assertThatThrownBy(() -> read("task: inpaint\n  bad: [indent\n")).isInstanceOf(ManifestException.class);
        assertThatThrownBy(() -> read("task: upscale\ninputs: [{name: f, role: constant, value: [1, scales]}]\n"
                        + "outputs: [{name: o, role: image}]\n"))
                .hasMessageContaining("value holds numbers and the word 'scale', got 'scales'");
        assertThatThrownBy(() -> read("task: upscale\nscale: 0\ninputs: [{name: i, role: image}]\n"
                        + "outputs: [{name: o, role: image}]\n"))
                .hasMessageContaining("scale must be 1..16, got 0");
    }

    /** The manifest's keys are checked as strictly as the service's properties: a typo names the nearest key. */
    @Test
    void anUnknownKeyAnywhereFailsNamingTheNearestKey() {
        String body = "inputs: [{name: z, role: latent, shape: [4]}]\noutputs: [{name: o, role: image}]\n";
        assertThatThrownBy(() -> read("task: generate\ndefualt: true\n" + body))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("unknown key 'defualt' at the top; did you mean 'default'?");
        assertThatThrownBy(() -> read("task: generate\nbatching: {max-batch-sise: 8}\n" + body))
                .hasMessageContaining("unknown key 'max-batch-sise'")
                .hasMessageContaining("did you mean 'max-batch-size'?");
        assertThatThrownBy(() ->
                        read("task: generate\ninputs: [{name: z, role: latent, shape: [4], distributon: uniform}]\n"
                                + "outputs: [{name: o, role: image}]\n"))
                .hasMessageContaining("unknown key 'distributon' at inputs[0]; did you mean 'distribution'?");
    }
}
