package io.genserve.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.genserve.model.ManifestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX graphs as {@link OnnxModel}s on the configured execution provider. With {@code auto}
 * a session that cannot get CUDA falls back to CPU with a warning; with {@code cuda} it fails the
 * start. Thread-safe.
 */
public final class OnnxModelLoader implements GraphLoader {
    private static final Logger log = LoggerFactory.getLogger(OnnxModelLoader.class);

    private final OrtEnvironment env;
    private final OnnxProperties properties;
    private final SessionOptionsFactory optionsFactory;
    private final boolean cudaInBuild;
    private final AtomicInteger openSessions = new AtomicInteger();

    public OnnxModelLoader(OrtEnvironment env, OnnxProperties properties, int cores) {
        this.env = env;
        this.properties = properties;
        this.optionsFactory = new SessionOptionsFactory(properties, cores);
        this.cudaInBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (properties.executionProvider() == ProviderChoice.CUDA && !cudaInBuild) {
            throw new CudaUnavailableException(
                    "this build of ONNX Runtime has no CUDA provider (available: "
                            + OrtEnvironment.getAvailableProviders() + "); build with 'mvn -Pcuda'",
                    null);
        }
        if (properties.executionProvider() == ProviderChoice.AUTO && !cudaInBuild) {
            log.info("ONNX Runtime build has no CUDA provider; models run on CPU (build with -Pcuda for GPUs)");
        }
    }

    @Override
    public OnnxModel load(String name, Path onnxFile, int concurrentRuns) {
        if (!Files.isRegularFile(onnxFile)) {
            throw new ManifestException("no " + onnxFile.getFileName() + " in the model folder");
        }
        boolean wantCuda = properties.executionProvider() != ProviderChoice.CPU && cudaInBuild;
        if (wantCuda) {
            try {
                return open(name, onnxFile, optionsFactory.cuda(concurrentRuns), ExecutionProvider.CUDA);
            } catch (OrtException | RuntimeException e) {
                if (properties.executionProvider() == ProviderChoice.CUDA) {
                    throw new CudaUnavailableException("model '" + name + "' cannot run on CUDA: " + e.getMessage(), e);
                }
                log.warn("model '{}': CUDA unavailable ({}); falling back to CPU", name, e.getMessage());
            }
        }
        try {
            return open(name, onnxFile, optionsFactory.cpu(concurrentRuns), ExecutionProvider.CPU);
        } catch (OrtException e) {
            // The message repeats the absolute path; the answer names the file only.
            String reason = firstLine(e.getMessage())
                    .replace(onnxFile.toString(), onnxFile.getFileName().toString());
            throw new ManifestException("ONNX Runtime cannot load " + onnxFile.getFileName() + ": " + reason);
        }
    }

    private OnnxModel open(String name, Path file, SessionOptions options, ExecutionProvider provider)
            throws OrtException {
        try {
            OrtSession session = env.createSession(file.toString(), options);
            try {
                OnnxModel model = new OnnxModel(
                        name, env, options, session, provider, arenaShrinkage(provider), openSessions::decrementAndGet);
                openSessions.incrementAndGet();
                return model;
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * The run option value that shrinks the arenas of this provider after each run, or null when
     * arenas are kept (or off: ORT refuses shrinkage without an arena).
     */
    private String arenaShrinkage(ExecutionProvider provider) {
        if (properties.arena() != MemoryArena.SHRINK) {
            return null;
        }
        return provider == ExecutionProvider.CUDA ? "cpu:0;gpu:" + properties.cudaDeviceId() : "cpu:0";
    }

    /** Sessions this loader opened that are not closed yet: one per loaded model version, or a leak. */
    public int openSessions() {
        return openSessions.get();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        // ORT prefixes messages with the status code and the source file; the reason is what follows.
        String line = s.lines().findFirst().orElse(s);
        int at = line.lastIndexOf("] ");
        return at >= 0 ? line.substring(at + 2) : line;
    }
}
