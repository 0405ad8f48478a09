package io.genserve.runtime;

/** The execution provider a session really runs on (nodes CUDA lacks still fall back to CPU inside it). */
public enum ExecutionProvider {
    CPU,
    CUDA
}
