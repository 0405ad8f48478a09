package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a model does; decides which endpoint serves it. */
public enum Task {
    @JsonProperty("generate")
    GENERATE,
    @JsonProperty("inpaint")
    INPAINT,
    @JsonProperty("image-to-image")
    IMAGE_TO_IMAGE,
    @JsonProperty("upscale")
    UPSCALE;
}
