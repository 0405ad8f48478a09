package io.genserve.model;

import java.util.List;
import java.util.Optional;

/** The real inputs and outputs of a loaded ONNX graph, in graph order. */
public record ModelSignature(List<TensorInfo> inputs, List<TensorInfo> outputs) {
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorInfo> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorInfo> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
