package io.genserve.imaging;

/**
 * How one region of an image is fed to a model: cut {@code region} out, resize it to
 * {@code target}, pad that (edge-replicated) to {@code padded}, the tensor's spatial size.
 * {@link #restore} undoes it on the model's output. Immutable.
 */
public record Placement(Rect region, int targetWidth, int targetHeight, int paddedWidth, int paddedHeight) {

    public PixelImage apply(PixelImage image) {
        PixelImage cut = region.equals(Rect.of(image))
                ? image
                : image.crop(region.x(), region.y(), region.width(), region.height());
        return Resizer.resize(cut, targetWidth, targetHeight).padTo(paddedWidth, paddedHeight);
    }

    public BinaryMask apply(BinaryMask mask) {
        BinaryMask cut =
                region.x() == 0 && region.y() == 0 && region.width() == mask.width() && region.height() == mask.height()
                        ? mask
                        : mask.crop(region);
        return cut.resize(targetWidth, targetHeight).padTo(paddedWidth, paddedHeight);
    }

    /** The model's output, padding cut off and scaled back to the region's size. */
    public PixelImage restore(PixelImage output) {
        if (output.width() != paddedWidth || output.height() != paddedHeight) {
            // A graph whose output size differs from its input (e.g. a 2x upscaler): scale to the padded size first.
            output = Resizer.resize(output, paddedWidth, paddedHeight);
        }
        PixelImage unpadded = output.crop(0, 0, targetWidth, targetHeight);
        return Resizer.resize(unpadded, region.width(), region.height());
    }
}
