package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Lifecycle of a model: readiness, GET /models and the 503-versus-4xx decision read it.
 * {@code UNLOADED}: in the repository but unloaded on request (model management); a model being
 * replaced stays {@code READY}, since its old version serves until the new one takes over.
 */
public enum ModelState {
    @JsonProperty("loading")
    LOADING,
    @JsonProperty("ready")
    READY,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("unloading")
    UNLOADING,
    @JsonProperty("unloaded")
    UNLOADED;
}
