package io.genserve.tasks;

import io.genserve.batching.BatchMeters;
import io.genserve.batching.BatchSettings;
import io.genserve.batching.BatchingProperties;
import io.genserve.batching.MemoryBudget;
import io.genserve.batching.ModelBatcher;
import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import io.genserve.error.GenserveException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.ManifestException;
import io.genserve.model.ManifestReader;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelRepository;
import io.genserve.model.ModelSource;
import io.genserve.model.ModelState;
import io.genserve.model.Task;
import io.genserve.runtime.CudaUnavailableException;
import io.genserve.runtime.OnnxModel;
import io.genserve.runtime.OnnxModelLoader;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The models of the repository and their lifecycle: loads every model at start (before the web
 * server opens its port), checks it against its graph, warms it up with one real request, and
 * drains and closes it at shutdown (after the web server stopped taking requests). A model that
 * fails never stops the others: it is listed as failed with its reason. Thread-safe.
 */
final class ModelCatalog implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);

    private final CatalogProperties properties;
    private final BatchingProperties batching;
    private final OnnxModelLoader loader;
    private final MeterRegistry registry;
    private final ScheduledExecutorService timer;
    private final ItemDispatcher dispatcher;
    private final Map<Task, TaskCodec<?, ?, ?>> codecs;
    private final MemoryBudget memory;
    private final ManifestReader reader = new ManifestReader();
    private final ModelProbe probe = new ModelProbe();
    private final Map<String, Entry> entries = new ConcurrentSkipListMap<>();
    private volatile boolean running;

    /** Mutable lifecycle of one model; state changes are published through volatile fields. */
    private static final class Entry {
        final String name;
        volatile ModelState state = ModelState.LOADING;
        volatile String reason;
        volatile ServedModel served;
        volatile OnnxModel onnx;
        volatile BatchMeters batchMeters;
        volatile Duration loadTime;

        Entry(String name) {
            this.name = name;
        }

        ModelStatus snapshot() {
            return new ModelStatus(name, state, reason, served, loadTime);
        }

        double loadSeconds() {
            Duration d = loadTime;
            return d == null ? Double.NaN : d.toNanos() / 1e9;
        }
    }

    ModelCatalog(
            CatalogProperties properties,
            BatchingProperties batching,
            OnnxModelLoader loader,
            MeterRegistry registry,
            ScheduledExecutorService timer,
            ItemDispatcher dispatcher,
            List<TaskCodec<?, ?, ?>> codecs,
            MemoryBudget memory) {
        this.properties = properties;
        this.batching = batching;
        this.loader = loader;
        this.registry = registry;
        this.timer = timer;
        this.dispatcher = dispatcher;
        this.memory = memory;
        this.codecs = new java.util.EnumMap<>(Task.class);
        codecs.forEach(c -> this.codecs.put(c.task(), c));
    }

    @Override
    public void start() {
        ModelRepository repository = new ModelRepository(properties.modelRepository());
        List<ModelSource> sources = repository.scan();
        log.info(
                "model repository {}: {} model folder(s)",
                repository.root().toAbsolutePath().normalize(),
                sources.size());
        for (ModelSource source : sources) {
            Entry entry = new Entry(source.name());
            entries.put(source.name(), entry);
            registerStateMeters(entry);
        }
        for (ModelSource source : sources) {
            load(source, entries.get(source.name()));
        }
        running = true;
    }

    private void load(ModelSource source, Entry entry) {
        long t0 = System.nanoTime();
        ModelBatcher batcher = null;
        try {
            ModelManifest manifest = source.manifestFile().map(reader::read).orElse(null);
            int concurrency = manifest != null && manifest.batching().concurrency() != null
                    ? manifest.batching().concurrency()
                    : batching.concurrency();
            entry.onnx = loader.load(source.name(), source.onnxFile(), concurrency);
            // Held against the graph; derived and probed when the folder has none; the scale measured.
            ModelProbe.Settled settled = probe.settle(manifest, entry.onnx, source.onnxFile());
            boolean derived = manifest == null;
            manifest = settled.manifest();
            BatchSettings settings = BatchSettings.resolve(batching, manifest.batching(), manifest.batch());
            entry.batchMeters = new BatchMeters(registry, source.name());
            batcher = new ModelBatcher(
                    source.name(), entry.onnx::run, settings, System::nanoTime, timer, entry.batchMeters, memory);
            entry.batchMeters.watch(source.name(), batcher);
            ServedModel served = new ServedModel(
                    source.name(),
                    manifest,
                    entry.onnx.signature(),
                    settled.choices(),
                    entry.onnx.provider(),
                    batcher,
                    readCard(source));
            warmUp(served);
            entry.served = served;
            entry.loadTime = Duration.ofNanos(System.nanoTime() - t0);
            entry.state = ModelState.READY;
            registerModelMeters(entry);
            log.info(
                    "model '{}' ready: {} on {} in {} ms{}",
                    source.name(),
                    EnumNames.of(manifest.task()),
                    served.provider(),
                    entry.loadTime.toMillis(),
                    derived ? " (no manifest; chosen: " + settled.choices() + ")" : "");
        } catch (CudaUnavailableException e) {
            throw e; // execution-provider: cuda must fail the start, not one model
        } catch (ManifestException | GenserveException | IllegalStateException | IllegalArgumentException e) {
            fail(entry, batcher, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("model '{}' failed to load", source.name(), e);
            fail(entry, batcher, e.toString());
        } finally {
            entry.loadTime = entry.loadTime != null ? entry.loadTime : Duration.ofNanos(System.nanoTime() - t0);
        }
    }

    private void fail(Entry entry, ModelBatcher batcher, String reason) {
        if (batcher != null) {
            batcher.close();
        }
        if (entry.onnx != null) {
            entry.onnx.close();
            entry.onnx = null;
        }
        if (entry.batchMeters != null) {
            entry.batchMeters.close();
        }
        entry.reason = reason;
        entry.state = ModelState.FAILED;
        log.error("model '{}' FAILED: {}", entry.name, reason);
    }

    @SuppressWarnings("unchecked")
    private void warmUp(ServedModel served) {
        warmUp(served, (TaskCodec<Object, Object, ?>)
                codecs.get(served.manifest().task()));
    }

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
        } catch (java.util.concurrent.ExecutionException e) {
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

    private void registerStateMeters(Entry entry) {
        for (ModelState s : ModelState.values()) {
            Gauge.builder("genserve.model.state", entry, e -> e.state == s ? 1 : 0)
                    .tag("model", entry.name)
                    .tag("state", EnumNames.of(s))
                    .description("1 for the model's current lifecycle state")
                    .register(registry);
        }
    }

    private void registerModelMeters(Entry entry) {
        Gauge.builder("genserve.model.provider", entry, e -> e.state == ModelState.READY ? 1 : 0)
                .tag("model", entry.name)
                .tag("provider", entry.served.provider().name().toLowerCase(java.util.Locale.ROOT))
                .description("1 for the execution provider the model runs on")
                .register(registry);
        TimeGauge.builder("genserve.model.load.duration", entry, TimeUnit.SECONDS, Entry::loadSeconds)
                .tag("model", entry.name)
                .description("Time to load, check and warm up the model")
                .register(registry);
    }

    /**
     * The model to serve a request of {@code task}. With no name, the default generator (or the
     * first model of the task, by name).
     *
     * @param field the request field that names the model, named in errors
     */
    ServedModel require(String name, Task task, String field) {
        if (name == null || name.isBlank()) {
            return defaultFor(task, field);
        }
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new UnknownModelException(
                    name, "unknown " + field + " " + ClientText.quote(name) + "; " + describe(task), names(task));
        }
        if (entry.state != ModelState.READY) {
            throw new ModelNotReadyException(name, EnumNames.of(entry.state), entry.reason);
        }
        Task actual = entry.served.manifest().task();
        if (actual != task) {
            throw new BadInputException(
                    field,
                    "model '" + name + "' serves " + EnumNames.of(actual) + ", not " + EnumNames.of(task) + "; "
                            + describe(task));
        }
        return entry.served;
    }

    private ServedModel defaultFor(Task task, String field) {
        Optional<ServedModel> chosen = defaultModel(task);
        if (task == Task.IMAGE_TO_IMAGE && chosen.isPresent()) {
            throw new BadInputException(field, "'" + field + "' is required; " + describe(task));
        }
        return chosen.orElseThrow(() -> noDefault(task));
    }

    /**
     * No ready model of the task. A model that failed (or is still loading) may be the very default
     * this request asks for, its task unknown until it loads: that is the server's condition (503,
     * naming the model and its failure), not an unknown model (404).
     */
    private GenserveException noDefault(Task task) {
        List<Entry> notReady = entries.values().stream()
                .filter(e -> e.state != ModelState.READY)
                .toList();
        if (notReady.isEmpty()) {
            return new UnknownModelException(null, "no " + EnumNames.of(task) + " model is loaded", List.of());
        }
        Entry first = notReady.get(0);
        String others = notReady.stream()
                .skip(1)
                .map(e -> "'" + e.name + "' (" + EnumNames.of(e.state) + ")")
                .collect(java.util.stream.Collectors.joining(", "));
        return new ModelNotReadyException(
                first.name,
                EnumNames.of(first.state),
                (first.reason == null ? "" : first.reason + "; ")
                        + "no " + EnumNames.of(task) + " model is ready for a request that names none"
                        + (others.isEmpty() ? "" : "; also not ready: " + others));
    }

    /** The ready model a request of {@code task} that names none gets: the one marked default, else the first by name. */
    Optional<ServedModel> defaultModel(Task task) {
        return entries.values().stream()
                .filter(e -> e.state == ModelState.READY && e.served.manifest().task() == task)
                .map(e -> e.served)
                .min(Comparator.comparing((ServedModel m) -> !m.manifest().isDefault())
                        .thenComparing(ServedModel::name));
    }

    private String describe(Task task) {
        List<String> names = names(task);
        return names.isEmpty()
                ? "no " + EnumNames.of(task) + " model is loaded"
                : EnumNames.of(task) + " models: " + names;
    }

    private List<String> names(Task task) {
        return entries.values().stream()
                .filter(e -> e.served != null && e.served.manifest().task() == task)
                .map(e -> e.name)
                .toList();
    }

    List<ModelStatus> statuses() {
        return entries.values().stream().map(Entry::snapshot).toList();
    }

    ModelStatus status(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new UnknownModelException(
                    name,
                    "unknown model " + ClientText.quote(name) + "; models: " + entries.keySet(),
                    new ArrayList<>(entries.keySet()));
        }
        return e.snapshot();
    }

    /** Every model of the repository has loaded (strict) or at least none is still loading. */
    boolean isReady() {
        if (!running) {
            return false;
        }
        return entries.values().stream()
                .allMatch(e ->
                        e.state == ModelState.READY || (!properties.strictReadiness() && e.state == ModelState.FAILED));
    }

    /** Drains every model's batcher (accepted requests finish), then closes the sessions. Blocks. */
    @Override
    public void stop() {
        running = false;
        for (Entry entry : entries.values()) {
            if (entry.state != ModelState.READY) {
                continue;
            }
            entry.state = ModelState.UNLOADING;
            if (!entry.served.batcher().drain(batching.drainTimeout())) {
                log.warn(
                        "model '{}': requests still running after {}; closing once they finish",
                        entry.name,
                        batching.drainTimeout());
            }
        }
        for (Entry entry : entries.values()) {
            if (entry.onnx != null) {
                entry.onnx.close(); // waits for any run still in flight
                entry.onnx = null;
            }
            removeMeters(entry.name);
        }
    }

    private void removeMeters(String model) {
        List<Meter> mine = registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("genserve.")
                        && model.equals(m.getId().getTag("model")))
                .toList();
        mine.forEach(registry::remove);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Starts before and stops after the web server (whose lifecycles sit at DEFAULT_PHASE - 1024
     * and - 2048): models are loaded before the port opens, and closed only after in-flight HTTP
     * requests have been answered.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
