package io.genserve.tasks;

/**
 * What one request will cost, worked out from its fields and its images' headers before anything
 * is decoded: the items it puts into the model's queue and the heap it needs. A request whose
 * cost can never fit is refused with 413 at once; one that fits later gets 503 and Retry-After.
 *
 * @param items queue places (images to generate, tiles to run)
 * @param decodeBytes heap of decoding its images and assembling the answer, held until it is answered
 * @param tensorBytes heap of its input and output tensors (its items reserve these when queued)
 */
public record Cost(int items, long decodeBytes, long tensorBytes) {
    /** Bytes of one float. */
    static final long FLOAT = 4;

    public long totalBytes() {
        return decodeBytes + tensorBytes;
    }
}
