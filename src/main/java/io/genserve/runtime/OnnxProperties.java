package io.genserve.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How sessions are created ({@code genserve.onnx.*}).
 *
 * @param executionProvider auto, cpu or cuda
 * @param cudaDeviceId which GPU the CUDA provider uses
 * @param intraOpThreads threads one run may use; 0 = the cores divided by the model's concurrent
 *     runs, so that concurrent runs x intra-op threads never exceeds the cores
 * @param interOpThreads threads running independent graph branches in parallel; 1 = sequential
 *     execution, right for the chain-shaped generators served here
 * @param optimizationLevel ONNX Runtime graph optimisation level
 * @param spinning whether idle ORT threads spin; off, since spinning threads steal the cores that
 *     HTTP and pre-processing need between batches
 * @param memoryPattern ORT's memory-pattern planning; off by default because it only pays for
 *     fixed input shapes and the served models mostly take any image size
 * @param arena what happens to the CPU memory of finished runs (see {@link MemoryArena})
 */
@Validated
@ConfigurationProperties("genserve.onnx")
public record OnnxProperties(
        @NotNull @DefaultValue("auto") ProviderChoice executionProvider,
        @Min(0) @DefaultValue("0") int cudaDeviceId,
        @Min(0) @DefaultValue("0") int intraOpThreads,
        @Min(1) @DefaultValue("1") int interOpThreads,
        @NotNull @DefaultValue("ALL_OPT") OptLevel optimizationLevel,
        @DefaultValue("false") boolean spinning,
        @DefaultValue("false") boolean memoryPattern,
        @NotNull @DefaultValue("shrink") MemoryArena arena) {

    /** The intra-op thread count for a model that runs {@code concurrentRuns} at once. */
    int intraOpThreadsFor(int concurrentRuns, int cores) {
        return intraOpThreads > 0 ? intraOpThreads : Math.max(1, cores / Math.max(1, concurrentRuns));
    }
}
