package io.genserve.imaging;

/**
 * An image in pixel units (0..255 nominal) as floats, not yet clamped or rounded: what a model's
 * output is until every step that combines values (blending tiles, merging chroma) is done, so
 * that clamping and rounding happen exactly once, in {@link #toPixels()}. Channels interleaved per
 * pixel (1 or 3), rows top to bottom. Immutable by convention.
 */
public record FloatImage(int width, int height, int channels, float[] samples) {
    public FloatImage {
        if (width < 1 || height < 1 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad image geometry " + width + "x" + height + "x" + channels);
        }
        if (samples.length != width * height * channels) {
            throw new IllegalArgumentException(
                    "expected " + width * height * channels + " samples, got " + samples.length);
        }
    }

    public static FloatImage of(PixelImage image) {
        byte[] p = image.pixels();
        float[] s = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            s[i] = p[i] & 0xFF;
        }
        return new FloatImage(image.width(), image.height(), image.channels(), s);
    }

    public float at(int x, int y, int c) {
        return samples[(y * width + x) * channels + c];
    }

    /** The rectangle [0, w) x [0, h). */
    public FloatImage cropTo(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        if (w > width || h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " outside " + width + "x" + height);
        }
        float[] out = new float[w * h * channels];
        for (int row = 0; row < h; row++) {
            System.arraycopy(samples, row * width * channels, out, row * w * channels, w * channels);
        }
        return new FloatImage(w, h, channels, out);
    }

    /** Clamped to 0..255 and rounded half up, once; NaN becomes 0. */
    public PixelImage toPixels() {
        byte[] out = new byte[samples.length];
        for (int i = 0; i < samples.length; i++) {
            float p = samples[i];
            // Clamp after rescaling, not before: generators and unclamped upscalers overshoot their range.
            p = p > 255 ? 255 : p >= 0 ? p : 0;
            out[i] = (byte) (int) Math.floor(p + 0.5f);
        }
        return new PixelImage(width, height, channels, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatImage f
                && width == f.width
                && height == f.height
                && channels == f.channels
                && java.util.Arrays.equals(samples, f.samples);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + java.util.Arrays.hashCode(samples);
    }

    @Override
    public String toString() {
        return "FloatImage[" + width + "x" + height + "x" + channels + "]";
    }
}
