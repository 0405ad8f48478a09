package io.genserve.tasks;

import io.genserve.model.Task;

/**
 * One task's translation between requests and tensors: validates a request against the model,
 * encodes it into items, and decodes the items' outputs into the answer. Knows nothing of batches
 * or HTTP. Implementations are stateless and thread-safe.
 *
 * @param <R> the request
 * @param <O> the answer
 */
public interface TaskCodec<R, O> {
    Task task();

    /**
     * What the request will cost, from its fields and its images' headers alone: nothing is
     * decoded, so a request that can never fit costs almost nothing to refuse.
     *
     * @throws io.genserve.error.BadInputException when an image is not one, or a field is missing
     * @throws io.genserve.error.TooLargeException when an image's declared size exceeds the limits
     */
    Cost cost(R request, ServedModel model);

    /** @throws io.genserve.error.BadInputException naming the field when the request does not suit the model */
    Prepared<O> prepare(R request, ServedModel model);

    /** A small valid request, run once when the model loads. */
    R warmUpRequest(ServedModel model);
}
