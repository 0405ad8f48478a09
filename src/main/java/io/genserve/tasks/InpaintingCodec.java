package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.imaging.BinaryMask;
import io.genserve.imaging.Compositing;
import io.genserve.imaging.FitPlanner;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.Placement;
import io.genserve.model.Fit;
import io.genserve.model.ModelManifest;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * {@code inpaint}: fits the image to the model (whole and padded, resized, or a crop around the
 * hole, as the manifest says), runs it once, and pastes only the hole pixels of the result back
 * into the original at its own resolution, so every pixel outside the hole keeps its bytes.
 */
@Component
final class InpaintingCodec implements TaskCodec<InpaintRequest, ImageResult> {
    private final ImageCodec images;

    InpaintingCodec(ImageCodec images) {
        this.images = images;
    }

    @Override
    public Task task() {
        return Task.INPAINT;
    }

    @Override
    public Prepared<ImageResult> prepare(InpaintRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        TensorSpec imageSpec = m.input(TensorRole.IMAGE).orElseThrow();
        TensorSpec maskSpec = m.input(TensorRole.MASK).orElseThrow();
        PixelImage source = images.decode(request.image(), "image").image();
        if (request.mask() == null) {
            throw new BadInputException("mask", "'mask' is required");
        }
        BinaryMask mask =
                BinaryMask.from(images.decode(request.mask(), "mask"), maskSpec.threshold(), request.invertMask());
        mask.requireSize(source, "mask");
        if (mask.isEmpty()) {
            return Prepared.immediate(new ImageResult(model.name(), model.version(), source)); // nothing to fill
        }
        Placement placement = m.fit() == Fit.CROP || !imageSpec.size().hasFixedSize()
                ? FitPlanner.aroundHole(
                        source.width(), source.height(), mask.bounds(), m.cropMargin(), imageSpec.size())
                : FitPlanner.whole(source.width(), source.height(), imageSpec.size());
        PixelImage fed = placement.apply(source);
        BinaryMask fedMask = placement.apply(mask);
        if (imageSpec.zeroHoles()) {
            fed = fedMask.erase(fed);
        }
        Map<String, HeapTensor> item = Map.of(
                imageSpec.name(), TensorImages.image(fed, imageSpec),
                maskSpec.name(), TensorImages.mask(fedMask, maskSpec));
        TensorSpec output = m.imageOutput();
        return new Prepared<>(List.of(item), rows -> {
            PixelImage filled = placement.restore(TensorImages.decode(model.name(), rows.get(0), output));
            return new ImageResult(
                    model.name(), model.version(), Compositing.pasteHoles(source, filled, mask, placement.region()));
        });
    }

    @Override
    public InpaintRequest warmUpRequest(ServedModel model) {
        PixelImage image = WarmUpImages.gray(
                model.manifest().input(TensorRole.IMAGE).orElseThrow().size(), 128);
        return new InpaintRequest(
                model.name(),
                WarmUpImages.png(images, image),
                WarmUpImages.png(images, WarmUpImages.centreHole(image)),
                false);
    }
}
