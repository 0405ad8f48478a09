package io.genserve.tasks;

/**
 * @param model the inpainting model, or null for the repository's first one
 * @param image the picture, as an image file's bytes
 * @param mask same size as the image; white (at or above the manifest's threshold) marks holes,
 *     or opaque pixels when the file has transparency
 * @param invertMask black marks holes instead
 */
public record InpaintRequest(String model, byte[] image, byte[] mask, boolean invertMask) {}
