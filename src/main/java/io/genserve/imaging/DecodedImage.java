package io.genserve.imaging;

/**
 * An uploaded image: its colour (or gray) pixels and, when the file had one, its alpha channel.
 *
 * @param alpha one byte per pixel, or null when the file has no alpha channel
 */
public record DecodedImage(PixelImage image, byte[] alpha) {
    public boolean hasTransparency() {
        if (alpha == null) {
            return false;
        }
        for (byte a : alpha) {
            if (a != (byte) 0xFF) {
                return true;
            }
        }
        return false;
    }
}
