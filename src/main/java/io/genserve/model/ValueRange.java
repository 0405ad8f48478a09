package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The tensor values that pixel 0 and pixel 255 map to, written {@code [low, high]} in manifests,
 * e.g. {@code [-1, 1]} for a tanh generator or {@code [0, 255]} for the ONNX Model Zoo style nets.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"low", "high"})
public record ValueRange(double low, double high) {
    public static final ValueRange UNIT = new ValueRange(0, 1);

    public ValueRange {
        if (!(Double.isFinite(low) && Double.isFinite(high)) || low == high) {
            throw new IllegalArgumentException(
                    "range must be two different finite numbers, got [" + low + ", " + high + "]");
        }
    }
}
