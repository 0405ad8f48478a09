package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a graph input carries. */
public enum TensorRole {
    @JsonProperty("latent")
    LATENT,
    @JsonProperty("class")
    CLASS,
    @JsonProperty("image")
    IMAGE,
    @JsonProperty("mask")
    MASK,
    @JsonProperty("style-image")
    STYLE_IMAGE,
    /** A graph input that carries a setting: fed the manifest's {@code value}, the same for every item. */
    @JsonProperty("constant")
    CONSTANT;
}
