package io.genserve.imaging;

/**
 * Separable bilinear resampling with the filter widened by the scale factor when shrinking (as
 * Pillow does), so downscaled images are antialiased rather than aliased. Rounds and clamps once,
 * at the end. Stateless and deterministic.
 */
public final class Resizer {
    private Resizer() {}

    public static PixelImage resize(PixelImage src, int width, int height) {
        if (width == src.width() && height == src.height()) {
            return src;
        }
        int c = src.channels();
        Weights wx = Weights.of(src.width(), width);
        Weights wy = Weights.of(src.height(), height);
        float[] rows = new float[src.height() * width * c]; // horizontally resampled
        byte[] p = src.pixels();
        for (int y = 0; y < src.height(); y++) {
            for (int x = 0; x < width; x++) {
                for (int k = 0; k < c; k++) {
                    float acc = 0;
                    for (int t = 0; t < wx.count[x]; t++) {
                        acc += wx.weight[x][t] * (p[(y * src.width() + wx.first[x] + t) * c + k] & 0xFF);
                    }
                    rows[(y * width + x) * c + k] = acc;
                }
            }
        }
        byte[] out = new byte[width * height * c];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int k = 0; k < c; k++) {
                    float acc = 0;
                    for (int t = 0; t < wy.count[y]; t++) {
                        acc += wy.weight[y][t] * rows[((wy.first[y] + t) * width + x) * c + k];
                    }
                    out[(y * width + x) * c + k] = (byte) Math.min(255, Math.max(0, Math.round(acc)));
                }
            }
        }
        return new PixelImage(width, height, c, out);
    }

    /** Normalised triangle-filter taps from {@code in} samples to {@code out} samples. */
    private record Weights(int[] first, int[] count, float[][] weight) {
        static Weights of(int in, int out) {
            double scale = (double) in / out;
            double support = Math.max(1.0, scale);
            int[] first = new int[out];
            int[] count = new int[out];
            float[][] weight = new float[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(in, (int) Math.ceil(center + support));
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int i = lo; i < hi; i++) {
                    w[i - lo] = Math.max(0, 1 - Math.abs((i + 0.5 - center) / support));
                    sum += w[i - lo];
                }
                if (sum == 0) { // a single source sample under the filter's zero: take the nearest
                    lo = Math.min(in - 1, (int) center);
                    hi = lo + 1;
                    w = new double[] {1};
                    sum = 1;
                }
                first[o] = lo;
                count[o] = hi - lo;
                weight[o] = new float[hi - lo];
                for (int i = 0; i < w.length; i++) {
                    weight[o][i] = (float) (w[i] / sum);
                }
            }
            return new Weights(first, count, weight);
        }
    }
}
