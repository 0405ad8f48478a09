package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.error.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassLabelsTest {
    static final List<String> FASHION = List.of(
            "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot");

    @Test
    void labelsMatchByNameIgnoringCaseAndSeparatorsOrByIndex() {
        assertThat(ClassLabels.fromLabel("Ankle_Boot", FASHION)).isEqualTo(9);
        assertThat(ClassLabels.fromLabel("t shirt", FASHION)).isEqualTo(0);
        assertThat(ClassLabels.fromLabel("7", FASHION)).isEqualTo(7);
        assertThatThrownBy(() -> ClassLabels.fromLabel("10", FASHION))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("0..9");
        assertThatThrownBy(() -> ClassLabels.fromLabel("hat", FASHION)).hasMessageContaining("sneaker");
    }

    @Test
    void promptsPickTheLongestClassNameTheyMention() {
        assertThat(ClassLabels.fromPrompt("a pair of ankle boots", FASHION)).isEqualTo(9);
        assertThat(ClassLabels.fromPrompt("A T-shirt, please", FASHION)).isEqualTo(0);
        assertThat(ClassLabels.fromPrompt("a shirt", FASHION)).isEqualTo(6);
        assertThatThrownBy(() -> ClassLabels.fromPrompt("a cat", FASHION))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("ankle boot");
    }
}
