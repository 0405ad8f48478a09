package io.genserve.edge;

import io.genserve.batching.MemoryBudget;
import java.util.Arrays;

/**
 * The growing bytes of one body being read, bounded by the endpoint's limit and accounted in the
 * memory budget as they grow: a body of known length reserves it all up front, a chunked one
 * reserves in steps. Not thread-safe: its intake serialises access.
 */
final class BodyBuffer {
    /** Reservation step for bodies of unknown length. */
    static final int STEP = 64 * 1024;

    private final MemoryBudget memory;
    private final long limit;
    private byte[] bytes;
    private int size;
    private MemoryBudget.Reservation reservation;
    /** The declared length, or -1 for a chunked body. */
    private long expected = -1;

    /** Outcome of trying to hold more bytes. */
    enum Growth {
        OK,
        OVER_LIMIT,
        NO_MEMORY
    }

    BodyBuffer(MemoryBudget memory, long limit) {
        this.memory = memory;
        this.limit = limit;
        this.bytes = new byte[0];
    }

    /**
     * Reserves a known length at once; the bytes themselves are allocated as they arrive (a client
     * that declares a large body and sends it slowly holds budget, not heap).
     */
    Growth expect(long length) {
        if (length > limit) {
            return Growth.OVER_LIMIT;
        }
        Growth g = reserve(length);
        if (g == Growth.OK) {
            expected = length;
        }
        return g;
    }

    Growth append(byte[] chunk, int n) {
        long needed = (long) size + n;
        if (needed > limit) {
            return Growth.OVER_LIMIT;
        }
        long reserved = reservation == null ? 0 : reservation.bytes();
        if (needed > reserved) {
            Growth g = reserve(Math.min(limit, Math.max(needed, reserved + STEP)) - reserved);
            if (g != Growth.OK) {
                return g;
            }
        }
        if (needed > bytes.length) {
            long grown = Math.max(needed, 2L * bytes.length + 1024);
            bytes = Arrays.copyOf(bytes, (int) Math.min(expected >= 0 ? expected : limit, grown));
        }
        System.arraycopy(chunk, 0, bytes, size, n);
        size += n;
        return Growth.OK;
    }

    /** Adds {@code extra} bytes to this body's reservation. */
    private Growth reserve(long extra) {
        if (reservation == null) {
            reservation = memory.tryReserve(extra);
            return reservation == null ? Growth.NO_MEMORY : Growth.OK;
        }
        return reservation.grow(extra) ? Growth.OK : Growth.NO_MEMORY;
    }

    int size() {
        return size;
    }

    long limit() {
        return limit;
    }

    /** Hands the bytes and their reservation over; this buffer is done. */
    BufferedBody finish() {
        return new BufferedBody(bytes, size, reservation);
    }

    /** Gives the reserved bytes back (the body was refused or its client left). */
    void discard() {
        if (reservation != null) {
            reservation.close();
        }
        bytes = new byte[0];
    }
}
