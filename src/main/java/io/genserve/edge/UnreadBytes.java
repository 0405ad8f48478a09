package io.genserve.edge;

/**
 * How many bytes the kernel has received on each connection that the service has not read yet.
 * The API wires Linux's TCP table; a refused body's linger asks it before it takes silence for the
 * body's end ({@link PaceChecks}).
 */
@FunctionalInterface
public interface UnreadBytes {
    /** One look at every connection, taken now: read once, then asked about many. */
    Snapshot snapshot();

    /** The unread bytes of each connection when the snapshot was taken. */
    @FunctionalInterface
    interface Snapshot {
        /** Bytes unread on the connection, or -1 when that cannot be known (not Linux, the connection not listed). */
        long on(int localPort, int remotePort);
    }
}
