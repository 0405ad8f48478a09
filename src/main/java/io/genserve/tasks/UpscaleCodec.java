package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.error.TooLargeException;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImageHeader;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.Resizer;
import io.genserve.imaging.TileGrid;
import io.genserve.model.ModelManifest;
import io.genserve.model.SpatialSize;
import io.genserve.model.Task;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * {@code upscale}: the answer is exactly the input's size times the scale (or times
 * {@code outscale}). The image is cut into overlapping tiles (a fixed-size model always, any other
 * model when the image is larger than a tile), the tiles run as items of the model's queue, and
 * their answers are blended without seams; a luma-only model gets the input's chroma back. The size
 * of the answer is checked against {@code genserve.upscale.max-output-pixels} from the image's
 * header, before it is decoded.
 */
@Component
final class UpscaleCodec implements TaskCodec<UpscaleRequest, UpscaleCodec.Enlarging, ImageResult> {
    private final ImageCodec images;
    private final UpscaleProperties properties;

    UpscaleCodec(ImageCodec images, UpscaleProperties properties) {
        this.images = images;
        this.properties = properties;
    }

    @Override
    public Task task() {
        return Task.UPSCALE;
    }

    /** What decoding needs: the original, its tiles, the model's scale and the size of the answer. */
    record Enlarging(
            String model,
            String version,
            PixelImage source,
            TileGrid grid,
            TensorSpec output,
            int scale,
            int width,
            int height) {}

    /** The answer's size and the tiles, worked out from the image's header alone. */
    private record Plan(ImageHeader header, int scale, int width, int height, TileGrid grid) {}

    private Plan plan(UpscaleRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        int scale = scale(request, model);
        Double outscale = request.outscale();
        if (outscale != null && !(outscale > 0 && outscale <= ModelManifest.MAX_SCALE)) {
            throw new BadInputException(
                    "outscale",
                    "outscale must be above 0 and at most " + ModelManifest.MAX_SCALE + ", got " + outscale);
        }
        ImageHeader header = images.readHeader(request.image(), "image");
        int outW = outscale == null ? header.width() * scale : resized(header.width(), outscale);
        int outH = outscale == null ? header.height() * scale : resized(header.height(), outscale);
        checkOutputSize(request, header, (long) header.width() * scale * header.height() * scale, outW, outH);
        TensorSpec in = m.input(TensorRole.IMAGE).orElseThrow();
        return new Plan(header, scale, outW, outH, grid(header.width(), header.height(), in.size(), m));
    }

    @Override
    public Cost cost(UpscaleRequest request, ServedModel model) {
        Plan p = plan(request, model);
        ModelManifest m = model.manifest();
        int in = m.input(TensorRole.IMAGE).orElseThrow().channelCount();
        int out = m.imageOutput().channelCount();
        long tilePixels = (long) p.grid().tileWidth() * p.grid().tileHeight();
        int tiles = p.grid().tiles().size();
        long tensors = tiles * tilePixels * (in + (long) p.scale() * p.scale() * out) * Cost.FLOAT;
        long upscaled = (long) p.header().width() * p.scale() * p.header().height() * p.scale();
        // the blended answer in floats (sums and weights), then its pixels and the resized answer
        long answer = upscaled * (out + 1) * Cost.FLOAT + upscaled * 3 + (long) p.width() * p.height() * 3;
        return new Cost(tiles, p.header().decodeBytes() + answer, tensors);
    }

    @Override
    public Encoded<Enlarging> encode(UpscaleRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        Plan plan = plan(request, model);
        int scale = plan.scale();
        int outW = plan.width();
        int outH = plan.height();
        PixelImage source = images.decode(request.image(), "image").image();
        TensorSpec in = m.input(TensorRole.IMAGE).orElseThrow();
        TensorSpec output = m.imageOutput();
        TileGrid grid = plan.grid();
        Map<String, HeapTensor> constants = ItemTensors.constants(model, scale);
        List<Map<String, HeapTensor>> items = TiledImages.items(grid, source, tile -> {
            Map<String, HeapTensor> item = new HashMap<>(constants);
            item.put(in.name(), ItemTensors.image(tile, in));
            return item;
        });
        return new Encoded<>(
                items, new Enlarging(model.name(), model.version(), source, grid, output, scale, outW, outH));
    }

