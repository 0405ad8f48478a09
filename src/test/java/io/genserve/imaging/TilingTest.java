package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tile merging against a stand-in "model" whose answer near a tile's edge is wrong in the way a
 * convolution's is (it sees zeros beyond the tile): nearest-neighbour x2 of a 5x5 box average with
 * zero padding. The whole image through the same function is the reference.
 */
class TilingTest {
    static FloatImage boxThenDouble(PixelImage image) {
        int w = image.width();
        int h = image.height();
        float[] out = new float[4 * w * h];
        for (int y = 0; y < 2 * h; y++) {
            for (int x = 0; x < 2 * w; x++) {
                float sum = 0;
                for (int dy = -2; dy <= 2; dy++) {
                    for (int dx = -2; dx <= 2; dx++) {
                        int sx = x / 2 + dx;
                        int sy = y / 2 + dy;
                        sum += sx < 0 || sy < 0 || sx >= w || sy >= h ? 0 : image.at(sx, sy, 0);
                    }
                }
                out[y * 2 * w + x] = sum / 25;
            }
        }
        return new FloatImage(2 * w, 2 * h, 1, out);
    }

    static PixelImage texture(int w, int h) {
        byte[] p = new byte[w * h];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) ((i * 7919 + (i / w) * 104729) % 251);
        }
        return new PixelImage(w, h, 1, p);
    }

    static float maxDiff(FloatImage a, FloatImage b) {
        float max = 0;
        for (int i = 0; i < a.samples().length; i++) {
            max = Math.max(max, Math.abs(a.samples()[i] - b.samples()[i]));
        }
        return max;
    }

    static FloatImage tiled(PixelImage source, TileGrid grid) {
        List<FloatImage> answers = new ArrayList<>();
        for (int i = 0; i < grid.tiles().size(); i++) {
            answers.add(boxThenDouble(grid.cut(source, i)));
        }
        return grid.merge(answers, 2);
    }

    @Test
    void discardingTheMarginGivesTheUntiledAnswerAndBlendingAloneDoesNot() {
        PixelImage source = texture(150, 110);
        FloatImage whole = boxThenDouble(source);
        TileGrid withMargin = TileGrid.cover(150, 110, 64, 64, 12, 4); // margin 4 >= the box's reach of 2
        assertThat(withMargin.tiles().size()).isGreaterThan(4);
        assertThat(maxDiff(tiled(source, withMargin), whole)).isLessThan(1e-3f);

        TileGrid blendOnly = TileGrid.cover(150, 110, 64, 64, 12, 0);
        assertThat(maxDiff(tiled(source, blendOnly), whole)).isGreaterThan(5);
    }

    @Test
    void aTileLargerThanTheImageIsPaddedAndTheAnswerCropped() {
        PixelImage source = texture(40, 30);
        TileGrid grid = TileGrid.cover(40, 30, 64, 64, 12, 4);
        assertThat(grid.tiles()).hasSize(1);
        FloatImage merged = tiled(source, grid);
        assertThat(merged.width()).isEqualTo(80);
        assertThat(merged.height()).isEqualTo(60);
    }

    @Test
    void aGrayImageThroughALumaModelStaysGrayAndColourComesBackFromTheChroma() {
        PixelImage gray = texture(20, 10);
        FloatImage luma = FloatImage.of(gray);
        assertThat(LumaChroma.colourise(luma, gray)).isSameAs(luma);

        // An identity "model" on Y: the luma plus the input's own chroma is the input again, to rounding.
        PixelImage colour = GeometryTest.gradient(30, 20);
        FloatImage back = LumaChroma.colourise(FloatImage.of(colour.withChannels(1)), colour);
        int max = 0;
        PixelImage rgb = back.toPixels();
        for (int i = 0; i < rgb.pixels().length; i++) {
            max = Math.max(max, Math.abs((rgb.pixels()[i] & 0xFF) - (colour.pixels()[i] & 0xFF)));
        }
        assertThat(rgb.channels()).isEqualTo(3);
        assertThat(max).isLessThanOrEqualTo(2); // the luma fed is rounded to whole levels
    }
}
