package io.genserve.model;

import ai.djl.ndarray.types.Shape;

/**
 * One input or output as the ONNX graph declares it.
 *
 * @param elementType ONNX Runtime's name of the element type (e.g. FLOAT, UINT8)
 * @param dtype the same as a {@link DType}, or null where the service cannot feed that type
 * @param shape dimensions, -1 where the graph leaves one dynamic (a DJL {@link Shape}: engine-free
 *     shape arithmetic, equality and printing)
 */
public record TensorInfo(String name, String elementType, DType dtype, Shape shape) {
    public int rank() {
        return shape.dimension();
    }

    public boolean isDynamic(int axis) {
        return shape.get(axis) < 0;
    }

    /** Values per item from {@code fromAxis} on (e.g. 1: everything but the batch axis), or -1 when one of those is dynamic. */
    public long staticSize(int fromAxis) {
        long n = 1;
        for (int i = fromAxis; i < rank(); i++) {
            if (shape.get(i) < 0) {
                return -1;
            }
            n = Math.multiplyExact(n, shape.get(i));
        }
        return n;
    }
}