    @Override
    public ImageResult decode(Enlarging e, List<Map<String, HeapTensor>> outputs) {
        PixelImage up = TiledImages.merge(e.model(), e.grid(), outputs, e.output(), e.scale(), e.source())
                .toPixels();
        return new ImageResult(e.model(), e.version(), Resizer.resize(up, e.width(), e.height()));
    }

    /** The request's scale if the model takes it, else the model's own; anything else names the scales there are. */
    private static int scale(UpscaleRequest request, ServedModel model) {
        ModelManifest m = model.manifest();
        Integer asked = request.scale();
        if (asked == null) {
            return m.scale();
        }
        List<Integer> allowed = m.allowedScales();
        if (!allowed.contains(asked)) {
            String offered = allowed.size() == 1
                    ? "by " + allowed.get(0) + " only (outscale resizes its answer to another factor)"
                    : "by " + allowed.stream().map(String::valueOf).collect(Collectors.joining(", "));
            throw new BadInputException(
                    "scale", "model '" + model.name() + "' upscales " + offered + "; got scale " + asked);
        }
        return asked;
    }

    private static int resized(int side, double outscale) {
        return Math.max(1, (int) Math.round(side * outscale));
    }

    /** Refuses, naming the limit and the field that asked for too much, before the image is decoded. */
    private void checkOutputSize(UpscaleRequest request, ImageHeader in, long modelPixels, int outW, int outH) {
        long limit = properties.maxOutputPixels();
        long answer = (long) outW * outH;
        if (modelPixels <= limit && answer <= limit) {
            return;
        }
        String field =
                answer > limit && request.outscale() != null ? "outscale" : request.scale() != null ? "scale" : "image";
        long pixels = Math.max(modelPixels, answer);
        throw new TooLargeException(
                field,
                "genserve.upscale.max-output-pixels",
                "upscaling the " + in.width() + "x" + in.height() + " image would make " + pixels
                        + " pixels; the limit is " + limit + " (genserve.upscale.max-output-pixels)");
    }

    /**
     * Tiles of a fixed-size model's size, or of {@code tile} (manifest, else configuration) within
     * what a model of any size accepts; one tile when the image fits. The context is capped at an
     * eighth of the tile so that tiles still advance.
     */
    private TileGrid grid(int width, int height, SpatialSize size, ModelManifest m) {
        int tile = m.tile() != null ? m.tile() : properties.tile();
        int pad = m.tilePad() != null ? m.tilePad() : properties.tilePad();
        int tw;
        int th;
        if (size.hasFixedSize()) {
            tw = size.fixedWidth();
            th = size.fixedHeight();
        } else {
            int limit = tile == 0 ? size.max() : Math.min(tile, size.max());
            tw = side(width, limit, size);
            th = side(height, limit, size);
        }
        pad = Math.min(pad, Math.min(tw, th) / 8);
        return TileGrid.cover(width, height, tw, th, 3 * pad, pad);
    }

    /** The whole side (padded to the model's multiple) when it fits, else the largest multiple within the limit. */
    private static int side(int length, int limit, SpatialSize size) {
        int m = size.multipleOf();
        int whole = Math.max(size.min(), (length + m - 1) / m * m);
        return whole <= limit ? whole : Math.max(m, limit / m * m);
    }

    @Override
    public UpscaleRequest warmUpRequest(ServedModel model) {
        ModelManifest m = model.manifest();
        PixelImage image =
                WarmUpImages.gray(m.input(TensorRole.IMAGE).orElseThrow().size(), 128);
        return new UpscaleRequest(model.name(), WarmUpImages.png(images, image), null, null);
    }
}
