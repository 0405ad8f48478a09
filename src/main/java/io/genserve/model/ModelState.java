package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Lifecycle of a model: readiness, GET /models and the 503-versus-4xx decision read it. */
public enum ModelState {
    @JsonProperty("loading")
    LOADING,
    @JsonProperty("ready")
    READY,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("unloading")
    UNLOADING;
}
