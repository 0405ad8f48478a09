package io.genserve.imaging;

/**
 * Separable Keys cubic resampling of a float plane with a = -0.5 (PIL's BICUBIC, which the
 * PyTorch super-resolution tutorial upscales chroma with), pixel centres at half-integers, edges
 * repeated. Unclamped: values may overshoot, as bicubic does. Meant for enlarging. Stateless.
 */
final class Bicubic {
    private static final double A = -0.5;

    private Bicubic() {}

    static float[] resize(float[] src, int w, int h, int outW, int outH) {
        Taps tx = Taps.of(w, outW);
        Taps ty = Taps.of(h, outH);
        float[] rows = new float[h * outW];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                float acc = 0;
                for (int t = 0; t < 4; t++) {
                    acc += tx.weight[x][t] * src[y * w + tx.index[x][t]];
                }
                rows[y * outW + x] = acc;
            }
        }
        float[] out = new float[outW * outH];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                float acc = 0;
                for (int t = 0; t < 4; t++) {
                    acc += ty.weight[y][t] * rows[ty.index[y][t] * outW + x];
                }
                out[y * outW + x] = acc;
            }
        }
        return out;
    }

    /** For each output sample, its four source samples (clamped to the edge) and their weights. */
    private record Taps(int[][] index, float[][] weight) {
        static Taps of(int in, int out) {
            int[][] index = new int[out][4];
            float[][] weight = new float[out][4];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double src = (o + 0.5) * scale - 0.5;
                int first = (int) Math.floor(src) - 1;
                for (int t = 0; t < 4; t++) {
                    index[o][t] = Math.min(in - 1, Math.max(0, first + t));
                    weight[o][t] = (float) kernel(Math.abs(src - (first + t)));
                }
            }
            return new Taps(index, weight);
        }
    }

    private static double kernel(double d) {
        if (d <= 1) {
            return ((A + 2) * d - (A + 3)) * d * d + 1;
        }
        return d < 2 ? (((d - 5) * d + 8) * d - 4) * A : 0;
    }
}
