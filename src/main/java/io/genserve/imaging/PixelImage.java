package io.genserve.imaging;

import java.util.Arrays;

/**
 * An 8-bit image: {@code channels} (1 = gray, 3 = RGB) interleaved per pixel, rows top to bottom.
 * Immutable by convention: operations return new images and nobody writes into {@code pixels}
 * after construction.
 */
public record PixelImage(int width, int height, int channels, byte[] pixels) {
    public PixelImage {
        if (width < 1 || height < 1 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad image geometry " + width + "x" + height + "x" + channels);
        }
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException(
                    "expected " + width * height * channels + " bytes, got " + pixels.length);
        }
    }

    public static PixelImage filled(int width, int height, int channels, int value) {
        byte[] p = new byte[width * height * channels];
        Arrays.fill(p, (byte) value);
        return new PixelImage(width, height, channels, p);
    }

    /** Sample at (x, y), channel c, as 0..255. */
    public int at(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }

    /** The same picture with 1 or 3 channels: gray is replicated, colour reduced with the luma below. */
    public PixelImage withChannels(int target) {
        if (target == channels) {
            return this;
        }
        int n = width * height;
        byte[] out = new byte[n * target];
        if (target == 3) {
            for (int i = 0; i < n; i++) {
                out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = pixels[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) luma(pixels[3 * i] & 0xFF, pixels[3 * i + 1] & 0xFF, pixels[3 * i + 2] & 0xFF);
            }
        }
        return new PixelImage(width, height, target, out);
    }

    /** ITU-R BT.601 luma in integers, rounded: what every gray model of this service is fed. */
    static int luma(int r, int g, int b) {
        return (299 * r + 587 * g + 114 * b + 500) / 1000;
    }

    /** The rectangle [x, x + w) x [y, y + h), which must lie inside the image. */
    public PixelImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException(
                    "crop " + w + "x" + h + "+" + x + "+" + y + " outside " + width + "x" + height);
        }
        byte[] out = new byte[w * h * channels];
        for (int row = 0; row < h; row++) {
            System.arraycopy(pixels, ((y + row) * width + x) * channels, out, row * w * channels, w * channels);
        }
        return new PixelImage(w, h, channels, out);
    }

    /** Grows the image to w x h by repeating its last column and row (edge padding, no new colours). */
    public PixelImage padTo(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        if (w < width || h < height) {
            throw new IllegalArgumentException("cannot pad " + width + "x" + height + " to " + w + "x" + h);
        }
        byte[] out = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(y, height - 1);
            for (int x = 0; x < w; x++) {
                int sx = Math.min(x, width - 1);
                System.arraycopy(pixels, (sy * width + sx) * channels, out, (y * w + x) * channels, channels);
            }
        }
        return new PixelImage(w, h, channels, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelImage p
                && width == p.width
                && height == p.height
                && channels == p.channels
                && Arrays.equals(pixels, p.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "PixelImage[" + width + "x" + height + "x" + channels + "]";
    }
}
