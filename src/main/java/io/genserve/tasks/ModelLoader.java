package io.genserve.tasks;

import io.genserve.batching.BatchCalibration;
import io.genserve.batching.BatchCalibrator;
import io.genserve.batching.BatchSettings;
import io.genserve.batching.BatchingProperties;
import io.genserve.batching.MemoryBudget;
import io.genserve.batching.ModelBatcher;
import io.genserve.error.GenserveException;
import io.genserve.model.Choice;
import io.genserve.model.EnumNames;
import io.genserve.model.ManifestException;
import io.genserve.model.ManifestReader;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelSource;
import io.genserve.model.ModelVersions;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.CudaUnavailableException;
import io.genserve.runtime.GraphLoader;
import io.genserve.runtime.HeapTensor;
import io.genserve.runtime.OnnxModel;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one model folder into a {@link LoadedModel}, one step after the other:
 *
 * <ol>
 *   <li>read the manifest, if the folder has one;
 *   <li>open the ONNX Runtime session;
 *   <li>settle the manifest ({@link ModelProbe}): the written one held against the graph's real
 *       inputs and outputs, or one derived from the signature and probed with a calibration image;
 *       an upscaler's scale measured where the graph leaves it dynamic;
 *   <li>register the model's meters; with {@code max-batch-size: auto}, time batch sizes on the
 *       warm-up request ({@link BatchCalibrator}); start its batcher;
 *   <li>warm up: one real request through the task's codec, the batcher and the session.
 * </ol>
 *
 * A step that fails closes what the steps before it opened, in reverse order, and the load fails
 * with one line that says why ({@link ModelLoadException}); a missing GPU under
 * {@code execution-provider: cuda} is not one model's problem and propagates as
 * {@link CudaUnavailableException}. Blocks for the whole load. Thread-safe: loads of different
 * models may run at once.
 */
final class ModelLoader {
    private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

    private final CatalogProperties properties;
    private final BatchingProperties batching;
    private final GraphLoader graphs;
    private final MeterRegistry registry;
    private final ScheduledExecutorService timer;
    private final ItemDispatcher dispatcher;
    private final Map<io.genserve.model.Task, TaskCodec<?, ?, ?>> codecs = new EnumMap<>(io.genserve.model.Task.class);
    private final MemoryBudget memory;
    private final ManifestReader reader = new ManifestReader();
    private final ModelProbe probe = new ModelProbe();
    /**
     * Loads hold the read side while they work; timing a model's batch sizes takes the write side,
     * so that nothing else loading in parallel shares the cores with the runs being timed (they
     * would measure the other load, not the batch size).
     */
    private final ReentrantReadWriteLock cores = new ReentrantReadWriteLock();
    /**
     * Opened once the application context has finished creating the service: the models found at
     * start load while it does, but timing batch sizes beside the context's own work would measure
     * that work.
     */
    private final CountDownLatch batchTiming = new CountDownLatch(1);

    ModelLoader(
            CatalogProperties properties,
            BatchingProperties batching,
            GraphLoader graphs,
            MeterRegistry registry,
            ScheduledExecutorService timer,
            ItemDispatcher dispatcher,
            List<TaskCodec<?, ?, ?>> codecs,
            MemoryBudget memory) {
        this.properties = properties;
        this.batching = batching;
        this.graphs = graphs;
        this.registry = registry;
        this.timer = timer;
        this.dispatcher = dispatcher;
        this.memory = memory;
        codecs.forEach(c -> this.codecs.put(c.task(), c));
    }

    /**
     * The version the folder holds now: a hash of its files. Blocks for reading them.
     *
     * @throws ModelLoadException when the graph cannot be read
     */
    static String version(ModelSource source) {
        long t0 = System.nanoTime();
        try {
            return ModelVersions.of(source);
        } catch (ManifestException e) {
            throw new ModelLoadException(e.getMessage(), Duration.ofNanos(System.nanoTime() - t0), e);
        }
    }

