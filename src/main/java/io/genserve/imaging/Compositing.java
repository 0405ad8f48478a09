package io.genserve.imaging;

/** Pasting generated pixels into the original, and blending a styled image with it. Stateless. */
public final class Compositing {
    private Compositing() {}

    /**
     * The original with its hole pixels taken from {@code filled}; every other pixel keeps the
     * original's bytes exactly. {@code filled} is placed at {@code at} and converted to the
     * original's channel count.
     */
    public static PixelImage pasteHoles(PixelImage original, PixelImage filled, BinaryMask mask, Rect at) {
        PixelImage f = filled.withChannels(original.channels());
        byte[] out = original.pixels().clone();
        int c = original.channels();
        for (int y = 0; y < at.height(); y++) {
            for (int x = 0; x < at.width(); x++) {
                int ox = at.x() + x;
                int oy = at.y() + y;
                if (mask.isHole(ox, oy)) {
                    System.arraycopy(f.pixels(), (y * f.width() + x) * c, out, (oy * original.width() + ox) * c, c);
                }
            }
        }
        return new PixelImage(original.width(), original.height(), c, out);
    }

    /** strength x styled + (1 - strength) x original, per sample, in the styled image's channels. */
    public static PixelImage blend(PixelImage original, PixelImage styled, double strength) {
        if (strength >= 1) {
            return styled;
        }
        byte[] o = original.withChannels(styled.channels()).pixels();
        byte[] s = styled.pixels();
        byte[] out = new byte[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = (byte) Math.round(strength * (s[i] & 0xFF) + (1 - strength) * (o[i] & 0xFF));
        }
        return new PixelImage(styled.width(), styled.height(), styled.channels(), out);
    }
}
