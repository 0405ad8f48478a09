package io.genserve.batching;

import io.genserve.runtime.HeapTensor;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One item waiting for, or in, a batch: its feed (batch axis of 1), its deadline and the future
 * its caller holds. The state moves QUEUED to RUNNING or to DROPPED exactly once, so a job that
 * timed out or was cancelled while queued is never run. Thread-safe.
 */
final class Job {
    enum State {
        QUEUED,
        RUNNING,
        DROPPED
    }

    final Map<String, HeapTensor> feed;
    final ShapeKey key;
    final long enqueuedNanos;
    final long deadlineNanos;
    final CompletableFuture<Map<String, HeapTensor>> result = new CompletableFuture<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);

    Job(Map<String, HeapTensor> feed, long enqueuedNanos, long deadlineNanos) {
        this.feed = Map.copyOf(feed);
        this.key = ShapeKey.of(feed);
        this.enqueuedNanos = enqueuedNanos;
        this.deadlineNanos = deadlineNanos;
    }

    /** Heap the feed holds (floats), what the memory budget counts. */
    long bytes() {
        return feed.values().stream().mapToLong(t -> 4L * t.values().length).sum();
    }

    /** QUEUED to RUNNING; false when the job was dropped (timed out, cancelled) meanwhile. */
    boolean start() {
        return state.compareAndSet(State.QUEUED, State.RUNNING);
    }

    /** QUEUED to DROPPED; false when it already started. */
    boolean drop() {
        return state.compareAndSet(State.QUEUED, State.DROPPED);
    }

    State state() {
        return state.get();
    }

    /**
     * What must match for two jobs to share a batch: every tensor's name, dtype and item shape.
     * Jobs of different shapes go to different queues rather than cutting each other's batches.
     */
    record ShapeKey(String description) {
        static ShapeKey of(Map<String, HeapTensor> feed) {
            StringBuilder b = new StringBuilder();
            new TreeMap<>(feed)
                    .forEach((name, t) -> b.append(name)
                            .append(':')
                            .append(t.dtype())
                            .append(Arrays.toString(t.itemShape()))
                            .append(';'));
            return new ShapeKey(b.toString());
        }
    }
}
