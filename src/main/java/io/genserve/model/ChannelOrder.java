package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Colour channels of an image tensor, in tensor order. */
public enum ChannelOrder {
    @JsonProperty("RGB")
    RGB,
    @JsonProperty("BGR")
    BGR,
    @JsonProperty("GRAY")
    GRAY;
}
