package io.genserve.tasks;

import io.genserve.model.ModelSignature;
import io.genserve.runtime.HeapTensor;
import java.util.Map;

/**
 * The outputs of a {@link TensorRequest}, each with the request's batch axis, and the model
 * version that computed all of them.
 *
 * @param outputs in the order asked for (graph order when none was asked for)
 * @param signature the graph's declared inputs and outputs (the answer names their element types)
 */
public record TensorAnswer(String model, String version, ModelSignature signature, Map<String, HeapTensor> outputs) {}
