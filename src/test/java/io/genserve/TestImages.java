package io.genserve;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads PNGs into int[height][width][channels] straight from the raster (no colour conversion),
 * so tests compare exactly the stored bytes.
 */
public final class TestImages {
    private TestImages() {}

    public static int[][][] read(byte[] png) {
        try {
            return pixels(ImageIO.read(new ByteArrayInputStream(png)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[][][] read(Path file) {
        try {
            return pixels(ImageIO.read(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[][][] pixels(BufferedImage image) {
        Raster r = image.getRaster();
        int bands = r.getNumBands();
        int[][][] out = new int[image.getHeight()][image.getWidth()][bands];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                r.getPixel(x, y, out[y][x]);
            }
        }
        return out;
    }

    /** Largest absolute difference of two images of the same geometry. */
    public static int maxDiff(int[][][] a, int[][][] b) {
        if (a.length != b.length || a[0].length != b[0].length || a[0][0].length != b[0][0].length) {
            throw new AssertionError("geometry differs: " + a[0].length + "x" + a.length + "x" + a[0][0].length + " vs "
                    + b[0].length + "x" + b.length + "x" + b[0][0].length);
        }
        int max = 0;
        for (int y = 0; y < a.length; y++) {
            for (int x = 0; x < a[0].length; x++) {
                for (int c = 0; c < a[0][0].length; c++) {
                    max = Math.max(max, Math.abs(a[y][x][c] - b[y][x][c]));
                }
            }
        }
        return max;
    }

    /** A black RGB PNG of the given size: tiny as a file, large once decoded. */
    public static byte[] png(int width, int height) {
        return solidPng(width, height, 0);
    }

    /** A PNG of one RGB colour ({@code 0xRRGGBB}). */
    public static byte[] solidPng(int width, int height, int rgb) {
        java.awt.image.BufferedImage image =
                new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        if (rgb != 0) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    image.setRGB(x, y, rgb);
                }
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(image, "png", out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
