package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.SpatialSize;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resizing, fitting, tiling and masks. */
class GeometryTest {

    static PixelImage gradient(int w, int h) {
        byte[] p = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[(y * w + x) * 3] = (byte) (x * 255 / Math.max(1, w - 1));
                p[(y * w + x) * 3 + 1] = (byte) (y * 255 / Math.max(1, h - 1));
                p[(y * w + x) * 3 + 2] = 77;
            }
        }
        return new PixelImage(w, h, 3, p);
    }

    @Test
    void resizingKeepsFlatColoursExactAndShrinksWithoutAliasing() {
        PixelImage flat = PixelImage.filled(37, 23, 3, 200);
        assertThat(Resizer.resize(flat, 64, 64)).isEqualTo(PixelImage.filled(64, 64, 3, 200));
        assertThat(Resizer.resize(flat, 5, 3)).isEqualTo(PixelImage.filled(5, 3, 3, 200));
        // A 1-pixel checkerboard shrunk by 4 averages to mid-gray instead of picking black or white.
        byte[] checker = new byte[16 * 16];
        for (int i = 0; i < checker.length; i++) {
            checker[i] = (byte) (((i % 16) + (i / 16)) % 2 == 0 ? 0 : 255);
        }
        PixelImage small = Resizer.resize(new PixelImage(16, 16, 1, checker), 4, 4);
        for (byte b : small.pixels()) {
            assertThat(b & 0xFF).isBetween(120, 135);
        }
    }

    @Test
    void dynamicModelsGetTheWholeImagePaddedToTheirMultiple() {
        Placement p = FitPlanner.whole(301, 203, new SpatialSize(null, 8, 8, 1024));
        assertThat(p).isEqualTo(new Placement(new Rect(0, 0, 301, 203), 301, 203, 304, 208));
        PixelImage fed = p.apply(gradient(301, 203));
        assertThat(fed.width()).isEqualTo(304);
        assertThat(fed.at(303, 207, 0)).isEqualTo(fed.at(300, 202, 0)); // edge-replicated
        assertThat(p.restore(fed)).isEqualTo(gradient(301, 203));
    }

    @Test
    void imagesPastTheLimitAreScaledDownToIt() {
        Placement p = FitPlanner.whole(4000, 1000, new SpatialSize(null, 8, 8, 1024));
        assertThat(p.paddedWidth()).isEqualTo(1024);
        assertThat(p.targetHeight()).isEqualTo(256);
    }

    @Test
    void aFixedModelGetsACropAroundTheHoleShapedLikeItsInput() {
        SpatialSize fixed = new SpatialSize(List.of(64, 64), null, null, null);
        Placement small = FitPlanner.aroundHole(301, 203, new Rect(100, 70, 20, 10), 0.5, fixed);
        // 20x10 + margins, squared, grown to 64x64: no resampling at all.
        assertThat(small).isEqualTo(new Placement(new Rect(78, 43, 64, 64), 64, 64, 64, 64));
        Placement large = FitPlanner.aroundHole(301, 203, new Rect(100, 70, 80, 50), 0.5, fixed);
        assertThat(large.region().width()).isEqualTo(large.region().height()).isGreaterThan(64);
        assertThat(large.targetWidth()).isEqualTo(64);
        Placement tiny = FitPlanner.aroundHole(40, 30, new Rect(10, 10, 5, 5), 0.5, fixed);
        assertThat(tiny).isEqualTo(new Placement(new Rect(0, 0, 40, 30), 40, 30, 64, 64)); // padded, not stretched
    }

    @Test
    void tilesCoverTheImageAndMergeSeamlessly() {
        TileGrid grid = TileGrid.cover(100, 70, 32, 32, 4);
        PixelImage source = gradient(100, 70);
        List<PixelImage> tiles = new ArrayList<>();
        for (int i = 0; i < grid.tiles().size(); i++) {
            tiles.add(grid.cut(source, i));
        }
        assertThat(grid.tiles()).hasSize(4 * 3);
        assertThat(grid.merge(tiles.stream().map(FloatImage::of).toList(), 1).toPixels())
                .isEqualTo(source); // identity tiles merge back exactly
    }

    @Test
    void masksReadAlphaWhenTransparentAndGrowWhenShrunk() {
        byte[] black = new byte[4 * 3];
        byte[] alpha = {0, (byte) 255, 0, 0};
        BinaryMask fromAlpha = BinaryMask.from(new DecodedImage(new PixelImage(2, 2, 3, black), alpha), 128, false);
        assertThat(fromAlpha.holes().stream().toArray()).containsExactly(1);
        byte[] white = new byte[4 * 3];
        java.util.Arrays.fill(white, 0, 3, (byte) 255);
        BinaryMask fromLuma = BinaryMask.from(new DecodedImage(new PixelImage(2, 2, 3, white), null), 128, true);
        assertThat(fromLuma.holes().stream().toArray()).containsExactly(1, 2, 3);

        java.util.BitSet one = new java.util.BitSet();
        one.set(5 * 10 + 5);
        assertThat(new BinaryMask(10, 10, one).resize(2, 2).holes().cardinality())
                .isEqualTo(1);
        assertThat(new BinaryMask(10, 10, one).bounds()).isEqualTo(new Rect(5, 5, 1, 1));
    }

    @Test
    void compositingTakesOnlyHolePixelsFromTheModel() {
        PixelImage original = gradient(4, 4);
        java.util.BitSet holes = new java.util.BitSet();
        holes.set(5);
        PixelImage out = Compositing.pasteHoles(
                original, PixelImage.filled(2, 2, 3, 9), new BinaryMask(4, 4, holes), new Rect(1, 1, 2, 2));
        for (int i = 0; i < 16; i++) {
            int x = i % 4, y = i / 4;
            assertThat(out.at(x, y, 0)).isEqualTo(i == 5 ? 9 : original.at(x, y, 0));
        }
    }
}
