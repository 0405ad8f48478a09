package io.genserve.tasks;

import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;

/**
 * Raw tensors for a model's graph, as the Open Inference Protocol sends them: one tensor per graph
 * input, each with a batch axis of N (the request's batch), and the outputs wanted.
 *
 * @param version the version the client asked for, or null for the serving one
 * @param outputs graph outputs to answer, in this order; empty for all, in graph order
 */
public record TensorRequest(String model, String version, Map<String, HeapTensor> inputs, List<String> outputs) {
    public TensorRequest {
        inputs = Map.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
