package io.genserve.oip;

import io.genserve.model.EnumNames;
import io.genserve.model.TensorInfo;
import io.genserve.tasks.ServedModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model as the protocol's model metadata describes it: the graph's real inputs and outputs in
 * OIP datatypes (shapes with -1 where the graph leaves a dimension open, the batch first), the one
 * version that serves, and in {@code parameters} what Genserve knows beyond the graph: the task,
 * the manifest as applied, what was assumed without one, the execution provider.
 */
public record ModelMetadata(
        String name,
        List<String> versions,
        String platform,
        List<TensorMetadata> inputs,
        List<TensorMetadata> outputs,
        Map<String, Object> parameters) {
    /** Triton's name for an ONNX model served by ONNX Runtime. */
    public static final String PLATFORM = "onnxruntime_onnx";

    public record TensorMetadata(String name, String datatype, long[] shape) {
        static List<TensorMetadata> of(List<TensorInfo> tensors) {
            return tensors.stream()
                    .map(t -> new TensorMetadata(
                            t.name(),
                            Datatype.ofOnnx(t.elementType()),
                            t.shape().getShape()))
                    .toList();
        }
    }

    public static ModelMetadata of(ServedModel m) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("task", EnumNames.of(m.manifest().task()));
        parameters.put("provider", m.provider().name().toLowerCase(Locale.ROOT));
        parameters.put("manifest", m.manifest());
        if (!m.choices().isEmpty()) {
            parameters.put("choices", m.choices());
        }
        return new ModelMetadata(
                m.name(),
                List.of(m.version()),
                PLATFORM,
                TensorMetadata.of(m.signature().inputs()),
                TensorMetadata.of(m.signature().outputs()),
                parameters);
    }
}
