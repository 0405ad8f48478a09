package io.genserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.ProbeDecisions.Decision;
import io.genserve.model.ProbeDecisions.Trial;
import io.genserve.model.ProbeDecisions.ValueStats;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeDecisionsTest {
    static float[] spread(float low, float high, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = low + (high - low) * i / (n - 1);
        }
        return v;
    }

    @Test
    void outputRangesFollowThePercentilesNotTheOutliers() {
        Decision<ValueRange> byte255 = ProbeDecisions.outputRange(ValueStats.of(spread(-20, 336, 1000)), "on it");
        assertThat(byte255.value()).isEqualTo(new ValueRange(0, 255));
        assertThat(byte255.evidence()).startsWith("output max 336 on it").endsWith("→ range [0, 255]");
        // An unclamped 0..1 net overshoots a little: still [0, 1].
        assertThat(ProbeDecisions.outputRange(ValueStats.of(spread(-0.12f, 1.10f, 1000)), "")
                        .value())
                .isEqualTo(ValueRange.UNIT);
        assertThat(ProbeDecisions.outputRange(ValueStats.of(spread(-0.98f, 0.97f, 1000)), "")
                        .value())
                .isEqualTo(new ValueRange(-1, 1));
        // A handful of wild values among 1000 do not decide.
        float[] mostlyUnit = spread(0, 1, 1000);
        mostlyUnit[0] = -50;
        mostlyUnit[999] = 400;
        assertThat(ProbeDecisions.outputRange(ValueStats.of(mostlyUnit), "").value())
                .isEqualTo(ValueRange.UNIT);
    }

    @Test
    void similarityIsHighForAFaithfulAnswerAndLowForAFlattenedOne() {
        float[] picture = spread(0, 255, 400);
        float[] inverted = new float[400];
        float[] flattened = new float[400];
        for (int i = 0; i < 400; i++) {
            inverted[i] = 255 - picture[i];
            flattened[i] = 12 + Math.round(picture[i] / 255); // 12 or 13: the structure, but no contrast
        }
        assertThat(ProbeDecisions.similarity(picture, picture))
                .isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ProbeDecisions.similarity(inverted, picture)).isGreaterThan(0.99);
        assertThat(ProbeDecisions.similarity(flattened, picture)).isLessThan(0.01);
        assertThat(ProbeDecisions.similarity(new float[400], picture)).isZero();
    }

    @Test
    void anotherInputRangeIsChosenOnlyWhenClearlyBetter() {
        Decision<ValueRange> unit = new Decision<>(ValueRange.UNIT, "");
        Trial a = new Trial(ValueRange.UNIT, unit, 0.98);
        Trial b = new Trial(new ValueRange(0, 255), unit, 0.99);
        Trial c = new Trial(new ValueRange(-1, 1), unit, 0.40);
        Decision<Trial> tie = ProbeDecisions.inputRange(List.of(a, b, c));
        assertThat(tie.value()).isSameAs(a);
        assertThat(tie.evidence()).contains("[0, 1] 0.98", "[0, 255] 0.99", "the default");

        Trial flat = new Trial(ValueRange.UNIT, unit, 0.02);
        Decision<Trial> decisive = ProbeDecisions.inputRange(List.of(flat, b, c));
        assertThat(decisive.value()).isSameAs(b);
        assertThat(decisive.evidence()).endsWith("→ range [0, 255]");
    }
}
