package io.genserve.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;

/**
 * Lets another thread stop one ORT run (a batch whose deadline passed) through
 * {@link RunOptions#setTerminate}. The run attaches its options for exactly as long as they are
 * open, under this object's monitor, so {@link #terminate()} never touches closed native memory.
 * A terminate that comes before the run starts is remembered. Thread-safe.
 */
public final class RunControl {
    private RunOptions attached;
    private boolean terminated;

    public synchronized void terminate() {
        terminated = true;
        setTerminate(attached);
    }

    public synchronized boolean isTerminated() {
        return terminated;
    }

    synchronized void attach(RunOptions options) {
        attached = options;
        if (terminated) {
            setTerminate(options);
        }
    }

    synchronized void detach() {
        attached = null;
    }

    private static void setTerminate(RunOptions options) {
        if (options == null) {
            return;
        }
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            throw new IllegalStateException("could not terminate an ONNX Runtime run", e);
        }
    }
}
