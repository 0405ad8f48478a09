package io.genserve.tasks;

/**
 * @param model the upscale model, or null for the repository's default upscaler
 * @param image the picture, as an image file's bytes
 * @param scale the factor, for models that take it at run time; null for the model's own
 * @param outscale resize the model's answer to this factor of the input instead (Real-ESRGAN's
 *     {@code --outscale}); null to keep the model's scale
 */
public record UpscaleRequest(String model, byte[] image, Integer scale, Double outscale) {}
