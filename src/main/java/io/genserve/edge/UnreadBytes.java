package io.genserve.edge;

/**
 * How many bytes the kernel has received on one connection that the service has not read yet, or
 * -1 when that cannot be known (not Linux, the connection not listed). The API wires Linux's TCP
 * table; a refused body's linger asks it before it takes silence for the body's end.
 */
@FunctionalInterface
public interface UnreadBytes {
    long on(int localPort, int remotePort);
}
