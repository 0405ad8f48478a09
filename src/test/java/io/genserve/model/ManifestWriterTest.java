package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Whatever the writer writes, the reader reads back as the same manifest. */
class ManifestWriterTest {
    static Stream<Path> manifests() throws IOException {
        return Stream.of(Path.of("src/test/resources/fixtures/models"), Path.of("models"))
                .flatMap(root -> {
                    try {
                        return Files.list(root)
                                .map(d -> d.resolve(ModelRepository.MANIFEST))
                                .filter(Files::isRegularFile);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .sorted();
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void everyManifestOfTheRepositoriesRoundTrips(Path file) {
        ModelManifest m = new ManifestReader().read(file);
        String yaml = new ManifestWriter().write(m);
        assertThat(read(yaml)).as(yaml).isEqualTo(m);
        assertThat(new ManifestWriter().write(read(yaml))).isEqualTo(yaml);
    }

    @org.junit.jupiter.api.Test
    void derivedManifestsAndEveryKeyRoundTrip() {
        ModelManifest everything = read("""
                task: upscale
                description: "a \\"quoted\\" line: with colons"
                default: true
                batch: fixed
                batching: {max-batch-size: 4, preferred-batch-sizes: [2, 4], max-delay: 5ms, timeout: 10s}
                scale: 3
                scales: [4, 2, 3]
                tile: 128
                tile-pad: 8
                inputs:
                  - {name: in, role: image, layout: NHWC, channels: Y, range: [-1, 1], size: {multiple-of: 8, min: 16, max: 512}, threshold: 99}
                  - {name: factor, role: constant, shape: [4], value: [1, 1.5, scale, scale]}
                outputs:
                  - {name: out, role: image, dtype: float16, layout: NHWC, channels: Y, range: [0, 255]}
                """);
        assertThat(everything.scales()).containsExactly(2, 3, 4);
        assertThat(read(new ManifestWriter().write(everything))).isEqualTo(everything);

        SignatureInference.Derived derived = new SignatureInference()
                .derive(
                        new ModelSignature(
                                List.of(SignatureCheckTest.t("z", DType.FLOAT32, -1, 100, 1, 1)),
                                List.of(SignatureCheckTest.t("img", DType.FLOAT32, -1, 3, 64, 64))),
                        GraphFacts.NONE);
        assertThat(read(new ManifestWriter().write(derived.manifest()))).isEqualTo(derived.manifest());
    }

    static ModelManifest read(String yaml) {
        return new ManifestReader().read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }
}
