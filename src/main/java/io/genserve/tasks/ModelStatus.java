package io.genserve.tasks;

import io.genserve.model.ModelState;
import java.time.Duration;

/**
 * A snapshot of one model of the repository.
 *
 * @param reason why it failed, or null
 * @param served what serves it; null unless it loaded
 * @param loadTime how long loading and warm-up took, or null while loading
 */
public record ModelStatus(String name, ModelState state, String reason, ServedModel served, Duration loadTime) {}
