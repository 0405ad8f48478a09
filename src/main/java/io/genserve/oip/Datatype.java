package io.genserve.oip;

import io.genserve.error.BadInputException;
import io.genserve.model.DType;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Open Inference Protocol's tensor datatypes that Genserve feeds and reads, and how each maps
 * to the service's element types. Every OIP datatype name is known so that an unsupported one is
 * refused by name rather than as a typo.
 */
public enum Datatype {
    FP32(DType.FLOAT32, 4),
    FP16(DType.FLOAT16, 2),
    UINT8(DType.UINT8, 1),
    INT32(DType.INT32, 4),
    INT64(DType.INT64, 8);

    private static final java.util.Set<String> OTHERS =
            java.util.Set.of("BOOL", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "FP64", "BF16", "BYTES");

    private final DType dtype;
    private final int bytes;

    Datatype(DType dtype, int bytes) {
        this.dtype = dtype;
        this.bytes = bytes;
    }

    public DType dtype() {
        return dtype;
    }

    /** Bytes of one element in the binary tensor data extension and in gRPC's raw contents. */
    public int bytes() {
        return bytes;
    }

    /** @throws BadInputException naming {@code field} when the name is no datatype Genserve feeds */
    public static Datatype parse(String name, String field) {
        if (name == null) {
            throw new BadInputException(field, "'" + field + "' is required");
        }
        for (Datatype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new BadInputException(
                field,
                OTHERS.contains(name)
                        ? "datatype " + name + " is not supported; Genserve feeds " + Arrays.toString(values())
                        : "'" + name + "' is not an Open Inference Protocol datatype; Genserve feeds "
                                + Arrays.toString(values()));
    }

    public static Datatype of(DType dtype) {
        for (Datatype d : values()) {
            if (d.dtype == dtype) {
                return d;
            }
        }
        throw new IllegalArgumentException(String.valueOf(dtype));
    }

    /**
     * The OIP name of an ONNX element type as ONNX Runtime names it (FLOAT, UINT8, DOUBLE...), for
     * model metadata: the graph's real types, also those Genserve cannot feed.
     */
    public static String ofOnnx(String elementType) {
        return switch (elementType.toUpperCase(Locale.ROOT)) {
            case "FLOAT" -> "FP32";
            case "FLOAT16" -> "FP16";
            case "BFLOAT16" -> "BF16";
            case "DOUBLE" -> "FP64";
            case "STRING" -> "BYTES";
            case "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64" ->
                elementType.toUpperCase(Locale.ROOT);
            default -> elementType;
        };
    }
}
