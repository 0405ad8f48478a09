package io.genserve.tasks;

import io.genserve.imaging.PixelImage;
import java.util.List;

/** The answer to a {@link GenerateRequest}: one entry per image, in order, and the model version that made them all. */
public record GeneratedImages(String model, String version, List<Image> images) {
    /** @param label the class the image was conditioned on, or null for unconditional models */
    public record Image(long seed, String label, PixelImage image) {}
}
