package io.genserve.imaging;

import java.util.ArrayList;
import java.util.List;

/**
 * Covers an image with overlapping tiles of one size and merges the processed tiles back (at the
 * model's scale) with linear ramps across each overlap, so that seams don't show. Where a tile has
 * a neighbour, its outer {@code margin} pixels get no weight at all: a convolutional net's output
 * there lacks context (Real-ESRGAN's {@code tile_pad}), and the neighbour covers them; the ramp
 * runs over the rest of the overlap. Immutable.
 *
 * @param overlap pixels adjacent tiles share at least (input pixels), less than the tile size
 * @param margin pixels at an inner tile edge that are discarded; 2 x margin < overlap, or 0
 */
public record TileGrid(
        int width, int height, int tileWidth, int tileHeight, int overlap, int margin, List<Rect> tiles) {

    public TileGrid {
        if (margin < 0 || (margin > 0 && 2 * margin >= overlap)) {
            throw new IllegalArgumentException(
                    "margin " + margin + " must be 0 or less than half the overlap " + overlap);
        }
    }

    /** Tiles blended across the whole overlap. */
    public static TileGrid cover(int width, int height, int tileWidth, int tileHeight, int overlap) {
        return cover(width, height, tileWidth, tileHeight, overlap, 0);
    }

    public static TileGrid cover(int width, int height, int tileWidth, int tileHeight, int overlap, int margin) {
        List<Rect> tiles = new ArrayList<>();
        for (int y : starts(height, tileHeight, overlap)) {
            for (int x : starts(width, tileWidth, overlap)) {
                tiles.add(new Rect(x, y, tileWidth, tileHeight));
            }
        }
        return new TileGrid(width, height, tileWidth, tileHeight, overlap, margin, List.copyOf(tiles));
    }

    /** Evenly spread starts; consecutive tiles share at least {@code overlap} pixels. */
    private static int[] starts(int size, int tile, int overlap) {
        if (size <= tile) {
            return new int[] {0};
        }
        int n = (int) Math.ceil((double) (size - overlap) / (tile - overlap));
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = (int) Math.round((double) i * (size - tile) / (n - 1));
        }
        return s;
    }

    /** Tile i of the image, edge-padded when the image is smaller than a tile. */
    public PixelImage cut(PixelImage image, int i) {
        PixelImage padded = image.padTo(Math.max(width, tileWidth), Math.max(height, tileHeight));
        Rect r = tiles.get(i);
        return padded.crop(r.x(), r.y(), tileWidth, tileHeight);
    }

    /**
     * The processed tiles, in {@link #tiles()} order, each {@code scale} times a tile's size, merged
     * into one image of {@code scale} times the grid's size. Nothing is clamped or rounded here.
     */
    public FloatImage merge(List<FloatImage> processed, int scale) {
        int c = processed.get(0).channels();
        int w = width * scale;
        int h = height * scale;
        int tw = tileWidth * scale;
        int th = tileHeight * scale;
        float[] sum = new float[w * h * c];
        float[] weight = new float[w * h];
        for (int i = 0; i < tiles.size(); i++) {
            Rect r = tiles.get(i);
            FloatImage t = processed.get(i);
            if (t.width() != tw || t.height() != th || t.channels() != c) {
                throw new IllegalArgumentException("tile " + i + " is " + t + ", expected " + tw + "x" + th + "x" + c);
            }
            int x0 = r.x() * scale;
            int y0 = r.y() * scale;
            for (int y = 0; y < th && y0 + y < h; y++) {
                float wy = ramp(y, r.y() > 0, r.y() + tileHeight < height, th, scale);
                for (int x = 0; x < tw && x0 + x < w; x++) {
                    float wt = wy * ramp(x, r.x() > 0, r.x() + tileWidth < width, tw, scale);
                    int o = (y0 + y) * w + x0 + x;
                    weight[o] += wt;
                    for (int k = 0; k < c; k++) {
                        sum[o * c + k] += wt * t.at(x, y, k);
                    }
                }
            }
        }
        for (int o = 0; o < weight.length; o++) {
            for (int k = 0; k < c; k++) {
                sum[o * c + k] /= weight[o];
            }
        }
        return new FloatImage(w, h, c, sum);
    }

    /**
     * Weight of position i (output pixels) along a tile of {@code size} output pixels: 0 within the
     * margin of an edge that has a neighbour, then rising linearly across the rest of the overlap.
     */
    private float ramp(int i, boolean neighbourBefore, boolean neighbourAfter, int size, int scale) {
        float w = 1;
        if (neighbourBefore) {
            w = Math.min(w, rise(i, scale));
        }
        if (neighbourAfter) {
            w = Math.min(w, rise(size - 1 - i, scale));
        }
        return Math.max(w, 1e-6f); // never 0 everywhere: a pixel only one tile covers keeps that tile's value
    }

    private float rise(int distance, int scale) {
        float skip = margin * scale;
        float span = (overlap - 2 * margin) * scale;
        return Math.min(1, Math.max(0, (distance + 0.5f - skip) / span));
    }
}
