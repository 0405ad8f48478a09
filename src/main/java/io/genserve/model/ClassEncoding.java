package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a class label is fed: its index, or a one-hot vector over the classes. */
public enum ClassEncoding {
    @JsonProperty("index")
    INDEX,
    @JsonProperty("one-hot")
    ONE_HOT;
}
