package io.genserve.imaging;

import io.genserve.model.ChannelOrder;
import io.genserve.model.HolePolarity;
import io.genserve.model.Layout;
import io.genserve.model.TensorSpec;
import io.genserve.model.ValueRange;

/**
 * The one place that turns pixels into tensor values and back, for every task: layout (NCHW or
 * NHWC), channel order (RGB, BGR, gray, or Y: the BT.601 luma, fed like gray), value range. Pixel p
 * maps to {@code low + (high - low) * p / 255}; the way back scales, and clamps to 0..255 and rounds
 * half up exactly once ({@link FloatImage#toPixels}). Values are for one item (batch axis of 1).
 * Stateless.
 */
public final class PixelValues {
    private PixelValues() {}

    /** [1, C, H, W] or [1, H, W, C]. */
    public static long[] shape(TensorSpec spec, int height, int width) {
        long c = spec.channelCount();
        return spec.layout() == Layout.NCHW ? new long[] {1, c, height, width} : new long[] {1, height, width, c};
    }

    /** The image's values as {@code spec} wants them; the image is converted to the spec's channel count. */
    public static float[] toValues(PixelImage image, TensorSpec spec) {
        PixelImage img = image.withChannels(spec.channelCount());
        int c = img.channels();
        int hw = img.width() * img.height();
        float[] lut = lookup(spec.range());
        byte[] p = img.pixels();
        float[] out = new float[hw * c];
        boolean nchw = spec.layout() == Layout.NCHW;
        boolean bgr = spec.channels() == ChannelOrder.BGR;
        for (int i = 0; i < hw; i++) {
            for (int k = 0; k < c; k++) {
                int tensorChannel = bgr ? c - 1 - k : k;
                float v = lut[p[i * c + k] & 0xFF];
                out[nchw ? tensorChannel * hw + i : i * c + tensorChannel] = v;
            }
        }
        return out;
    }

    /** Mask values: a hole is the end of the range {@code spec.hole()} names, a kept pixel the other end. */
    public static float[] maskValues(BinaryMask mask, TensorSpec spec) {
        ValueRange r = spec.range();
        float hole = (float) (spec.hole() == HolePolarity.HIGH ? r.high() : r.low());
        float keep = (float) (spec.hole() == HolePolarity.HIGH ? r.low() : r.high());
        float[] out = new float[mask.width() * mask.height()];
        for (int i = 0; i < out.length; i++) {
            out[i] = mask.holes().get(i) ? hole : keep; // one channel: NCHW and NHWC coincide
        }
        return out;
    }

    /**
     * One item's output values back to pixels, clamped and rounded once.
     *
     * @param shape the item's tensor shape, [1, C, H, W] or [1, H, W, C]
     */
    public static PixelImage fromValues(float[] values, int offset, long[] shape, TensorSpec spec) {
        return toFloatImage(values, offset, shape, spec).toPixels();
    }

    /**
     * One item's output values in pixel units, neither clamped nor rounded (for steps that still
     * combine values: tile blending, chroma merging). Channels come out in RGB order (or one).
     */
    public static FloatImage toFloatImage(float[] values, int offset, long[] shape, TensorSpec spec) {
        boolean nchw = spec.layout() == Layout.NCHW;
        int c = (int) shape[nchw ? 1 : 3];
        int h = (int) shape[nchw ? 2 : 1];
        int w = (int) shape[nchw ? 3 : 2];
        if (c != spec.channelCount()) {
            throw new IllegalStateException("output has " + c + " channels, manifest says " + spec.channels());
        }
        int hw = h * w;
        double low = spec.range().low();
        double scale = 255.0 / (spec.range().high() - low);
        boolean bgr = spec.channels() == ChannelOrder.BGR;
        float[] out = new float[hw * c];
        for (int i = 0; i < hw; i++) {
            for (int k = 0; k < c; k++) {
                int tensorChannel = bgr ? c - 1 - k : k;
                float v = values[offset + (nchw ? tensorChannel * hw + i : i * c + tensorChannel)];
                out[i * c + k] = (float) ((v - low) * scale);
            }
        }
        return new FloatImage(w, h, c, out);
    }

    private static float[] lookup(ValueRange range) {
        float[] lut = new float[256];
        for (int p = 0; p < 256; p++) {
            lut[p] = (float) (range.low() + (range.high() - range.low()) * p / 255.0);
        }
        return lut;
    }
}
