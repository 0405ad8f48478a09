package io.genserve.imaging;

import java.util.ArrayList;
import java.util.List;

/**
 * Covers an image with overlapping tiles of a fixed-size model's input, and merges the processed
 * tiles back with linear ramps across each overlap, so seams don't show. Immutable.
 */
public record TileGrid(int width, int height, int tileWidth, int tileHeight, int overlap, List<Rect> tiles) {

    /** @param overlap pixels adjacent tiles share, less than the tile size */
    public static TileGrid cover(int width, int height, int tileWidth, int tileHeight, int overlap) {
        List<Rect> tiles = new ArrayList<>();
        for (int y : starts(height, tileHeight, overlap)) {
            for (int x : starts(width, tileWidth, overlap)) {
                tiles.add(new Rect(x, y, tileWidth, tileHeight));
            }
        }
        return new TileGrid(width, height, tileWidth, tileHeight, overlap, List.copyOf(tiles));
    }

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

    /** The processed tiles, in {@link #tiles()} order, merged into one width x height image. */
    public PixelImage merge(List<PixelImage> processed) {
        int c = processed.get(0).channels();
        float[] sum = new float[width * height * c];
        float[] weight = new float[width * height];
        for (int i = 0; i < tiles.size(); i++) {
            Rect r = tiles.get(i);
            PixelImage t = processed.get(i);
            for (int y = 0; y < tileHeight && r.y() + y < height; y++) {
                float wy = ramp(y, r.y(), tileHeight, height);
                for (int x = 0; x < tileWidth && r.x() + x < width; x++) {
                    float w = wy * ramp(x, r.x(), tileWidth, width);
                    int o = (r.y() + y) * width + r.x() + x;
                    weight[o] += w;
                    for (int k = 0; k < c; k++) {
                        sum[o * c + k] += w * t.at(x, y, k);
                    }
                }
            }
        }
        byte[] out = new byte[sum.length];
        for (int o = 0; o < weight.length; o++) {
            for (int k = 0; k < c; k++) {
                out[o * c + k] = (byte) Math.min(255, Math.max(0, Math.round(sum[o * c + k] / weight[o])));
            }
        }
        return new PixelImage(width, height, c, out);
    }

    /** Weight of position i in a tile starting at start: rises across the overlap where a neighbour exists. */
    private float ramp(int i, int start, int tile, int size) {
        float w = 1;
        if (start > 0) {
            w = Math.min(w, (i + 0.5f) / overlap);
        }
        if (start + tile < size) {
            w = Math.min(w, (tile - i - 0.5f) / overlap);
        }
        return Math.max(w, 1e-3f);
    }
}
