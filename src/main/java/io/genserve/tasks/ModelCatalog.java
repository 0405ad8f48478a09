package io.genserve.tasks;

import io.genserve.batching.BatchingProperties;
import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import io.genserve.error.GenserveException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.ModelRepository;
import io.genserve.model.ModelSource;
import io.genserve.model.ModelState;
import io.genserve.model.Task;
import io.genserve.runtime.CudaUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.SmartLifecycle;

/**
 * The models of the repository, by name, and the lifecycle state of each. Loads every model at
 * start (begun when the catalog is created, while the context creates the rest; finished before
 * the web server opens its port; several at once) through the {@link ModelLoader}, and drains and
 * closes them at shutdown (after the web server stopped taking requests). A model that fails
 * never stops the others: it is listed as failed with its reason.
 *
 * <p>While serving, a model can be loaded, replaced and unloaded ({@link #load}, {@link #unload},
 * {@link #remove}), one such change at a time. A replacement loads and warms up the new version
 * while the old one serves, then switches the one reference requests read, then retires the old
 * version: requests already on it are queued and run there, and its session closes after its
 * last run. A new version that fails leaves the old one serving. Thread-safe.
 */
final class ModelCatalog implements SmartLifecycle, InitializingBean, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);

    private final CatalogProperties properties;
    private final BatchingProperties batching;
    private final ModelLoader loader;
    private final MeterRegistry registry;
    private final ModelRepository repository;
    private final Map<String, Entry> entries = new ConcurrentSkipListMap<>();
    /** One load, replacement or unload at a time: two at once could interleave their switches. */
    private final ReentrantLock changes = new ReentrantLock();

    private volatile boolean running;
    /** The loads of the start, begun when the catalog is created; guarded by this. */
    private StartLoads startLoads;

    /** Lifecycle of one model; state changes are published through volatile fields. */
    private static final class Entry {
        final String name;
        /** Found by the start: only these decide readiness (a model added later never un-readies the pod). */
        final boolean fromStart;

        volatile ModelState state = ModelState.LOADING;
        volatile String reason;
        volatile LoadedModel loaded;
        volatile Duration loadTime;

        Entry(String name, boolean fromStart) {
            this.name = name;
            this.fromStart = fromStart;
        }

        ServedModel served() {
            LoadedModel m = loaded;
            return m == null ? null : m.served();
        }

        ModelStatus snapshot() {
            return new ModelStatus(name, state, reason, served(), loadTime);
        }
    }

    ModelCatalog(
            CatalogProperties properties, BatchingProperties batching, ModelLoader loader, MeterRegistry registry) {
        this.properties = properties;
        this.batching = batching;
        this.loader = loader;
        this.registry = registry;
        this.repository = new ModelRepository(properties.modelRepository());
    }

    /**
     * Begins loading every model of the repository as soon as the catalog exists, several at once
     * (one per core, at most): a model's load is mostly one thread's work (reading and optimising
     * the graph, probing, warming up), and while it runs the Spring context goes on creating the
     * rest of the service on the other core; {@link #start} waits for the loads. Start-up to ready
     * is what a rollout or a scale-out waits for. Returns at once.
     */
    @Override
    public void afterPropertiesSet() {
        beginStartLoads();
    }

    /**
     * The start's loads: those begun at creation, or new ones when those were already awaited (a
     * context stopped and started again, as Spring's test framework pauses cached contexts: stop()
     * closed every model, so a start loads them all again).
     */
    private synchronized StartLoads beginStartLoads() {
        if (startLoads == null || startLoads.settled) {
            startLoads = new StartLoads(System.nanoTime(), repository.scan());
            startLoads.submit();
        }
        return startLoads;
    }

    /**
     * Lets the loads time {@code auto} batch sizes (the context has finished creating the service,
     * so the cores are theirs) and waits until every model is loaded or failed.
     */
    @Override
    public void start() {
        StartLoads loads = beginStartLoads();
        long contextMillis = (System.nanoTime() - loads.began) / 1_000_000;
        loader.allowBatchTiming();
        try {
            loads.await();
        } catch (RuntimeException e) {
            // Spring stops only lifecycles that started: close what loaded before the failure ourselves.
            loads.abandon();
            closeAll();
            throw e;
        }
        running = true;
        log.info(
                "start-up: {} model(s) loaded in {} ms from the catalog's creation (the rest of the context was"
                        + " created in the first {} ms of them), {} at a time ({})",
                loads.sources.size(),
                (System.nanoTime() - loads.began) / 1_000_000,
                contextMillis,
                loads.threads,
                String.join(
                        ", ",
                        entries.values().stream()
                                .filter(e -> e.loadTime != null)
                                .map(e -> e.name + " " + e.loadTime.toMillis() + " ms")
                                .toList()));
    }

    /**
     * When the context fails after the catalog was created, {@link #stop} is never called (the
     * catalog never started): the loads begun in {@link #afterPropertiesSet} end and what they
     * loaded closes here.
     */
    @Override
    public void destroy() {
        StartLoads loads;
        synchronized (this) {
            loads = startLoads;
        }
        if (loads != null && !loads.settled) {
            loads.abandon();
            closeAll();
        }
    }

    /** The loads of the models found at start, on a pool of their own that ends with them. */
    private final class StartLoads {
        final long began;
        final List<ModelSource> sources;
        final int threads;
        private final ExecutorService pool;
        private final List<Future<?>> loads = new ArrayList<>();
        /** Awaited or abandoned: what loaded is the catalog's (or closed) from then on. */
        volatile boolean settled;

        StartLoads(long began, List<ModelSource> sources) {
            this.began = began;
            this.sources = sources;
            this.threads =
                    Math.max(1, Math.min(sources.size(), Runtime.getRuntime().availableProcessors()));
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "model-load");
                t.setDaemon(true);
                return t;
            });
        }

        void submit() {
            log.info(
                    "model repository {}: {} model folder(s), loading {} at a time",
                    repository.root().toAbsolutePath().normalize(),
                    sources.size(),
                    threads);
            for (ModelSource source : sources) {
                newEntry(source.name(), true);
            }
            for (ModelSource source : sources) {
                loads.add(pool.submit(() -> {
                    try {
                        loadInto(entries.get(source.name()), source);
                    } catch (ModelLoadException e) {
                        // reported as the model's state: the others load and serve
                    }
                }));
            }
            pool.shutdown(); // its threads end with the last load
        }

        void await() {
            for (Future<?> load : loads) {
                ModelCatalog.await(load);
            }
            settled = true;
        }

        /** Stops the loads not yet begun and waits for those in progress (each closes what it opened if it fails). */
        void abandon() {
            settled = true;
            pool.shutdownNow();
            awaitQuietly(pool);
        }
    }

    /** Waits for one load; a failure that is not one model's (CUDA missing) fails the start. */
    private static void await(Future<?> load) {
        try {
            load.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the models", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Lets loads still running finish (each closes what it opened if it fails) before closing the loaded. */
    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Entry newEntry(String name, boolean fromStart) {
        Entry entry = new Entry(name, fromStart);
        entries.put(name, entry);
        registerStateMeters(entry);
        return entry;
    }

    /** Loads a model that has no version serving; FAILED with the reason when it cannot. */
    private LoadedModel loadInto(Entry entry, ModelSource source) {
        entry.state = ModelState.LOADING;
        entry.reason = null;
        try {
            LoadedModel loaded = loader.load(source, ModelLoader.version(source));
            entry.loaded = loaded;
            entry.loadTime = loaded.loadTime();
            entry.state = ModelState.READY;
            return loaded;
        } catch (ModelLoadException e) {
            entry.loadTime = e.loadTime();
            entry.reason = e.getMessage();
            entry.state = ModelState.FAILED;
            log.error("model '{}' FAILED: {}", entry.name, e.getMessage());
            throw e;
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

    /**
     * Loads the model from its folder: the first time, again after it failed or was unloaded, or
     * as a replacement of the version serving. Blocks for the whole load and, for a replacement,
     * until the old version's last run is over.
     *
     * @throws UnknownModelException when the repository has no such folder
     * @throws ModelLoadException when the folder's version cannot serve; a version that served
     *     before keeps serving
     */
    LoadOutcome load(String name) {
        changes.lock();
        try {
            ModelSource source = repository
                    .find(name)
                    .orElseThrow(() -> new UnknownModelException(
                            name,
                            "the model repository has no folder " + ClientText.quote(name),
                            repository.scan().stream().map(ModelSource::name).toList()));
            Entry entry = entries.get(name);
            if (entry == null) {
                entry = newEntry(name, false);
            }
            LoadedModel current = entry.state == ModelState.READY ? entry.loaded : null;
            if (current == null) {
                loadInto(entry, source);
                return new LoadOutcome(entry.snapshot(), null, true);
            }
            return replace(entry, current, source);
        } catch (CudaUnavailableException e) {
            throw new ModelLoadException(e.getMessage(), Duration.ZERO, e); // one model's failure once serving
        } finally {
            changes.unlock();
        }
    }

    private LoadOutcome replace(Entry entry, LoadedModel current, ModelSource source) {
        LoadedModel fresh;
        try {
            String version = ModelLoader.version(source);
            if (version.equals(current.version())) {
                return new LoadOutcome(entry.snapshot(), current.version(), false);
            }
            fresh = loader.load(source, version);
        } catch (ModelLoadException e) {
            entry.reason =
                    "a new version failed to load, version " + current.version() + " keeps serving: " + e.getMessage();
            log.error("model '{}': {}", entry.name, entry.reason);
            throw new ModelLoadException(entry.reason, e.loadTime(), e);
        }
        entry.loaded = fresh; // the switch: every request from now on takes the new version
        entry.loadTime = fresh.loadTime();
        entry.reason = null;
        log.info("model '{}': version {} serves, version {} retires", entry.name, fresh.version(), current.version());
        retire(entry.name, current);
        return new LoadOutcome(entry.snapshot(), current.version(), true);
    }

    /** Runs what the version accepted, then closes it. Blocks until its last run is over. */
    private void retire(String name, LoadedModel old) {
        old.retire();
        Duration longest = longestDeadline(old);
        if (!old.drain(longest)) {
            log.warn("model '{}' version {}: requests still running after {}", name, old.version(), longest);
        }
        old.close(); // waits for a run still in flight
        log.info("model '{}' version {} closed", name, old.version());
    }

    /** Past it no accepted request still waits: each has a deadline, and a late run is terminated. */
    private static Duration longestDeadline(LoadedModel m) {
        var settings = m.served().batcher().settings();
        Duration d =
                settings.timeout().compareTo(settings.maxTimeout()) > 0 ? settings.timeout() : settings.maxTimeout();
        return d.plusSeconds(5);
    }

    /**
     * Takes the model out of service: new requests get 503, requests already accepted run, then
     * its session closes. The model stays listed as unloaded. Blocks until its last run is over.
     *
     * @throws UnknownModelException when neither the catalog nor the repository has the model
     */
    ModelStatus unload(String name) {
        changes.lock();
        try {
            Entry entry = entries.get(name);
            if (entry == null) {
                if (repository.find(name).isEmpty()) {
                    throw new UnknownModelException(
                            name, "unknown model " + ClientText.quote(name) + "; models: " + entries.keySet(), names());
                }
                entry = newEntry(name, false);
            }
            unloadEntry(entry);
            return entry.snapshot();
        } finally {
            changes.unlock();
        }
    }

    private void unloadEntry(Entry entry) {
        LoadedModel current = entry.loaded;
        if (current != null) {
            entry.state = ModelState.UNLOADING;
            retire(entry.name, current);
            entry.loaded = null;
        }
        entry.state = ModelState.UNLOADED;
        entry.reason = "unloaded on request";
    }

    /** The model's folder is gone: unloads it and forgets it, meters included. Blocks like {@link #unload}. */
    void remove(String name) {
        changes.lock();
        try {
            Entry entry = entries.get(name);
            if (entry != null) {
                unloadEntry(entry);
                entries.remove(name);
                removeMeters(name);
            }
        } finally {
            changes.unlock();
        }
    }

    /**
     * The ready version of a model, entered for one request: the request encodes and submits its
     * items on it, then closes the lease. With no name, the default generator (or the first model
     * of the task, by name).
     *
     * @param field the request field that names the model, named in errors
     */
    Lease lease(String name, Task task, String field) {
        while (true) {
            LoadedModel m = require(name, task, field);
            if (m.enter()) {
                return new Lease(m);
            }
            Thread.onSpinWait(); // replaced or unloaded meanwhile: look again
        }
    }

    /** One request's hold on one model version; closing it lets the version retire. */
    static final class Lease implements AutoCloseable {
        private final LoadedModel model;
        private boolean closed;

        private Lease(LoadedModel model) {
            this.model = model;
        }

        ServedModel model() {
            return model.served();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                model.exit();
            }
        }
    }

    private LoadedModel require(String name, Task task, String field) {
        if (name == null || name.isBlank()) {
            return defaultFor(task, field);
        }
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new UnknownModelException(
                    name, "unknown " + field + " " + ClientText.quote(name) + "; " + describe(task), names(task));
        }
        LoadedModel loaded = entry.loaded;
        if (entry.state != ModelState.READY || loaded == null) {
            throw new ModelNotReadyException(name, EnumNames.of(entry.state), entry.reason);
        }
        Task actual = loaded.served().manifest().task();
        if (task != null && actual != task) {
            throw new BadInputException(
                    field,
                    "model '" + name + "' serves " + EnumNames.of(actual) + ", not " + EnumNames.of(task) + "; "
                            + describe(task));
        }
        return loaded;
    }

    private LoadedModel defaultFor(Task task, String field) {
        Optional<LoadedModel> chosen = defaultLoaded(task);
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
        return defaultLoaded(task).map(LoadedModel::served);
    }

    private Optional<LoadedModel> defaultLoaded(Task task) {
        return entries.values().stream()
                .filter(e -> e.state == ModelState.READY)
                .map(e -> e.loaded)
                .filter(m -> m != null && m.served().manifest().task() == task)
                .min(Comparator.comparing(
                                (LoadedModel m) -> !m.served().manifest().isDefault())
                        .thenComparing(m -> m.served().name()));
    }

    private String describe(Task task) {
        if (task == null) {
            return "models: " + names();
        }
        List<String> names = names(task);
        return names.isEmpty()
                ? "no " + EnumNames.of(task) + " model is loaded"
                : EnumNames.of(task) + " models: " + names;
    }

    private List<String> names(Task task) {
        if (task == null) {
            return names();
        }
        return entries.values().stream()
                .filter(e -> e.served() != null && e.served().manifest().task() == task)
                .map(e -> e.name)
                .toList();
    }

    private List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    List<ModelStatus> statuses() {
        return entries.values().stream().map(Entry::snapshot).toList();
    }

    /**
     * Every model of the catalog, and every folder of the repository that it does not hold yet
     * (listed as unloaded), in name order.
     */
    List<ModelStatus> index() {
        Map<String, ModelStatus> all = new java.util.TreeMap<>();
        for (ModelSource s : repository.scan()) {
            all.put(s.name(), new ModelStatus(s.name(), ModelState.UNLOADED, "not loaded", null, null));
        }
        statuses().forEach(s -> all.put(s.name(), s));
        return List.copyOf(all.values());
    }

    ModelStatus status(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new UnknownModelException(
                    name, "unknown model " + ClientText.quote(name) + "; models: " + entries.keySet(), names());
        }
        return e.snapshot();
    }

    /**
     * The models the start found have all loaded (strict) or at least none is still loading. A
     * model unloaded on request, or added or failed after the start, does not take the service out
     * of rotation: the others serve, and it reports its own state.
     */
    boolean isReady() {
        if (!running) {
            return false;
        }
        return entries.values().stream()
                .filter(e -> e.fromStart)
                .allMatch(e -> e.state == ModelState.READY
                        || e.state == ModelState.UNLOADED
                        || e.state == ModelState.UNLOADING
                        || (!properties.strictReadiness() && e.state == ModelState.FAILED));
    }

    /** Drains every model's batcher (accepted requests finish), then closes the models. Blocks. */
    @Override
    public void stop() {
        running = false;
        boolean locked = tryLock(batching.drainTimeout());
        try {
            for (Entry entry : entries.values()) {
                if (entry.state != ModelState.READY) {
                    continue;
                }
                entry.state = ModelState.UNLOADING;
                if (!entry.loaded.drain(batching.drainTimeout())) {
                    log.warn(
                            "model '{}': requests still running after {}; closing once they finish",
                            entry.name,
                            batching.drainTimeout());
                }
            }
            closeAll();
        } finally {
            if (locked) {
                changes.unlock();
            }
        }
    }

    /** Waits for a load in progress to end, but not past the drain timeout. */
    private boolean tryLock(Duration timeout) {
        try {
            return changes.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void closeAll() {
        for (Entry entry : entries.values()) {
            LoadedModel loaded = entry.loaded;
            if (loaded != null) {
                loaded.close(); // waits for any run still in flight
            }
            removeMeters(entry.name);
        }
    }

    /** The model's remaining meters: its state gauges and the request meters of {@link TaskMeters}. */
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
