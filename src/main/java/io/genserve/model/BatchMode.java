package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether axis 0 may hold more than one item (dynamic) or exactly one (fixed). */
public enum BatchMode {
    @JsonProperty("dynamic")
    DYNAMIC,
    @JsonProperty("fixed")
    FIXED;
}
