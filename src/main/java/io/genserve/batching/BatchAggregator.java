package io.genserve.batching;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One model's bounded queue and its batching policy. Jobs queue per {@link Job.ShapeKey}, so a
 * request of another shape never cuts a batch short. The policy: serve the queue whose head is
 * oldest; dispatch when it holds a full batch, when it holds exactly a preferred batch size, when
 * its head has waited {@code maxDelay}, or at once while draining. {@link #poll(long)} applies the
 * policy at a given time without blocking (tests drive it with explicit times); {@link #take()}
 * blocks on it with the injected clock. Thread-safe.
 */
final class BatchAggregator {
    /** Either a batch to run now, or how long to wait before asking again (Long.MAX_VALUE: until a job arrives). */
    record Decision(List<Job> batch, long waitNanos) {}

    private final int maxBatchSize;
    private final Set<Integer> preferred;
    private final long maxDelayNanos;
    private final int capacity;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Job.ShapeKey, ArrayDeque<Job>> queues = new LinkedHashMap<>();
    private int size;
    private boolean closed;

    BatchAggregator(int maxBatchSize, List<Integer> preferred, long maxDelayNanos, int capacity, LongSupplier clock) {
        this.maxBatchSize = maxBatchSize;
        this.preferred = Set.copyOf(preferred);
        this.maxDelayNanos = maxDelayNanos;
        this.capacity = capacity;
        this.clock = clock;
    }

    /** Adds the job unless the queue is full or closed; the check and the add are one atomic step. */
    boolean offer(Job job) {
        lock.lock();
        try {
            if (closed || size >= capacity) {
                return false;
            }
            queues.computeIfAbsent(job.key, k -> new ArrayDeque<>()).addLast(job);
            size++;
            changed.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the place of a job that left the queue early (deadline, cancelled client). */
    void remove(Job job) {
        lock.lock();
        try {
            ArrayDeque<Job> q = queues.get(job.key);
            if (q != null && q.remove(job)) {
                size--;
                if (q.isEmpty()) {
                    queues.remove(job.key);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting jobs; what is queued is still handed out, without waiting for company. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks for the next batch; every job in it has been moved to RUNNING. Returns an empty list
     * once closed and empty.
     */
    List<Job> take() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                Decision d = poll(clock.getAsLong());
                if (d.batch() != null) {
                    return d.batch();
                }
                if (closed && size == 0) {
                    return List.of();
                }
                if (d.waitNanos() == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    changed.awaitNanos(d.waitNanos());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The policy at time {@code now} (nanoseconds on the injected clock). */
    Decision poll(long now) {
        lock.lock();
        try {
            ArrayDeque<Job> oldest = null;
            for (ArrayDeque<Job> q : queues.values()) {
                dropStale(q);
                if (!q.isEmpty()
                        && (oldest == null || q.peekFirst().enqueuedNanos < oldest.peekFirst().enqueuedNanos)) {
                    oldest = q;
                }
            }
            queues.values().removeIf(ArrayDeque::isEmpty);
            if (oldest == null) {
                return new Decision(null, Long.MAX_VALUE);
            }
            int n = oldest.size();
            long due = oldest.peekFirst().enqueuedNanos + maxDelayNanos;
            if (n >= maxBatchSize || preferred.contains(n) || now >= due || closed) {
                return new Decision(takeFrom(oldest, Math.min(n, maxBatchSize)), 0);
            }
            return new Decision(null, due - now);
        } finally {
            lock.unlock();
        }
    }

    private void dropStale(ArrayDeque<Job> q) {
        for (Iterator<Job> it = q.iterator(); it.hasNext(); ) {
            if (it.next().state() != Job.State.QUEUED) {
                it.remove();
                size--;
            }
        }
    }

    private List<Job> takeFrom(ArrayDeque<Job> q, int count) {
        List<Job> batch = new ArrayList<>(count);
        while (batch.size() < count && !q.isEmpty()) {
            Job job = q.pollFirst();
            size--;
            if (job.start()) {
                batch.add(job);
            }
        }
        if (q.isEmpty()) {
            queues.values().remove(q);
        }
        return batch.isEmpty() ? null : batch;
    }
}
