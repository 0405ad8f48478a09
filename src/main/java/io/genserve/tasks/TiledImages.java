package io.genserve.tasks;

import io.genserve.imaging.FloatImage;
import io.genserve.imaging.LumaChroma;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.TileGrid;
import io.genserve.model.ChannelOrder;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The pre- and post-processing style transfer and upscaling share: an image cut into the tiles a
 * model takes (one item each, batched like any items), the answers decoded, checked to be the
 * model's scale times a tile, blended back into one image, and given their colour back when the
 * model sees only the luma ({@code channels: Y}). Nothing is clamped before the end. Stateless.
 */
final class TiledImages {
    private TiledImages() {}

    /** One item per tile of {@code grid}, in tile order. */
    static List<Map<String, HeapTensor>> items(
            TileGrid grid, PixelImage source, Function<PixelImage, Map<String, HeapTensor>> feed) {
        List<Map<String, HeapTensor>> items = new ArrayList<>();
        for (int i = 0; i < grid.tiles().size(); i++) {
            items.add(feed.apply(grid.cut(source, i)));
        }
        return items;
    }

    /** The tiles' answers merged at {@code scale} into the answer for {@code source}, in its colours. */
    static FloatImage merge(
            String model,
            TileGrid grid,
            List<Map<String, HeapTensor>> rows,
            TensorSpec output,
            int scale,
            PixelImage source) {
        int tw = grid.tileWidth() * scale;
        int th = grid.tileHeight() * scale;
        List<FloatImage> tiles = rows.stream()
                .map(r -> ItemTensors.decode(model, r, output, tw, th))
                .toList();
        return colour(grid.merge(tiles, scale), output, source);
    }

    /** A Y model's answer gets the source's chroma back; every other answer is as the model made it. */
    static FloatImage colour(FloatImage answer, TensorSpec output, PixelImage source) {
        return output.channels() == ChannelOrder.Y ? LumaChroma.colourise(answer, source) : answer;
    }
}
