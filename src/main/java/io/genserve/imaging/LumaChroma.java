package io.genserve.imaging;

/**
 * Colour for models that see only the luma ({@code channels: Y}), as in the PyTorch
 * super-resolution tutorial: the model answers Y, and the input's chroma (BT.601 full-range Cb and
 * Cr, as JPEG defines them) is resampled bicubically to the answer's size and merged back. Works
 * in floats and clamps once, at the end. A gray input has no chroma and stays gray. Stateless.
 */
public final class LumaChroma {
    private LumaChroma() {}

    /**
     * @param luma the model's Y answer in pixel units (unclamped), one channel
     * @param source the image the model was fed the luma of
     */
    public static FloatImage colourise(FloatImage luma, PixelImage source) {
        if (luma.channels() != 1) {
            throw new IllegalArgumentException("luma must have one channel, got " + luma.channels());
        }
        if (source.channels() == 1) {
            return luma;
        }
        int n = source.width() * source.height();
        float[] cb = new float[n];
        float[] cr = new float[n];
        byte[] p = source.pixels();
        for (int i = 0; i < n; i++) {
            float r = p[3 * i] & 0xFF;
            float g = p[3 * i + 1] & 0xFF;
            float b = p[3 * i + 2] & 0xFF;
            cb[i] = 128 - 0.168736f * r - 0.331264f * g + 0.5f * b;
            cr[i] = 128 + 0.5f * r - 0.418688f * g - 0.081312f * b;
        }
        int w = luma.width();
        int h = luma.height();
        float[] cbUp = Bicubic.resize(cb, source.width(), source.height(), w, h);
        float[] crUp = Bicubic.resize(cr, source.width(), source.height(), w, h);
        float[] y = luma.samples();
        float[] out = new float[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            float u = cbUp[i] - 128;
            float v = crUp[i] - 128;
            out[3 * i] = y[i] + 1.402f * v;
            out[3 * i + 1] = y[i] - 0.344136f * u - 0.714136f * v;
            out[3 * i + 2] = y[i] + 1.772f * u;
        }
        return new FloatImage(w, h, 3, out);
    }
}
