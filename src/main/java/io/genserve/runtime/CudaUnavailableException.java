package io.genserve.runtime;

/** genserve.onnx.execution-provider is cuda but CUDA cannot be used: the service refuses to start. */
public class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
