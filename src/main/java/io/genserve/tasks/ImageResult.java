package io.genserve.tasks;

import io.genserve.imaging.PixelImage;

/** One image answered by a model. */
public record ImageResult(String model, PixelImage image) {}
