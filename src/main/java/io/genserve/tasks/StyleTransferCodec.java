package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.imaging.Compositing;
import io.genserve.imaging.FitPlanner;
import io.genserve.imaging.FloatImage;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImageHeader;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.Placement;
import io.genserve.imaging.Resizer;
import io.genserve.imaging.TileGrid;
import io.genserve.model.ChannelOrder;
import io.genserve.model.Fit;
import io.genserve.model.ModelManifest;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * {@code image-to-image}: runs the image through the model at a size it accepts (as is and
 * padded, resized, or cut into overlapping tiles that are batched together), brings the result
 * back to the input's size and blends it with the original by {@code strength}.
 */
@Component
final class StyleTransferCodec implements TaskCodec<StyleRequest, StyleTransferCodec.Styling, ImageResult> {
    private final ImageCodec images;

    StyleTransferCodec(ImageCodec images) {
        this.images = images;
    }

    @Override
    public Task task() {
        return Task.IMAGE_TO_IMAGE;
    }

    /**
     * What decoding needs: the original and how it was fed, by tiles or as one placed image.
     *
     * @param grid the tiles, or null when the image was fed whole
     * @param placement how the whole image was fed, or null when it was tiled
     */
    record Styling(
            String model,
            String version,
            PixelImage source,
            double strength,
            TensorSpec output,
            TileGrid grid,
            Placement placement) {}

    @Override
    public Cost cost(StyleRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        TensorSpec imageSpec = m.input(TensorRole.IMAGE).orElseThrow();
        ImageHeader image = images.readHeader(request.image(), "image");
        long styleDecode = request.styleImage() == null || request.styleImage().length == 0
                ? 0
                : images.readHeader(request.styleImage(), "styleImage").decodeBytes();
        int channels = imageSpec.channelCount()
                + m.imageOutput().channelCount()
                + m.input(TensorRole.STYLE_IMAGE).map(TensorSpec::channelCount).orElse(0);
        // the original, the styled result and the blend stay until the answer
        long answer = image.pixels() * 3 * 3;
        if (tiles(m, imageSpec)) {
            int tw = imageSpec.size().fixedWidth();
            int th = imageSpec.size().fixedHeight();
            int n = TileGrid.cover(image.width(), image.height(), tw, th, overlap(tw, th))
                    .tiles()
                    .size();
            long merge = image.pixels() * (3 + 1) * Cost.FLOAT; // the weighted sums and weights of the merge
            return new Cost(
                    n, image.decodeBytes() + styleDecode + answer + merge, (long) n * tw * th * channels * Cost.FLOAT);
        }
        long fed = FitPlanner.fedPixels(image.width(), image.height(), imageSpec.size());
        return new Cost(1, image.decodeBytes() + styleDecode + answer, fed * channels * Cost.FLOAT);
    }

    private static boolean tiles(ModelManifest m, TensorSpec imageSpec) {
        return m.fit() == Fit.TILE && imageSpec.size().hasFixedSize();
    }

    /** Pixels adjacent tiles share: an eighth of the tile, enough for the blend ramps to hide seams. */
    static int overlap(int tileWidth, int tileHeight) {
        return Math.max(1, Math.min(tileWidth, tileHeight) / 8);
    }

    @Override
    public Encoded<Styling> encode(StyleRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        double strength = request.strength() == null ? 1.0 : request.strength();
        if (!(strength >= 0 && strength <= 1)) {
            throw new BadInputException("strength", "strength must be between 0 and 1, got " + request.strength());
        }
        TensorSpec imageSpec = m.input(TensorRole.IMAGE).orElseThrow();
        TensorSpec styleSpec = m.input(TensorRole.STYLE_IMAGE).orElse(null);
        boolean hasStyleImage = request.styleImage() != null && request.styleImage().length > 0;
        if (styleSpec == null && hasStyleImage) {
            throw new BadInputException("styleImage", "model '" + model.name() + "' takes no style image");
        }
        if (styleSpec != null && !hasStyleImage) {
            throw new BadInputException("styleImage", "model '" + model.name() + "' needs a style image");
        }
        PixelImage source = images.decode(request.image(), "image").image();
        PixelImage style = hasStyleImage
                ? images.decode(request.styleImage(), "styleImage").image()
                : null;
        TensorSpec output = m.imageOutput();
        if (strength == 0) {
            return new Encoded<>(List.of(), new Styling(model.name(), model.version(), source, 0, output, null, null));
        }
        Map<String, HeapTensor> constants = ItemTensors.constants(model, 1);
        if (tiles(m, imageSpec)) {
            int tw = imageSpec.size().fixedWidth();
            int th = imageSpec.size().fixedHeight();
            TileGrid grid = TileGrid.cover(source.width(), source.height(), tw, th, overlap(tw, th));
            return new Encoded<>(
                    TiledImages.items(grid, source, tile -> feed(tile, style, imageSpec, styleSpec, constants)),
                    new Styling(model.name(), model.version(), source, strength, output, grid, null));
        }
        Placement placement = FitPlanner.whole(source.width(), source.height(), imageSpec.size());
        Map<String, HeapTensor> item = feed(placement.apply(source), style, imageSpec, styleSpec, constants);
        return new Encoded<>(
                List.of(item), new Styling(model.name(), model.version(), source, strength, output, null, placement));
    }

    @Override
    public ImageResult decode(Styling s, List<Map<String, HeapTensor>> outputs) {
        if (s.strength() == 0) {
            return new ImageResult(s.model(), s.version(), s.source());
        }
        PixelImage styled;
        if (s.grid() != null) {
            styled = TiledImages.merge(s.model(), s.grid(), outputs, s.output(), 1, s.source())
                    .toPixels();
        } else {
            // The answer must have the size the model was fed: an image-to-image model is never resized to fit.
            Placement placement = s.placement();
            PixelImage answer = ItemTensors.decode(
                            s.model(), outputs.get(0), s.output(), placement.paddedWidth(), placement.paddedHeight())
                    .toPixels();
            styled = placement.restore(answer);
            if (s.output().channels() == ChannelOrder.Y) {
                styled = TiledImages.colour(FloatImage.of(styled), s.output(), s.source())
                        .toPixels();
            }
        }
        return new ImageResult(s.model(), s.version(), Compositing.blend(s.source(), styled, s.strength()));
    }

    /** The style image is fed at its own fixed size, or else at the content image's size. */
    private static Map<String, HeapTensor> feed(
            PixelImage fed,
            PixelImage style,
            TensorSpec imageSpec,
            TensorSpec styleSpec,
            Map<String, HeapTensor> constants) {
        Map<String, HeapTensor> item = new HashMap<>(constants);
        item.put(imageSpec.name(), ItemTensors.image(fed, imageSpec));
        if (styleSpec != null) {
            int w = styleSpec.size().hasFixedSize() ? styleSpec.size().fixedWidth() : fed.width();
            int h = styleSpec.size().hasFixedSize() ? styleSpec.size().fixedHeight() : fed.height();
            item.put(styleSpec.name(), ItemTensors.image(Resizer.resize(style, w, h), styleSpec));
        }
        return item;
    }

    @Override
    public StyleRequest warmUpRequest(ServedModel model) {
        ModelManifest m = model.manifest();
        byte[] image = WarmUpImages.png(
                images,
                WarmUpImages.gray(m.input(TensorRole.IMAGE).orElseThrow().size(), 128));
        byte[] style = m.input(TensorRole.STYLE_IMAGE).isPresent() ? image : null;
        return new StyleRequest(model.name(), image, 1.0, style);
    }
}
