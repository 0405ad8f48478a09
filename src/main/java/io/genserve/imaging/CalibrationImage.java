package io.genserve.imaging;

/**
 * The built-in picture a model is probed with when it has no manifest: deterministic, and chosen so
 * that a model's answer shows its ranges. Luma spans black to white (a dark corner, a bright
 * corner), every channel spans 0..255, and there is structure at every scale: smooth gradients,
 * saturated discs, a bar, fine stripes and a checkerboard. Stateless.
 */
public final class CalibrationImage {
    private CalibrationImage() {}

    public static PixelImage of(int width, int height) {
        byte[] p = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double u = width == 1 ? 0 : (double) x / (width - 1);
                double v = height == 1 ? 0 : (double) y / (height - 1);
                double r = 255 * u;
                double g = 255 * v;
                double b = 255 * (u + v) / 2;
                if (disc(u, v, 0.28, 0.32, 0.18)) {
                    r = 235;
                    g = 35;
                    b = 40;
                } else if (disc(u, v, 0.7, 0.7, 0.16)) {
                    r = 25;
                    g = 70;
                    b = 225;
                } else if (u > 0.08 && u < 0.45 && v > 0.68 && v < 0.8) {
                    r = 40;
                    g = 200;
                    b = 60;
                } else if (u > 0.55 && u < 0.92 && v > 0.08 && v < 0.3) {
                    int level = (x / 2) % 2 == 0 ? 250 : 5; // stripes two pixels wide
                    r = g = b = level;
                } else if (u > 0.1 && u < 0.3 && v > 0.45 && v < 0.6) {
                    int level = ((x / 4) + (y / 4)) % 2 == 0 ? 255 : 0; // a checkerboard of 4-pixel squares
                    r = g = b = level;
                }
                int i = (y * width + x) * 3;
                p[i] = (byte) Math.round(r);
                p[i + 1] = (byte) Math.round(g);
                p[i + 2] = (byte) Math.round(b);
            }
        }
        return new PixelImage(width, height, 3, p);
    }

    private static boolean disc(double u, double v, double cu, double cv, double radius) {
        return (u - cu) * (u - cu) + (v - cv) * (v - cv) < radius * radius;
    }
}
