package io.genserve.runtime;

import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.RunOptions;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.genserve.model.ModelSignature;
import io.genserve.model.TensorInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One loaded ONNX graph. Owns its {@link SessionOptions} and {@link OrtSession} (the options must
 * outlive the session) and never closes the shared {@link OrtEnvironment}.
 *
 * <p>Runs take the shared lock and {@link #close()} the exclusive one: closing a session during
 * {@code run()} crashes the JVM (onnxruntime #21812), so close blocks until in-flight runs finish.
 * Native tensors live only inside {@link #run}: heap in, heap out. Thread-safe.
 */
public final class OnnxModel implements AutoCloseable {
    private final String name;
    private final OrtEnvironment env;
    private final SessionOptions options;
    private final OrtSession session;
    private final ExecutionProvider provider;
    private final ModelSignature signature;
    /** ORT's memory.enable_memory_arena_shrinkage for every run, or null to keep the arenas' blocks. */
    private final String arenaShrinkage;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Runnable onClose;
    private boolean closed;

    /**
     * @param arenaShrinkage ORT's memory.enable_memory_arena_shrinkage for every run, or null
     * @param onClose told once, after the session and its options were freed
     */
    OnnxModel(
            String name,
            OrtEnvironment env,
            SessionOptions options,
            OrtSession session,
            ExecutionProvider provider,
            String arenaShrinkage,
            Runnable onClose)
            throws OrtException {
        this.name = name;
        this.arenaShrinkage = arenaShrinkage;
        this.onClose = onClose;
        this.env = env;
        this.options = options;
        this.session = session;
        this.provider = provider;
        this.signature = new ModelSignature(describe(session.getInputInfo()), describe(session.getOutputInfo()));
    }

    public String name() {
        return name;
    }

    public ExecutionProvider provider() {
        return provider;
    }

    public ModelSignature signature() {
        return signature;
    }

    /**
     * Runs the graph once. Blocks for the run's duration.
     *
     * @param feed one heap tensor per graph input
     * @param control lets another thread terminate this run
     * @return every graph output, copied to the heap
     * @throws RunTerminatedException when {@code control} terminated the run
     * @throws IllegalStateException when the model is closed
     */
    public Map<String, HeapTensor> run(Map<String, HeapTensor> feed, RunControl control) throws OrtException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("model '" + name + "' is closed");
            }
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try (RunOptions runOptions = new RunOptions()) {
                if (arenaShrinkage != null) {
                    runOptions.addRunConfigEntry("memory.enable_memory_arena_shrinkage", arenaShrinkage);
                }
                for (Map.Entry<String, HeapTensor> e : feed.entrySet()) {
                    inputs.put(e.getKey(), TensorConversions.toOnnx(env, e.getValue()));
                }
                control.attach(runOptions);
                try (OrtSession.Result result = session.run(inputs, runOptions)) {
                    Map<String, HeapTensor> out = new LinkedHashMap<>();
                    for (Map.Entry<String, OnnxValue> e : result) {
                        out.put(e.getKey(), TensorConversions.toHeap((OnnxTensor) e.getValue()));
                    }
                    return out;
                } catch (OrtException e) {
                    if (control.isTerminated()) {
                        throw new RunTerminatedException("run of model '" + name + "' was terminated");
                    }
                    throw e;
                } finally {
                    control.detach();
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether {@link #close()} has freed the session; runs after that fail. */
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for in-flight runs, then frees the session and its options. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing model '" + name + "'", e);
            } finally {
                options.close();
                onClose.run();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static List<TensorInfo> describe(Map<String, NodeInfo> nodes) {
        List<TensorInfo> out = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            if (node.getInfo() instanceof ai.onnxruntime.TensorInfo t) {
                OnnxTensorType type = t.onnxType;
                out.add(new TensorInfo(
                        node.getName(),
                        type.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""),
                        TensorConversions.dtypeOf(type),
                        new Shape(t.getShape())));
            } else {
                out.add(new TensorInfo(node.getName(), node.getInfo().toString(), null, new Shape()));
            }
        }
        return out;
    }
}
