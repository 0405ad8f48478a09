package io.genserve.tasks;

import io.genserve.batching.BatchingProperties;
import io.genserve.error.BadInputException;
import io.genserve.error.ModelNotReadyException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.ModelRepository;
import io.genserve.model.ModelSource;
import io.genserve.model.ModelState;
import io.genserve.model.Task;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The models of the repository, by name, and the lifecycle state of each. Loads every model at
 * start (before the web server opens its port) through the {@link ModelLoader}, and drains and
 * closes them at shutdown (after the web server stopped taking requests). A model that fails
 * never stops the others: it is listed as failed with its reason. Thread-safe.
 */
final class ModelCatalog implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);

    private final CatalogProperties properties;
    private final BatchingProperties batching;
    private final ModelLoader loader;
    private final MeterRegistry registry;
    private final Map<String, Entry> entries = new ConcurrentSkipListMap<>();
    private volatile boolean running;

    /** Lifecycle of one model; state changes are published through volatile fields. */
    private static final class Entry {
        final String name;
        volatile ModelState state = ModelState.LOADING;
        volatile String reason;
        volatile LoadedModel loaded;
        volatile Duration loadTime;

        Entry(String name) {
            this.name = name;
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
        try {
            for (ModelSource source : sources) {
                load(source, entries.get(source.name()));
            }
        } catch (RuntimeException e) {
            // Spring stops only lifecycles that started: close what loaded before the failure ourselves.
            closeAll();
            throw e;
        }
        running = true;
    }

    private void load(ModelSource source, Entry entry) {
        try {
            LoadedModel loaded = loader.load(source);
            entry.loaded = loaded;
            entry.loadTime = loaded.loadTime();
            entry.state = ModelState.READY;
        } catch (ModelLoadException e) {
            entry.loadTime = e.loadTime();
            entry.reason = e.getMessage();
            entry.state = ModelState.FAILED;
            log.error("model '{}' FAILED: {}", entry.name, e.getMessage());
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
                    name, "unknown " + field + " '" + name + "'; " + describe(task), names(task));
        }
        ServedModel served = entry.served();
        if (entry.state != ModelState.READY || served == null) {
            throw new ModelNotReadyException(name, EnumNames.of(entry.state), entry.reason);
        }
        Task actual = served.manifest().task();
        if (actual != task) {
            throw new BadInputException(
                    field,
                    "model '" + name + "' serves " + EnumNames.of(actual) + ", not " + EnumNames.of(task) + "; "
                            + describe(task));
        }
        return served;
    }

    private ServedModel defaultFor(Task task, String field) {
        Optional<ServedModel> chosen = defaultModel(task);
        if (task == Task.IMAGE_TO_IMAGE && chosen.isPresent()) {
            throw new BadInputException(field, "'" + field + "' is required; " + describe(task));
        }
        return chosen.orElseThrow(
                () -> new UnknownModelException(null, "no " + EnumNames.of(task) + " model is loaded", List.of()));
    }

    /** The ready model a request of {@code task} that names none gets: the one marked default, else the first by name. */
    Optional<ServedModel> defaultModel(Task task) {
        return entries.values().stream()
                .filter(e -> e.state == ModelState.READY)
                .map(Entry::served)
                .filter(m -> m != null && m.manifest().task() == task)
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
                .filter(e -> e.served() != null && e.served().manifest().task() == task)
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
                    "unknown model '" + name + "'; models: " + entries.keySet(),
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

    /** Drains every model's batcher (accepted requests finish), then closes the models. Blocks. */
    @Override
    public void stop() {
        running = false;
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
