package io.genserve.tasks;

import io.genserve.batching.BatchStacker;
import io.genserve.error.BadInputException;
import io.genserve.model.TensorInfo;
import io.genserve.runtime.HeapTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw tensors in, raw tensors out: checks a {@link TensorRequest} against the graph's real inputs
 * (names, element types, shapes), splits a batch of N into N items of one, the same items the
 * task codecs make (so raw and task requests share the model's queues and batches), and stacks
 * the items' outputs back in order. Stateless.
 */
final class TensorCodec {
    private TensorCodec() {}

    /** The request's work on this model version: its cost (its rows and their bytes), then its items. */
    static TaskRunner.Work<TensorAnswer> work(TensorRequest request, ServedModel model) {
        return new TaskRunner.Work<>() {
            @Override
            public Cost cost() {
                long rows = Math.max(
                        1,
                        request.inputs().values().stream()
                                .mapToLong(t -> t.shape().length == 0 ? 1 : t.shape()[0])
                                .max()
                                .orElse(1));
                long values = request.inputs().values().stream()
                        .mapToLong(t -> t.values().length)
                        .sum();
                // the request's own tensors are held until the answer; the items copy them once more
                return new Cost((int) Math.min(Integer.MAX_VALUE, rows), values * Cost.FLOAT, values * Cost.FLOAT);
            }

            @Override
            public TaskRunner.Encoding<TensorAnswer> encode() {
                return TensorCodec.encode(request, model);
            }
        };
    }

    static TaskRunner.Encoding<TensorAnswer> encode(TensorRequest request, ServedModel model) {
        List<TensorInfo> graphInputs = model.signature().inputs();
        for (String name : request.inputs().keySet()) {
            if (model.signature().input(name).isEmpty()) {
                throw new BadInputException(
                        "inputs",
                        "model '" + model.name() + "' has no input '" + name + "'; its inputs: " + names(graphInputs));
            }
        }
        long batch = -1;
        for (TensorInfo info : graphInputs) {
            HeapTensor t = request.inputs().get(info.name());
            if (t == null) {
                throw new BadInputException(
                        "inputs",
                        "input '" + info.name() + "' is missing; model '" + model.name() + "' takes "
                                + names(graphInputs));
            }
            check(info, t);
            if (batch >= 0 && t.shape()[0] != batch) {
                throw new BadInputException(
                        "inputs",
                        "every input needs the same batch size (first dimension): '" + info.name() + "' has "
                                + t.shape()[0] + ", another " + batch);
            }
            batch = t.shape()[0];
        }
        if (batch < 1) {
            throw new BadInputException("inputs", "the batch size (first dimension) must be at least 1, got " + batch);
        }
        List<String> outputs = outputs(request, model);
        int n = (int) batch;
        List<Map<String, HeapTensor>> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, HeapTensor> item = new HashMap<>();
            for (TensorInfo info : graphInputs) {
                item.put(info.name(), BatchStacker.row(request.inputs().get(info.name()), i));
            }
            items.add(item);
        }
        return new TaskRunner.Encoding<>(items, rows -> {
            Map<String, HeapTensor> out = new LinkedHashMap<>();
            for (String name : outputs) {
                List<HeapTensor> parts = new ArrayList<>(rows.size());
                for (Map<String, HeapTensor> row : rows) {
                    parts.add(row.get(name));
                }
                out.put(name, BatchStacker.concat(parts));
            }
            return new TensorAnswer(model.name(), model.version(), model.signature(), out);
        });
    }

    private static void check(TensorInfo info, HeapTensor t) {
        if (info.dtype() == null) {
            throw new BadInputException(
                    "inputs",
                    "input '" + info.name() + "' has element type " + info.elementType()
                            + ", which Genserve cannot feed");
        }
        if (t.dtype() != info.dtype()) {
            throw new BadInputException(
                    "inputs",
                    "input '" + info.name() + "' is " + info.dtype().name().toLowerCase(java.util.Locale.ROOT)
                            + " in the graph, the request sends "
                            + t.dtype().name().toLowerCase(java.util.Locale.ROOT));
        }
        long[] graph = info.shape().getShape();
        long[] given = t.shape();
        boolean fits = graph.length == given.length && graph.length > 0 && (graph[0] < 0 || graph[0] == 1);
        for (int axis = 1; fits && axis < graph.length; axis++) {
            fits = graph[axis] < 0 || graph[axis] == given[axis];
        }
        if (!fits) {
            throw new BadInputException(
                    "inputs",
                    "input '" + info.name() + "' has shape " + Arrays.toString(given) + "; the graph takes "
                            + Arrays.toString(graph) + " (-1: any size; the first dimension is the batch)");
        }
    }

    private static List<String> outputs(TensorRequest request, ServedModel model) {
        List<String> all =
                model.signature().outputs().stream().map(TensorInfo::name).toList();
        if (request.outputs().isEmpty()) {
            return all;
        }
        for (String name : request.outputs()) {
            if (!all.contains(name)) {
                throw new BadInputException(
                        "outputs", "model '" + model.name() + "' has no output '" + name + "'; its outputs: " + all);
            }
        }
        return request.outputs();
    }

    private static List<String> names(List<TensorInfo> tensors) {
        return tensors.stream().map(TensorInfo::name).toList();
    }
}
