package io.genserve.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.DType;
import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batching policy at explicit times: no sleeps, no threads. */
class BatchAggregatorTest {
    static final long MS = 1_000_000;
    long now;

    BatchAggregator aggregator(int max, List<Integer> preferred, int capacity) {
        return new BatchAggregator(max, preferred, 5 * MS, capacity, () -> now);
    }

    static Job job(long at, int side) {
        return new Job(
                Map.of("x", new HeapTensor(DType.FLOAT32, new long[] {1, side}, new float[side])), at, at + 1000 * MS);
    }

    @Test
    void theFirstJobWaitsMaxDelayForCompanyThenGoesWithWhatCame() {
        BatchAggregator a = aggregator(8, List.of(), 100);
        Job first = job(0, 4);
        a.offer(first);
        assertThat(a.poll(0).batch()).isNull();
        assertThat(a.poll(0).waitNanos()).isEqualTo(5 * MS);
        Job second = job(2 * MS, 4);
        a.offer(second);
        assertThat(a.poll(4 * MS).batch()).isNull();
        assertThat(a.poll(4 * MS).waitNanos()).isEqualTo(MS);
        assertThat(a.poll(5 * MS).batch()).containsExactly(first, second);
        assertThat(a.size()).isZero();
    }

    @Test
    void aFullBatchGoesAtOnceAndTheRestWaits() {
        BatchAggregator a = aggregator(2, List.of(), 100);
        Job j1 = job(0, 4), j2 = job(0, 4), j3 = job(0, 4);
        a.offer(j1);
        a.offer(j2);
        a.offer(j3);
        assertThat(a.poll(0).batch()).containsExactly(j1, j2);
        assertThat(a.poll(0).batch()).isNull();
        assertThat(a.poll(5 * MS).batch()).containsExactly(j3);
    }

    @Test
    void aPreferredSizeGoesWithoutWaiting() {
        BatchAggregator a = aggregator(8, List.of(4), 100);
        for (int i = 0; i < 3; i++) {
            a.offer(job(0, 4));
        }
        assertThat(a.poll(0).batch()).isNull();
        a.offer(job(0, 4));
        assertThat(a.poll(0).batch()).hasSize(4);
    }

    @Test
    void shapesQueueApartSoAnotherShapeNeverCutsABatchShort() {
        BatchAggregator a = aggregator(4, List.of(), 100);
        Job a1 = job(0, 4), b1 = job(MS, 8), a2 = job(2 * MS, 4), a3 = job(3 * MS, 4);
        a.offer(a1);
        a.offer(b1);
        a.offer(a2);
        a.offer(a3);
        // FIFO-cut batching would dispatch [a1] alone at the first differing shape.
        assertThat(a.poll(5 * MS).batch()).containsExactly(a1, a2, a3);
        assertThat(a.poll(5 * MS).waitNanos()).isEqualTo(MS);
        assertThat(a.poll(6 * MS).batch()).containsExactly(b1);
    }

    @Test
    void theQueueIsBoundedAndARemovedJobFreesItsPlace() {
        BatchAggregator a = aggregator(8, List.of(), 2);
        Job j1 = job(0, 4), j2 = job(0, 4);
        assertThat(a.offer(j1)).isTrue();
        assertThat(a.offer(j2)).isTrue();
        assertThat(a.offer(job(0, 4))).isFalse();
        j1.drop();
        a.remove(j1);
        assertThat(a.offer(job(0, 4))).isTrue();
    }

    @Test
    void droppedJobsAreNeverHandedOut() {
        BatchAggregator a = aggregator(8, List.of(), 10);
        Job kept = job(0, 4), dropped = job(0, 4);
        a.offer(dropped);
        a.offer(kept);
        dropped.drop(); // deadline or cancel, before removal
        assertThat(a.poll(5 * MS).batch()).containsExactly(kept);
        assertThat(kept.state()).isEqualTo(Job.State.RUNNING);
    }

    @Test
    void closingDispatchesWhatIsLeftWithoutWaiting() throws InterruptedException {
        BatchAggregator a = aggregator(8, List.of(), 10);
        Job j = job(0, 4);
        a.offer(j);
        a.close();
        assertThat(a.offer(job(0, 4))).isFalse();
        assertThat(a.take()).containsExactly(j);
        assertThat(a.take()).isEmpty();
    }
}
