package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Element types the service can feed and read. */
public enum DType {
    @JsonProperty("float32")
    FLOAT32,
    @JsonProperty("float16")
    FLOAT16,
    @JsonProperty("uint8")
    UINT8,
    @JsonProperty("int64")
    INT64,
    @JsonProperty("int32")
    INT32;
}
