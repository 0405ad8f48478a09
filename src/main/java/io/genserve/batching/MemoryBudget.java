package io.genserve.batching;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of heap that requests in progress may hold at once, across every model: their buffered
 * bodies (while read), their decoded images (while decoded) and their tensors (while queued and
 * run). A request gets its bytes only if they fit, so a burst of large images is refused with
 * 429/503 instead of growing the heap until it runs out; a request that could not fit even into an
 * empty budget is refused with 413 by whoever asks {@link #canEverHold}. Thread-safe, lock-free.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public MemoryBudget(long limitBytes) {
        this.limit = limitBytes;
    }

    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /**
     * Bytes held by one request for one purpose; it may grow while it is open, and
     * {@link #close()} gives everything back, once. Thread-safe.
     */
    public final class Reservation implements AutoCloseable {
        private long bytes;
        private boolean open = true;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        public synchronized long bytes() {
            return bytes;
        }

        /** Adds {@code extra} bytes if they fit now; false (and nothing changed) when they do not. */
        public synchronized boolean grow(long extra) {
            if (!open || !tryAcquire(extra)) {
                return false;
            }
            bytes += extra;
            return true;
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                release(bytes);
            }
        }
    }

    /** Reserves {@code bytes} if they fit now; null when they do not. */
    public Reservation tryReserve(long bytes) {
        return tryAcquire(bytes) ? new Reservation(bytes) : null;
    }

    /** Whether {@code bytes} would fit into the budget with nothing else in it. */
    public boolean canEverHold(long bytes) {
        return bytes <= limit;
    }

    /** Reserves {@code bytes} if they fit; the check and the reservation are one atomic step. */
    boolean tryAcquire(long bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > limit && current > 0) { // a lone request larger than the budget still runs
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long usedBytes() {
        return used.get();
    }

    public long limitBytes() {
        return limit;
    }
}
