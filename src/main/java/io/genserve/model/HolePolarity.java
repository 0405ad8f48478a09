package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which end of the mask tensor's range marks a hole. */
public enum HolePolarity {
    @JsonProperty("high")
    HIGH,
    @JsonProperty("low")
    LOW;
}
