package io.genserve.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import ai.onnxruntime.platform.Fp16Conversions;
import io.genserve.model.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Heap tensors to ORT tensors and back. The caller owns and closes every {@link OnnxTensor} this
 * returns; nothing here keeps a native object. Stateless.
 */
final class TensorConversions {
    private TensorConversions() {}

    static DType dtypeOf(OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DType.FLOAT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DType.FLOAT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DType.INT32;
            default -> null;
        };
    }

    static OnnxTensor toOnnx(OrtEnvironment env, HeapTensor t) throws OrtException {
        float[] v = t.values();
        return switch (t.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(v), t.shape());
            case FLOAT16 -> {
                ByteBuffer b = ByteBuffer.allocateDirect(v.length * 2).order(ByteOrder.nativeOrder());
                for (float f : v) {
                    b.putShort(Fp16Conversions.floatToFp16(f));
                }
                yield OnnxTensor.createTensor(env, b.rewind(), t.shape(), OnnxJavaType.FLOAT16);
            }
            case UINT8 -> {
                ByteBuffer b = ByteBuffer.allocateDirect(v.length);
                for (float f : v) {
                    b.put((byte) Math.round(Math.max(0, Math.min(255, f))));
                }
                yield OnnxTensor.createTensor(env, b.rewind(), t.shape(), OnnxJavaType.UINT8);
            }
            case INT64 -> {
                long[] l = new long[v.length];
                for (int i = 0; i < v.length; i++) {
                    l[i] = (long) v[i];
                }
                yield OnnxTensor.createTensor(env, LongBuffer.wrap(l), t.shape());
            }
            case INT32 -> {
                int[] n = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    n[i] = (int) v[i];
                }
                yield OnnxTensor.createTensor(env, IntBuffer.wrap(n), t.shape());
            }
        };
    }

    /** Copies an ORT output to the heap; the caller still closes {@code tensor}. */
    static HeapTensor toHeap(OnnxTensor tensor) {
        ai.onnxruntime.TensorInfo info = tensor.getInfo();
        DType dtype = dtypeOf(info.onnxType);
        if (dtype == null) {
            throw new IllegalStateException("output of element type " + info.onnxType + " cannot be read");
        }
        long[] shape = info.getShape();
        float[] values;
        switch (dtype) {
            case FLOAT32, FLOAT16 -> { // getFloatBuffer widens float16 itself
                FloatBuffer f = tensor.getFloatBuffer();
                values = new float[f.remaining()];
                f.get(values);
            }
            case UINT8 -> {
                ByteBuffer b = tensor.getByteBuffer();
                values = new float[b.remaining()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = b.get() & 0xFF;
                }
            }
            case INT64 -> {
                LongBuffer l = tensor.getLongBuffer();
                values = new float[l.remaining()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = l.get();
                }
            }
            default -> {
                IntBuffer n = tensor.getIntBuffer();
                values = new float[n.remaining()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = n.get();
                }
            }
        }
        return new HeapTensor(dtype, shape, values);
    }
}
