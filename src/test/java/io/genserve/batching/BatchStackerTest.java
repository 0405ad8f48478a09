package io.genserve.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.model.DType;
import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchStackerTest {
    static HeapTensor item(float... v) {
        return new HeapTensor(DType.FLOAT32, new long[] {1, v.length}, v);
    }

    @Test
    void itemsStackAlongAxisZeroAndOutputsSplitBackIntoRows() {
        Map<String, HeapTensor> batch = BatchStacker.stack(List.of(
                Map.of("x", item(1, 2), "y", item(9)),
                Map.of("x", item(3, 4), "y", item(8)),
                Map.of("x", item(5, 6), "y", item(7))));
        assertThat(batch.get("x"))
                .isEqualTo(new HeapTensor(DType.FLOAT32, new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}));
        assertThat(batch.get("y").shape()).containsExactly(3, 1);

        List<Map<String, HeapTensor>> rows = BatchStacker.split(batch, 3);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1).get("x")).isEqualTo(item(3, 4));
        assertThat(rows.get(2).get("y")).isEqualTo(item(7));
    }

    @Test
    void oneItemIsItsOwnBatchAndDifferentItemShapesDoNotStack() {
        Map<String, HeapTensor> alone = Map.of("x", item(1, 2));
        assertThat(BatchStacker.stack(List.of(alone))).isSameAs(alone);
        assertThatThrownBy(() -> BatchStacker.concat(List.of(item(1, 2), item(1, 2, 3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot stack [1, 3] onto [1, 2]");
    }
}
