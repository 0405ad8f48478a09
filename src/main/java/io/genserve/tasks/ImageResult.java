package io.genserve.tasks;

import io.genserve.imaging.PixelImage;

/** One image answered by a model, and the version of the model that answered. */
public record ImageResult(String model, String version, PixelImage image) {}
