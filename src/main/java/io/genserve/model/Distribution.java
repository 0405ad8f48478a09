package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How latent values are drawn: normal (mean 0, sd 1) or uniform on [-1, 1). */
public enum Distribution {
    @JsonProperty("normal")
    NORMAL,
    @JsonProperty("uniform")
    UNIFORM;
}
