package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Colour channels of an image tensor, in tensor order. {@code Y} is the luma of BT.601 YCbCr alone
 * (one channel, as super-resolution nets like ESPCN take it): a colour image is fed its luma and
 * its answer gets the input's chroma back; a gray image stays gray.
 */
public enum ChannelOrder {
    @JsonProperty("RGB")
    RGB,
    @JsonProperty("BGR")
    BGR,
    @JsonProperty("GRAY")
    GRAY,
    @JsonProperty("Y")
    Y;
}
