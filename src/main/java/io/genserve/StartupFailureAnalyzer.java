package io.genserve;

import io.genserve.model.ManifestException;
import io.genserve.runtime.CudaUnavailableException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains, in one readable line and an action, the failures that stop Genserve from starting. */
class StartupFailureAnalyzer extends AbstractFailureAnalyzer<RuntimeException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RuntimeException cause) {
        UnknownPropertyCheck.UnknownPropertyException unknown =
                findCause(rootFailure, UnknownPropertyCheck.UnknownPropertyException.class);
        if (unknown != null) {
            return new FailureAnalysis(
                    unknown.getMessage(),
                    "Correct or remove the key: nothing reads it, so its setting would be ignored"
                            + " (README.md, \"Configuration\", lists every genserve.* key).",
                    unknown);
        }
        if (cause instanceof CudaUnavailableException) {
            return new FailureAnalysis(
                    cause.getMessage(),
                    "Build with 'mvn -Pcuda' on a host with CUDA 12 and cuDNN 9, or set genserve.onnx.execution-provider to auto or cpu.",
                    cause);
        }
        if (cause instanceof ManifestException) {
            return new FailureAnalysis(
                    cause.getMessage(),
                    "Point genserve.model-repository at a folder with one sub-folder per model (model.onnx + genserve.yaml).",
                    cause);
        }
        return null;
    }
}
