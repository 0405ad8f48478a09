package io.genserve.batching;

/** What a {@link ModelBatcher} reports as it works; implementations must be cheap and thread-safe. */
public interface BatchObserver {
    /** A request was refused because the queue was full or the model is draining. */
    void rejected();

    /** A request's deadline passed, while queued ({@code started} false) or while running. */
    void deadlineExceeded(boolean started);

    /** A job left the queue for a run after waiting this long. */
    void queueWait(long nanos);

    /** One ORT run of {@code size} items took this long. */
    void batchRun(int size, long nanos);

    BatchObserver NONE = new BatchObserver() {
        @Override
        public void rejected() {}

        @Override
        public void deadlineExceeded(boolean started) {}

        @Override
        public void queueWait(long nanos) {}

        @Override
        public void batchRun(int size, long nanos) {}
    };
}
