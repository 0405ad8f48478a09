package io.genserve.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;

/** Maps {@link OnnxProperties} to fresh ORT {@link SessionOptions}; the caller owns and closes them. Stateless. */
final class SessionOptionsFactory {
    private final OnnxProperties properties;
    private final int cores;

    SessionOptionsFactory(OnnxProperties properties, int cores) {
        this.properties = properties;
        this.cores = cores;
    }

    SessionOptions cpu(int concurrentRuns) throws OrtException {
        SessionOptions options = new SessionOptions();
        try {
            options.setIntraOpNumThreads(properties.intraOpThreadsFor(concurrentRuns, cores));
            options.setInterOpNumThreads(properties.interOpThreads());
            options.setExecutionMode(
                    properties.interOpThreads() > 1
                            ? SessionOptions.ExecutionMode.PARALLEL
                            : SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(properties.optimizationLevel());
            options.setMemoryPatternOptimization(properties.memoryPattern());
            if (properties.arena() == MemoryArena.OFF) {
                options.setCPUArenaAllocator(false);
            }
            String spin = properties.spinning() ? "1" : "0";
            options.addConfigEntry("session.intra_op.allow_spinning", spin);
            options.addConfigEntry("session.inter_op.allow_spinning", spin);
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    SessionOptions cuda(int concurrentRuns) throws OrtException {
        SessionOptions options = cpu(concurrentRuns);
        try {
            options.addCUDA(properties.cudaDeviceId());
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
