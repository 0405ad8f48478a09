package io.genserve.tasks;

import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A request encoded for a model: the items to run (each a feed with a batch axis of 1) and how
 * to assemble the answer from their outputs, in item order. Items may be batched with other
 * requests' items; assembling sees only its own.
 */
public record Prepared<O>(List<Map<String, HeapTensor>> items, Function<List<Map<String, HeapTensor>>, O> assemble) {
    public Prepared {
        items = List.copyOf(items);
    }

    /** An answer that needs no run (e.g. an inpainting mask with no hole). */
    public static <O> Prepared<O> immediate(O answer) {
        return new Prepared<>(List.of(), rows -> answer);
    }
}
