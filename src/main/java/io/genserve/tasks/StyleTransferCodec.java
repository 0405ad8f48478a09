package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.imaging.Compositing;
import io.genserve.imaging.FitPlanner;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.Placement;
import io.genserve.imaging.Resizer;
import io.genserve.imaging.TileGrid;
import io.genserve.model.Fit;
import io.genserve.model.ModelManifest;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.ArrayList;
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
final class StyleTransferCodec implements TaskCodec<StyleRequest, ImageResult> {
    private final ImageCodec images;

    StyleTransferCodec(ImageCodec images) {
        this.images = images;
    }

    @Override
    public Task task() {
        return Task.IMAGE_TO_IMAGE;
    }

    @Override
    public Prepared<ImageResult> prepare(StyleRequest request, ServedModel model) {
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
        if (strength == 0) {
            return Prepared.immediate(new ImageResult(model.name(), model.version(), source));
        }
        TensorSpec output = m.imageOutput();
        if (m.fit() == Fit.TILE && imageSpec.size().hasFixedSize()) {
            int tw = imageSpec.size().fixedWidth();
            int th = imageSpec.size().fixedHeight();
            TileGrid grid = TileGrid.cover(source.width(), source.height(), tw, th, Math.max(1, Math.min(tw, th) / 8));
            List<Map<String, HeapTensor>> items = new ArrayList<>();
            for (int i = 0; i < grid.tiles().size(); i++) {
                items.add(feed(grid.cut(source, i), style, imageSpec, styleSpec));
            }
            return new Prepared<>(items, rows -> {
                List<PixelImage> tiles = rows.stream()
                        .map(r -> TensorImages.decode(model.name(), r, output))
                        .toList();
                return new ImageResult(
                        model.name(), model.version(), Compositing.blend(source, grid.merge(tiles), strength));
            });
        }
        Placement placement = FitPlanner.whole(source.width(), source.height(), imageSpec.size());
        Map<String, HeapTensor> item = feed(placement.apply(source), style, imageSpec, styleSpec);
        return new Prepared<>(List.of(item), rows -> {
            PixelImage styled = placement.restore(TensorImages.decode(model.name(), rows.get(0), output));
            return new ImageResult(model.name(), model.version(), Compositing.blend(source, styled, strength));
        });
    }

    /** The style image is fed at its own fixed size, or else at the content image's size. */
    private static Map<String, HeapTensor> feed(
            PixelImage fed, PixelImage style, TensorSpec imageSpec, TensorSpec styleSpec) {
        Map<String, HeapTensor> item = new HashMap<>();
        item.put(imageSpec.name(), TensorImages.image(fed, imageSpec));
        if (styleSpec != null) {
            int w = styleSpec.size().hasFixedSize() ? styleSpec.size().fixedWidth() : fed.width();
            int h = styleSpec.size().hasFixedSize() ? styleSpec.size().fixedHeight() : fed.height();
            item.put(styleSpec.name(), TensorImages.image(Resizer.resize(style, w, h), styleSpec));
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
