package io.genserve.tasks;

import io.genserve.error.LoadFailedException;
import java.util.List;

/**
 * Model management while serving, in the shape of Triton's repository extension: list the
 * repository, load (or reload, or replace) a model, unload one. One change at a time; each call
 * blocks until it is done, for a replacement or an unload until the old version's last run is
 * over. Thread-safe.
 */
public final class ModelManagement {
    private final ModelCatalog catalog;

    ModelManagement(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** Every model of the catalog and every folder of the repository, with its state and reason. */
    public List<ModelStatus> index() {
        return catalog.index();
    }

    /**
     * @throws io.genserve.error.UnknownModelException when the repository has no such folder
     * @throws LoadFailedException naming why; a version that served before keeps serving
     */
    public LoadOutcome load(String name) {
        try {
            return catalog.load(name);
        } catch (ModelLoadException e) {
            throw new LoadFailedException(name, e.getMessage(), e);
        }
    }

    /** @throws io.genserve.error.UnknownModelException when neither the catalog nor the repository has it */
    public ModelStatus unload(String name) {
        return catalog.unload(name);
    }
}
