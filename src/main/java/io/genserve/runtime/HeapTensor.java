package io.genserve.runtime;

import io.genserve.model.DType;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor on the Java heap: what crosses queues and futures instead of native ORT objects.
 * Values are held as floats whatever the element type (uint8 0..255 and small integer labels are
 * exact in a float; float16 is widened); {@link TensorConversions} narrows them at the native edge.
 * Immutable by convention: nobody writes into {@code values} after construction.
 */
public record HeapTensor(DType dtype, long[] shape, float[] values) {
    public HeapTensor {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (n != values.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
        }
    }

    /** Stacks items along axis 0; all must share dtype and the shape after axis 0. */
    public static HeapTensor concat(List<HeapTensor> items) {
        HeapTensor first = items.get(0);
        long rows = 0;
        int total = 0;
        for (HeapTensor t : items) {
            if (t.dtype != first.dtype
                    || !Arrays.equals(t.shape, 1, t.shape.length, first.shape, 1, first.shape.length)) {
                throw new IllegalArgumentException(
                        "cannot stack " + Arrays.toString(t.shape) + " onto " + Arrays.toString(first.shape));
            }
            rows += t.shape[0];
            total += t.values.length;
        }
        float[] values = new float[total];
        int at = 0;
        for (HeapTensor t : items) {
            System.arraycopy(t.values, 0, values, at, t.values.length);
            at += t.values.length;
        }
        long[] shape = first.shape.clone();
        shape[0] = rows;
        return new HeapTensor(first.dtype, shape, values);
    }

    /** Rows [from, from + count) along axis 0, copied. */
    public HeapTensor rows(int from, int count) {
        int per = shape[0] == 0 ? 0 : values.length / (int) shape[0];
        long[] s = shape.clone();
        s[0] = count;
        return new HeapTensor(dtype, s, Arrays.copyOfRange(values, from * per, (from + count) * per));
    }

    /** The shape without the batch axis: items with equal item shapes can share a batch. */
    public long[] itemShape() {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeapTensor t
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "HeapTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
