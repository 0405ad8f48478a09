package io.genserve.imaging;

/** An axis-aligned rectangle of pixels: origin (x, y), size width x height. */
public record Rect(int x, int y, int width, int height) {
    public static Rect of(PixelImage image) {
        return new Rect(0, 0, image.width(), image.height());
    }
}
