package io.genserve.tasks;

import io.genserve.model.Task;
import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;

/**
 * One task's two steps, either side of the model's batcher: {@link #encode} turns a request into
 * items (to tensors), {@link #decode} turns the items' outputs into the answer (from tensors). A
 * request reads encode → batcher → decode; what decode needs to know of the request (the source
 * image, the tiles, the seeds) travels in the encoding's context. Knows nothing of batches or
 * HTTP. Implementations are stateless and thread-safe.
 *
 * @param <R> the request
 * @param <C> what decode needs of the request
 * @param <O> the answer
 */
public interface TaskCodec<R, C, O> {
    Task task();

    /**
     * What the request will cost, from its fields and its images' headers alone: nothing is
     * decoded, so a request that can never fit costs almost nothing to refuse.
     *
     * @throws io.genserve.error.BadInputException when an image is not one, or a field is missing
     * @throws io.genserve.error.TooLargeException when an image's declared size exceeds the limits
     */
    Cost cost(R request, ServedModel model);

    /**
     * To tensors: validates the request against the model and encodes it into items, each a feed
     * with a batch axis of 1. No items means the answer needs no run (decode gets no outputs).
     *
     * @throws io.genserve.error.BadInputException naming the field when the request does not suit the model
     */
    Encoded<C> encode(R request, ServedModel model);

    /** From tensors: the answer, from the outputs of the encoded items, in item order. */
    O decode(C context, List<Map<String, HeapTensor>> outputs);

    /** A small valid request, run once when the model loads. */
    R warmUpRequest(ServedModel model);

    /** A request encoded for a model: its items, and what decoding their outputs needs. */
    record Encoded<C>(List<Map<String, HeapTensor>> items, C context) {
        public Encoded {
            items = List.copyOf(items);
        }
    }
}
