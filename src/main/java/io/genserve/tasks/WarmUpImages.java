package io.genserve.tasks;

import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImageFormat;
import io.genserve.imaging.PixelImage;
import io.genserve.model.SpatialSize;

/** Small valid images for warm-up requests, sized to what the model accepts. Stateless. */
final class WarmUpImages {
    private WarmUpImages() {}

    static PixelImage gray(SpatialSize size, int value) {
        int w = size.hasFixedSize() ? size.fixedWidth() : side(size);
        int h = size.hasFixedSize() ? size.fixedHeight() : side(size);
        return PixelImage.filled(w, h, 3, value);
    }

    /** The side of the square warm-up image for a model that takes any size. */
    static int side(SpatialSize size) {
        return Math.max(64, Math.min(size.max(), size.min()));
    }

    /** A mask of the image's size with a hole in its middle quarter. */
    static PixelImage centreHole(PixelImage image) {
        byte[] p = new byte[image.width() * image.height()];
        for (int y = image.height() / 4; y < image.height() * 3 / 4; y++) {
            for (int x = image.width() / 4; x < image.width() * 3 / 4; x++) {
                p[y * image.width() + x] = (byte) 255;
            }
        }
        return new PixelImage(image.width(), image.height(), 1, p);
    }

    static byte[] png(ImageCodec codec, PixelImage image) {
        return codec.encode(image, ImageFormat.PNG);
    }
}
