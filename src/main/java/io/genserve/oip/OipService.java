package io.genserve.oip;

import io.genserve.error.ModelNotReadyException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.ModelState;
import io.genserve.tasks.ModelStatus;
import io.genserve.tasks.ServedModel;
import io.genserve.tasks.TaskRunner;
import io.genserve.tasks.TensorAnswer;
import io.genserve.tasks.TensorRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The Open Inference Protocol's operations, whatever carries them (REST in {@code api}, gRPC in
 * {@code grpc}): health, server and model metadata, inference. Inference goes through the same
 * per-model batcher as the task endpoints. Thread-safe.
 */
public final class OipService {
    /** The binary tensor data extension (REST) is always on; the repository extension with management. */
    public static final String BINARY_DATA = "binary_tensor_data";

    public static final String MODEL_REPOSITORY = "model_repository";

    private final TaskRunner tasks;
    private final String serverVersion;
    private final List<String> extensions;

    public OipService(TaskRunner tasks, String serverVersion, boolean management) {
        this.tasks = tasks;
        this.serverVersion = serverVersion;
        this.extensions = management ? List.of(BINARY_DATA, MODEL_REPOSITORY) : List.of(BINARY_DATA);
    }

    public record ServerMetadata(String name, String version, List<String> extensions) {}

    public ServerMetadata serverMetadata() {
        return new ServerMetadata("genserve", serverVersion, extensions);
    }

    /** The service can take requests (the JVM and HTTP are up); models do not matter. */
    public boolean live() {
        return true;
    }

    /** The models of the repository are ready, as readiness counts them. */
    public boolean ready() {
        return tasks.ready();
    }

    /**
     * @param version null for the serving version
     * @throws UnknownModelException when the repository has no such model
     */
    public boolean modelReady(String name, String version) {
        ModelStatus s = tasks.model(name);
        return s.state() == ModelState.READY
                && s.served() != null
                && (version == null || version.equals(s.served().version()));
    }

    /**
     * @throws UnknownModelException for an unknown model or a version it does not serve
     * @throws ModelNotReadyException when the model is loading, failed or unloaded
     */
    public ModelMetadata metadata(String name, String version) {
        return ModelMetadata.of(served(name, version));
    }

    private ServedModel served(String name, String version) {
        ModelStatus s = tasks.model(name);
        ServedModel m = s.served();
        if (s.state() != ModelState.READY || m == null) {
            throw new ModelNotReadyException(name, EnumNames.of(s.state()), s.reason());
        }
        if (version != null && !version.equals(m.version())) {
            throw new UnknownModelException(
                    name,
                    "model '" + name + "' has no version '" + version + "'; it serves version " + m.version(),
                    List.of(m.version()));
        }
        return m;
    }

    /** @param protocol the {@code protocol} tag of the request meters */
    public CompletableFuture<TensorAnswer> infer(TensorRequest request, Duration timeout, String protocol) {
        return tasks.infer(request, timeout, protocol);
    }
}
