package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;

/**
 * Any bytes as a genserve.yaml: the reader returns a manifest or one ManifestException line that
 * names what is wrong, never another exception, and never a Java class name (the line is shown in
 * GET /models). Seeds: the manifests of the fixtures and of a default model.
 */
class ManifestFuzzTest {
    static final ManifestReader READER = new ManifestReader();

    @FuzzTest(maxDuration = "10s")
    void readsAManifestOrExplainsInOneLine(byte[] data) {
        try {
            ModelManifest m = READER.read(new ByteArrayInputStream(data));
            assertThat(m.task()).isNotNull();
            assertThat(m.inputs()).isNotEmpty();
            assertThat(m.outputs()).isNotEmpty();
        } catch (ManifestException e) {
            assertThat(e.getMessage())
                    .isNotBlank()
                    .doesNotContain("io.genserve.", "tools.jackson.", "java.lang.", "JsonToken")
                    .doesNotContainPattern("\\R\\s*at ");
        }
    }
}
