package io.genserve.runtime;

/** genserve.onnx.execution-provider: which ONNX Runtime execution provider to ask for. */
public enum ProviderChoice {
    /** CUDA when this build and machine can use it, else CPU with a warning. */
    AUTO,
    CPU,
    /** CUDA or a failed start: for deployments where silently running on CPU would be an outage. */
    CUDA
}
