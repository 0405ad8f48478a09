package io.genserve.batching;

import io.genserve.runtime.HeapTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the feeds of a batch's items (every tensor with a batch axis of 1) into one feed stacked
 * along axis 0, and a run's outputs back into one row per item, copied. The items of a batch share
 * tensor names, dtypes and item shapes (the aggregator's queues are keyed by them). Stateless.
 */
public final class BatchStacker {
    private BatchStacker() {}

    public static Map<String, HeapTensor> stack(List<Map<String, HeapTensor>> feeds) {
        if (feeds.size() == 1) {
            return feeds.get(0);
        }
        Map<String, HeapTensor> stacked = new HashMap<>();
        for (String name : feeds.get(0).keySet()) {
            List<HeapTensor> items = new ArrayList<>(feeds.size());
            for (Map<String, HeapTensor> feed : feeds) {
                items.add(feed.get(name));
            }
            stacked.put(name, concat(items));
        }
        return stacked;
    }

    /** Row i of every output, for each of the batch's {@code count} items. */
    public static List<Map<String, HeapTensor>> split(Map<String, HeapTensor> outputs, int count) {
        List<Map<String, HeapTensor>> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, HeapTensor> row = new HashMap<>();
            for (Map.Entry<String, HeapTensor> e : outputs.entrySet()) {
                row.put(e.getKey(), row(e.getValue(), i));
            }
            rows.add(row);
        }
        return rows;
    }

    /** Stacks items along axis 0; all must share dtype and the shape after axis 0. */
    public static HeapTensor concat(List<HeapTensor> items) {
        HeapTensor first = items.get(0);
        long rows = 0;
        int total = 0;
        for (HeapTensor t : items) {
            if (t.dtype() != first.dtype() || !Arrays.equals(t.itemShape(), first.itemShape())) {
                throw new IllegalArgumentException(
                        "cannot stack " + Arrays.toString(t.shape()) + " onto " + Arrays.toString(first.shape()));
            }
            rows += t.shape()[0];
            total += t.values().length;
        }
        float[] values = new float[total];
        int at = 0;
        for (HeapTensor t : items) {
            System.arraycopy(t.values(), 0, values, at, t.values().length);
            at += t.values().length;
        }
        long[] shape = first.shape().clone();
        shape[0] = rows;
        return new HeapTensor(first.dtype(), shape, values);
    }

    /** Row {@code i} along axis 0, copied, with a batch axis of 1. */
    public static HeapTensor row(HeapTensor t, int i) {
        int per = t.shape()[0] == 0 ? 0 : t.values().length / (int) t.shape()[0];
        long[] s = t.shape().clone();
        s[0] = 1;
        return new HeapTensor(t.dtype(), s, Arrays.copyOfRange(t.values(), i * per, (i + 1) * per));
    }
}
