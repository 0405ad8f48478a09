package io.genserve.runtime;

import io.genserve.model.DType;
import java.util.Arrays;

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
