package io.genserve.tasks;

import io.genserve.error.GenserveException;
import io.genserve.model.ModelRepository;
import io.genserve.model.ModelSource;
import io.genserve.model.ModelVersions;
import io.genserve.model.ModelVersions.Fingerprint;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Looks at the model repository every {@code genserve.model-repository-poll} while serving: a new
 * folder loads, a changed {@code model.onnx} or manifest reloads (replacing the serving version
 * without a gap), a removed folder unloads. A change is acted on once two looks in a row saw the
 * same sizes and times, so a file still being copied is not loaded half-written; a folder counts
 * as removed once two looks missed it. One thread, {@code genserve-repository-poll}, which blocks
 * on the loads it asks for. Thread-safe.
 */
final class RepositoryPoller implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RepositoryPoller.class);

    private final ModelCatalog catalog;
    private final ModelRepository repository;
    private final Duration interval;
    private final Duration stopTimeout;
    /** What the last look saw, and what the catalog was last given, per folder; poll thread only. */
    private Map<String, Fingerprint> seen = Map.of();

    private final Map<String, Fingerprint> applied = new HashMap<>();
    private ScheduledExecutorService thread;

    RepositoryPoller(ModelCatalog catalog, CatalogProperties properties, Duration stopTimeout) {
        this.catalog = catalog;
        this.repository = new ModelRepository(properties.modelRepository());
        this.interval = properties.modelRepositoryPoll();
        this.stopTimeout = stopTimeout;
    }

    @Override
    public synchronized void start() {
        if (interval.isZero()) {
            return; // polling is off
        }
        prime();
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "genserve-repository-poll");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("polling the model repository every {}", interval);
    }

    /** Takes what the repository holds now as what the catalog loaded at its start. */
    void prime() {
        seen = look();
        applied.putAll(seen);
    }

    /** One look at the repository; acts on what has settled. Called on the poll thread (or by a test). */
    void poll() {
        try {
            Map<String, Fingerprint> now = look();
            for (Map.Entry<String, Fingerprint> e : now.entrySet()) {
                String name = e.getKey();
                boolean settled = e.getValue().equals(seen.get(name));
                if (settled && !e.getValue().equals(applied.get(name))) {
                    applied.put(name, e.getValue());
                    load(name);
                }
            }
            Set<String> gone = new HashSet<>(applied.keySet());
            gone.removeAll(now.keySet());
            gone.removeAll(seen.keySet()); // missed twice
            for (String name : gone) {
                applied.remove(name);
                log.info("model folder '{}' was removed: unloading it", name);
                catalog.remove(name);
            }
            seen = now;
        } catch (RuntimeException e) {
            log.warn("looking at the model repository failed: {}", e.toString());
        }
    }

    private void load(String name) {
        try {
            LoadOutcome outcome = catalog.load(name);
            if (outcome.changed()) {
                log.info(
                        "model folder '{}' changed: version {} serves",
                        name,
                        outcome.status().served().version());
            }
        } catch (ModelLoadException | GenserveException e) {
            log.warn("model folder '{}' changed but cannot be loaded: {}", name, e.getMessage());
        }
    }

    private Map<String, Fingerprint> look() {
        Map<String, Fingerprint> out = new HashMap<>();
        for (ModelSource s : repository.scan()) {
            out.put(s.name(), ModelVersions.fingerprint(s));
        }
        return out;
    }

    /** Lets a load in progress finish (up to the drain timeout) before the catalog stops. */
    @Override
    public synchronized void stop() {
        if (thread == null) {
            return;
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return thread != null;
    }

    /** After the catalog starts, before it stops. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4000;
    }
}
