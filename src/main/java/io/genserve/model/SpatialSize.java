package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The image sizes a graph accepts: one fixed {@code [height, width]}, or any size within
 * {@code [min, max]} per side whose sides are multiples of {@code multipleOf}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SpatialSize(List<Integer> fixed, Integer multipleOf, Integer min, Integer max) {
    public static final SpatialSize ANY = new SpatialSize(null, null, null, null);

    public SpatialSize {
        if (fixed != null && (fixed.size() != 2 || fixed.get(0) < 1 || fixed.get(1) < 1)) {
            throw new IllegalArgumentException("size.fixed must be [height, width] of positive numbers, got " + fixed);
        }
        fixed = fixed == null ? null : List.copyOf(fixed);
        multipleOf = multipleOf == null ? 1 : multipleOf;
        min = min == null ? 1 : min;
        max = max == null ? 2048 : max;
        if (multipleOf < 1 || min < 1 || max < min) {
            throw new IllegalArgumentException("size needs multiple-of >= 1 and 1 <= min <= max, got multiple-of "
                    + multipleOf + ", min " + min + ", max " + max);
        }
    }

    public boolean hasFixedSize() {
        return fixed != null;
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public int fixedHeight() {
        return fixed.get(0);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public int fixedWidth() {
        return fixed.get(1);
    }
}