    /**
     * @param version what {@link #version} said of the folder
     * @throws ModelLoadException naming why the model cannot serve
     * @throws CudaUnavailableException when CUDA is required and this model cannot get it
     */
    LoadedModel load(ModelSource source, String version) {
        long t0 = System.nanoTime();
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        cores.readLock().lock();
        try {
            ModelManifest written = readManifest(source);
            OnnxModel session = open(opened, openSession(source, written));
            ModelProbe.Settled settled = probe.settle(written, session, source.onnxFile());
            ModelMeters meters = open(opened, bindMeters(source.name(), version, session));
            ModelManifest manifest = settled.manifest();
            String card = readCard(source);
            List<Choice> choices = settled.choices();
            BatchSettings settings;
            if (BatchSettings.calibrates(batching, manifest.batching(), manifest.batch())) {
                // Encoding needs the model but not its batcher, which waits for the measured size.
                ServedModel unbatched = new ServedModel(
                        source.name(), version, manifest, session.signature(), choices, session.provider(), null, card);
                BatchCalibration measured = calibrate(unbatched, session);
                settings = BatchSettings.resolve(batching, manifest.batching(), measured);
                choices = new ArrayList<>(choices);
                choices.add(
                        new Choice("batching.max-batch-size", String.valueOf(measured.chosen()), measured.summary()));
            } else {
                settings = BatchSettings.resolve(batching, manifest.batching(), manifest.batch());
            }
            ModelBatcher batcher = open(opened, startBatcher(source.name(), session, settings, meters));
            ServedModel served = new ServedModel(
                    source.name(), version, manifest, session.signature(), choices, session.provider(), batcher, card);
            warmUp(served);
            Duration loadTime = Duration.ofNanos(System.nanoTime() - t0);
            meters.loaded(loadTime);
            log.info(
                    "model '{}' version {} ready: {} on {} in {} ms{}",
                    source.name(),
                    version,
                    EnumNames.of(settled.manifest().task()),
                    served.provider(),
                    loadTime.toMillis(),
                    written == null ? " (no manifest; chosen: " + settled.choices() + ")" : "");
            return new LoadedModel(served, session, meters, batcher, loadTime);
        } catch (CudaUnavailableException e) {
            closeAll(opened);
            throw e; // execution-provider: cuda must fail the start, not one model
        } catch (ManifestException | GenserveException | IllegalStateException | IllegalArgumentException e) {
            closeAll(opened);
            throw new ModelLoadException(e.getMessage(), Duration.ofNanos(System.nanoTime() - t0), e);
        } catch (RuntimeException e) {
            log.warn("model '{}' failed to load", source.name(), e);
            closeAll(opened);
            throw new ModelLoadException(e.toString(), Duration.ofNanos(System.nanoTime() - t0), e);
        } finally {
            cores.readLock().unlock();
        }
    }

    private static <T extends AutoCloseable> T open(Deque<AutoCloseable> opened, T resource) {
        opened.push(resource);
        return resource;
    }

