package io.genserve.oip;

import io.genserve.error.BadInputException;
import io.genserve.runtime.HeapTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Tensor values in and out of the protocol's two encodings: numbers (JSON {@code data}, gRPC's
 * typed contents) and raw little-endian bytes (the binary tensor data extension, gRPC's raw
 * contents). Values are held as floats ({@link HeapTensor}), so integers must be exact in a float:
 * up to 2^24 in magnitude; a larger INT32 or INT64 value is refused rather than rounded. Stateless.
 */
public final class TensorData {
    /** Integers up to this magnitude are exact in a float. */
    static final long EXACT = 1L << 24;

    private TensorData() {}

    /** Element count of a shape; refuses negative, overflowing or missing dimensions. */
    public static int count(long[] shape, String field) {
        if (shape == null || shape.length == 0) {
            throw new BadInputException(field, "'" + field + "' needs a shape with at least one dimension");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new BadInputException(field, "shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            n *= d;
            if (n > Integer.MAX_VALUE / 8) {
                throw new BadInputException(field, "shape " + Arrays.toString(shape) + " is too large");
            }
        }
        return (int) n;
    }

    /**
     * Checks one number against the datatype and returns it as the float the service holds.
     *
     * @throws BadInputException when it is not a value of that datatype, or not exact in a float
     */
    public static float value(double v, Datatype type, String field) {
        switch (type) {
            case FP32, FP16 -> {
                double max = type == Datatype.FP16 ? 65504 : Float.MAX_VALUE;
                if (Math.abs(v) > max) {
                    throw new BadInputException(field, "'" + field + "' holds " + v + ", beyond the range of " + type);
                }
                return (float) v;
            }
            case UINT8 -> {
                if (v != Math.rint(v) || v < 0 || v > 255) {
                    throw new BadInputException(
                            field, "'" + field + "' is UINT8 but holds " + v + " (0..255 integers)");
                }
                return (float) v;
            }
            default -> {
                if (v != Math.rint(v) || Math.abs(v) > EXACT) {
                    throw new BadInputException(
                            field,
                            "'" + field + "' is " + type + " but holds " + v
                                    + "; Genserve carries integers up to 2^24 in magnitude exactly and refuses others");
                }
                return (float) v;
            }
        }
    }

    /** Raw little-endian bytes of {@code shape} into a heap tensor. */
    public static HeapTensor fromBytes(ByteBuffer raw, Datatype type, long[] shape, String field) {
        int n = count(shape, field);
        if ((long) n * type.bytes() != raw.remaining()) {
            throw new BadInputException(
                    field,
                    "'" + field + "' has " + raw.remaining() + " bytes; shape " + Arrays.toString(shape) + " of " + type
                            + " needs " + (long) n * type.bytes());
        }
        ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[n];
        switch (type) {
            case FP32 -> b.asFloatBuffer().get(values);
            case FP16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Half.toFloat(b.getShort(2 * i));
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = b.get(i) & 0xFF;
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = value(b.getInt(4 * i), type, field);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = value(b.getLong(8 * i), type, field);
                }
            }
        }
        return new HeapTensor(type.dtype(), shape.clone(), values);
    }

    /** A heap tensor as raw little-endian bytes of its own element type. */
    public static byte[] toBytes(HeapTensor t) {
        Datatype type = Datatype.of(t.dtype());
        float[] v = t.values();
        ByteBuffer b = ByteBuffer.allocate(v.length * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FP32 -> b.asFloatBuffer().put(v);
            case FP16 -> {
                for (float f : v) {
                    b.putShort(Half.fromFloat(f));
                }
            }
            case UINT8 -> {
                for (float f : v) {
                    b.put((byte) Math.round(Math.max(0, Math.min(255, f))));
                }
            }
            case INT32 -> {
                for (float f : v) {
                    b.putInt((int) f);
                }
            }
            case INT64 -> {
                for (float f : v) {
                    b.putLong((long) f);
                }
            }
        }
        return b.array();
    }
}
