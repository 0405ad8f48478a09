package io.genserve.tasks;

/**
 * @param style the image-to-image model
 * @param image the picture, as an image file's bytes
 * @param strength 0..1: how much of the styled image to blend over the original (1 = all), null for 1
 * @param styleImage a second image for models that take one, or null
 */
public record StyleRequest(String style, byte[] image, Double strength, byte[] styleImage) {}
