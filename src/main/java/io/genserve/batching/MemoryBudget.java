package io.genserve.batching;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of heap tensors that admitted requests may hold at once, across every model. A request is
 * admitted only if its tensors fit, so a burst of large images is refused with 429/503 instead
 * of growing the heap until it runs out. Thread-safe, lock-free.
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