    /** Closes in reverse order of opening; a failure to close one does not keep the others open. */
    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                log.warn("closing a half-loaded model failed", e);
            }
        }
    }

    private ModelManifest readManifest(ModelSource source) {
        return source.manifestFile().map(reader::read).orElse(null);
    }

    private OnnxModel openSession(ModelSource source, ModelManifest written) {
        int concurrency = written != null && written.batching().concurrency() != null
                ? written.batching().concurrency()
                : batching.concurrency();
        return graphs.load(source.name(), source.onnxFile(), concurrency);
    }

    private ModelMeters bindMeters(String name, String version, OnnxModel session) {
        ModelMeters meters = new ModelMeters(name, version, session.provider());
        meters.bindTo(registry);
        return meters;
    }

    private ModelBatcher startBatcher(String name, OnnxModel session, BatchSettings settings, ModelMeters meters) {
        ModelBatcher batcher = new ModelBatcher(name, session::run, settings, System::nanoTime, timer, meters, memory);
        meters.watch(batcher);
        return batcher;
    }

    /**
     * Settles {@code max-batch-size: auto}: times batch sizes on the warm-up request's first item,
     * straight on the session (no batcher runs it yet), while no other load runs. Called with the
     * read side of {@link #cores} held, and returns with it held. Blocks for the other loads' steps
     * in progress and a few runs per size.
     */
    @SuppressWarnings("unchecked")
    private BatchCalibration calibrate(ServedModel unbatched, OnnxModel session) {
        TaskCodec<Object, Object, ?> codec =
                (TaskCodec<Object, Object, ?>) codecs.get(unbatched.manifest().task());
        List<Map<String, HeapTensor>> items =
                codec.encode(codec.warmUpRequest(unbatched), unbatched).items();
        if (items.isEmpty()) {
            throw new IllegalStateException("the warm-up request has no items to time the batch sizes with");
        }
        cores.readLock().unlock(); // a read lock cannot be upgraded: let go, then take the write side
        try {
            awaitBatchTiming();
            BatchCalibration measured;
            cores.writeLock().lock();
            try {
                measured = calibrate(session, items.get(0));
            } finally {
                cores.writeLock().unlock();
            }
            return projected(unbatched.name(), unbatched.manifest(), measured);
        } finally {
            cores.readLock().lock();
        }
    }

    /** Lets loads time batch sizes from now on (see {@link #batchTiming}). */
    void allowBatchTiming() {
        batchTiming.countDown();
    }

    private void awaitBatchTiming() {
        try {
            batchTiming.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to time the batch sizes", e);
        }
    }

    /**
     * For a model that takes images of any size, the timings of its warm-up image carried to
     * photos of {@code genserve.batching.auto-side} ({@link BatchCalibration#projectedTo}).
     */
    private BatchCalibration projected(String name, ModelManifest manifest, BatchCalibration measured) {
        BatchCalibration out = manifest.input(TensorRole.IMAGE)
                .map(TensorSpec::size)
                .filter(size -> !size.hasFixedSize())
                .map(size -> {
                    double side = WarmUpImages.side(size);
                    return measured.projectedTo(batching.autoSide(), Math.pow(batching.autoSide() / side, 2));
                })
                .orElse(measured);
        log.info("model '{}' max-batch-size auto: {}", name, out.summary());
        return out;
    }

    private BatchCalibration calibrate(OnnxModel session, Map<String, HeapTensor> item) {
        try {
            return new BatchCalibrator(session::run, System::nanoTime)
                    .calibrate(item, batching.autoCeiling(), batching.autoRuns(), batching.autoMargin());
        } catch (GenserveException | IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new ManifestException("warm-up inference failed: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private void warmUp(ServedModel served) {
        warmUp(served, (TaskCodec<Object, Object, ?>)
                codecs.get(served.manifest().task()));
    }

    /** One real request through the task's codec, the batcher and the session. */
    private <R, C> void warmUp(ServedModel served, TaskCodec<R, C, ?> codec) {
        try {
            TaskCodec.Encoded<C> encoded = codec.encode(codec.warmUpRequest(served), served);
            dispatcher
                    .dispatch(
                            served,
                            encoded.items(),
                            properties.warmUpTimeout(),
                            outputs -> codec.decode(encoded.context(), outputs),
                            n -> {})
                    .get(properties.warmUpTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ManifestException("warm-up inference took longer than "
                    + properties.warmUpTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManifestException("interrupted during warm-up");
        } catch (ExecutionException e) {
            Throwable cause = Outcome.unwrap(e.getCause());
            throw new ManifestException("warm-up inference failed: " + cause.getMessage());
        }
    }

    private static String readCard(ModelSource source) {
        try {
            return source.cardFile().isPresent()
                    ? Files.readString(source.cardFile().get())
                    : null;
        } catch (IOException e) {
            return null;
        }
    }
}
