package io.genserve.runtime;

import java.nio.file.Path;

/**
 * Opens one ONNX graph as an {@link OnnxModel} that the caller then owns and closes.
 * {@link OnnxModelLoader} in production; a test puts a failing one in front of it to play a GPU
 * that is not there.
 */
@FunctionalInterface
public interface GraphLoader {
    /**
     * @param concurrentRuns how many runs of this model may go on at once (sizes the intra-op pool)
     * @throws io.genserve.model.ManifestException when the file is missing or ONNX Runtime cannot load it
     * @throws CudaUnavailableException when CUDA is required and the session cannot get it
     */
    OnnxModel load(String name, Path onnxFile, int concurrentRuns);
}
