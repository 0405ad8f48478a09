package io.genserve.imaging;

/** The size an image file declares in its header, read without decoding it. */
public record ImageHeader(int width, int height) {
    /**
     * Heap bytes per pixel at the peak of decoding one image: the decoder's raster (up to 4),
     * the ARGB copy it is read through (4), the RGB pixels (3) and the alpha plane (1).
     */
    public static final long DECODE_BYTES_PER_PIXEL = 12;

    public long pixels() {
        return (long) width * height;
    }

    /** Heap a decoding of this image takes at its peak. */
    public long decodeBytes() {
        return pixels() * DECODE_BYTES_PER_PIXEL;
    }
}
