package io.genserve.tasks;

/**
 * What loading a model on request did.
 *
 * @param status the model now
 * @param previousVersion the version that served before, or null
 * @param changed false when the folder held the version already serving: nothing was done
 */
public record LoadOutcome(ModelStatus status, String previousVersion, boolean changed) {}
