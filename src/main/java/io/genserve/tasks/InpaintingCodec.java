package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.imaging.BinaryMask;
import io.genserve.imaging.Compositing;
import io.genserve.imaging.FitPlanner;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImageHeader;
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
final class InpaintingCodec implements TaskCodec<InpaintRequest, InpaintingCodec.Fill, ImageResult> {
    private final ImageCodec images;

    InpaintingCodec(ImageCodec images) {
        this.images = images;
    }

    @Override
    public Task task() {
        return Task.INPAINT;
    }

    /**
     * What decoding needs: the original, its holes, and where the model's region came from.
     *
     * @param placement null when the mask has no hole (nothing runs; the answer is the original)
     */
    record Fill(
            String model, String version, PixelImage source, BinaryMask mask, Placement placement, TensorSpec output) {}

    @Override
    public Cost cost(InpaintRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        TensorSpec imageSpec = m.input(TensorRole.IMAGE).orElseThrow();
        ImageHeader image = images.readHeader(request.image(), "image");
        long maskDecode = request.mask() == null
                ? 0
                : images.readHeader(request.mask(), "mask").decodeBytes();
        long fed = FitPlanner.fedPixels(image.width(), image.height(), imageSpec.size());
        int channels = imageSpec.channelCount() + 1 + m.imageOutput().channelCount();
        // the original, the filled result at the input's size and the composite stay until the answer
        long answer = image.pixels() * 3 * 3;
        return new Cost(1, image.decodeBytes() + maskDecode + answer, fed * channels * Cost.FLOAT);
    }

    @Override
    public Encoded<Fill> encode(InpaintRequest request, ServedModel model) {
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
            return new Encoded<>(
                    List.of(), new Fill(model.name(), model.version(), source, mask, null, null)); // nothing to fill
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
        Map<String, HeapTensor> item = new java.util.HashMap<>(ItemTensors.constants(model, 1));
        item.put(imageSpec.name(), ItemTensors.image(fed, imageSpec));
        item.put(maskSpec.name(), ItemTensors.mask(fedMask, maskSpec));
        return new Encoded<>(
                List.of(item), new Fill(model.name(), model.version(), source, mask, placement, m.imageOutput()));
    }

    @Override
    public ImageResult decode(Fill fill, List<Map<String, HeapTensor>> outputs) {
        if (fill.placement() == null) {
            return new ImageResult(fill.model(), fill.version(), fill.source());
        }
        PixelImage filled = fill.placement().restore(ItemTensors.decode(fill.model(), outputs.get(0), fill.output()));
        return new ImageResult(
                fill.model(),
                fill.version(),
                Compositing.pasteHoles(
                        fill.source(), filled, fill.mask(), fill.placement().region()));
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
