package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the committed fixture graphs (written by make_fixtures.py with the onnx package). */
class GraphFactsTest {
    static final Path MODELS = Path.of("src/test/resources/fixtures/models");

    @Test
    void anIntegerLabelFeedingAGatherOnAnInitializerGivesTheTablesRows() throws IOException {
        GraphFacts int32 = GraphFacts.read(MODELS.resolve("gan-label-int32/model.onnx"));
        assertThat(int32.embedding("label")).hasValue(new GraphFacts.Embedding("embedding", 5));
        assertThat(int32.embedding("z")).isEmpty();
        GraphFacts int64 = GraphFacts.read(MODELS.resolve("gen-nchw-rgb/model.onnx"));
        assertThat(int64.embedding("label")).hasValue(new GraphFacts.Embedding("E", 3));
    }

    @Test
    void anInputFeedingAResizesScalesIsFoundButAnInitializerIsNot() throws IOException {
        assertThat(GraphFacts.read(MODELS.resolve("up-srcnn-factor/model.onnx")).resizeScales())
                .containsExactly("factor");
        GraphFacts fixed = GraphFacts.read(MODELS.resolve("up-srcnn-bgr255/model.onnx"));
        assertThat(fixed.resizeScales()).isEmpty();
        assertThat(fixed.embeddings()).isEmpty();
    }

    @Test
    void aFileThatIsNotAModelIsAnError(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("model.onnx");
        Files.write(junk, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01});
        assertThatThrownBy(() -> GraphFacts.read(junk)).isInstanceOf(IOException.class);
    }
}
