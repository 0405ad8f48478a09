package io.genserve.tasks;

import io.genserve.error.InferenceFailedException;
import io.genserve.imaging.BinaryMask;
import io.genserve.imaging.FloatImage;
import io.genserve.imaging.PixelImage;
import io.genserve.imaging.PixelValues;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelSignature;
import io.genserve.model.SignatureCheck;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The heap tensors of one item, for every task codec: images, masks and constants going in (the
 * values from {@link PixelValues}), the image coming back out of an item's outputs. Stateless.
 */
final class ItemTensors {
    private ItemTensors() {}

    static HeapTensor image(PixelImage image, TensorSpec spec) {
        return new HeapTensor(
                spec.dtype(),
                PixelValues.shape(spec, image.height(), image.width()),
                PixelValues.toValues(image, spec));
    }

    static HeapTensor mask(BinaryMask mask, TensorSpec spec) {
        return new HeapTensor(
                spec.dtype(), PixelValues.shape(spec, mask.height(), mask.width()), PixelValues.maskValues(mask, spec));
    }

    /**
     * The model's constant inputs, each with its value (the scale where it says so) and shape: the
     * manifest's, else the graph's. A constant has no batch axis; SignatureCheck makes such models
     * run one item at a time.
     */
    static Map<String, HeapTensor> constants(ServedModel model, int scale) {
        return constants(model.manifest(), model.signature(), scale);
    }

    static Map<String, HeapTensor> constants(ModelManifest manifest, ModelSignature graph, int scale) {
        Map<String, HeapTensor> out = new HashMap<>();
        for (TensorSpec spec : manifest.inputs(TensorRole.CONSTANT)) {
            long[] shape =
                    SignatureCheck.constantShape(spec, graph.input(spec.name()).orElseThrow());
            float[] value = spec.constantValues(scale);
            int count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, (int) d);
            }
            if (value.length != count) {
                float[] filled = new float[count];
                java.util.Arrays.fill(filled, value[0]); // one value fills the shape
                value = filled;
            }
            out.put(spec.name(), new HeapTensor(spec.dtype(), shape, value));
        }
        return out;
    }

    /** The image in one item's outputs. */
    static PixelImage decode(String model, Map<String, HeapTensor> row, TensorSpec output) {
        return decodeValues(model, row, output).toPixels();
    }

    /**
     * The image in one item's outputs in pixel units, not yet clamped, checked to be {@code width} x
     * {@code height}: a model whose answer has another size fails the request rather than be resized.
     */
    static FloatImage decode(String model, Map<String, HeapTensor> row, TensorSpec output, int width, int height) {
        FloatImage image = decodeValues(model, row, output);
        if (image.width() != width || image.height() != height) {
            throw new InferenceFailedException(
                    model,
                    "output '" + output.name() + "' is " + image.width() + "x" + image.height() + " where " + width
                            + "x" + height + " was expected",
                    null);
        }
        return image;
    }

    private static FloatImage decodeValues(String model, Map<String, HeapTensor> row, TensorSpec output) {
        HeapTensor t = row.get(output.name());
        if (t == null || t.shape().length != 4) {
            throw new InferenceFailedException(
                    model, "output '" + output.name() + "' is missing or not a 4-d image tensor", null);
        }
        return PixelValues.toFloatImage(t.values(), 0, t.shape(), output);
    }
}
