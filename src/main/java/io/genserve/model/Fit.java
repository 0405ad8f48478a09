package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an image is fitted to a model that takes a fixed size, or is too large for it. */
public enum Fit {
    @JsonProperty("resize")
    RESIZE,
    @JsonProperty("crop")
    CROP,
    @JsonProperty("tile")
    TILE;
}
