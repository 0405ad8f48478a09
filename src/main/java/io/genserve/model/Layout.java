package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the channel axis of an image tensor is. */
public enum Layout {
    @JsonProperty("NCHW")
    NCHW,
    @JsonProperty("NHWC")
    NHWC;
}
