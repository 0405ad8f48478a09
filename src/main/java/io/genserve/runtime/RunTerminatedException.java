package io.genserve.runtime;

/** A run stopped through {@link RunControl#terminate()} before it finished. */
public class RunTerminatedException extends RuntimeException {
    public RunTerminatedException(String message) {
        super(message);
    }
}
