package io.genserve.tasks;

import io.genserve.error.InferenceFailedException;
import io.genserve.imaging.BinaryMask;
import io.genserve.imaging.ImageTensors;
import io.genserve.imaging.PixelImage;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.Map;

/** Wraps {@link ImageTensors}' values as heap tensors for one item; shared by every task codec. Stateless. */
final class TensorImages {
    private TensorImages() {}

    static HeapTensor image(PixelImage image, TensorSpec spec) {
        return new HeapTensor(
                spec.dtype(),
                ImageTensors.shape(spec, image.height(), image.width()),
                ImageTensors.toValues(image, spec));
    }

    static HeapTensor mask(BinaryMask mask, TensorSpec spec) {
        return new HeapTensor(
                spec.dtype(),
                ImageTensors.shape(spec, mask.height(), mask.width()),
                ImageTensors.maskValues(mask, spec));
    }

    /** The image in one item's outputs. */
    static PixelImage decode(String model, Map<String, HeapTensor> row, TensorSpec output) {
        HeapTensor t = row.get(output.name());
        if (t == null || t.shape().length != 4) {
            throw new InferenceFailedException(
                    model, "output '" + output.name() + "' is missing or not a 4-d image tensor", null);
        }
        return ImageTensors.fromValues(t.values(), 0, t.shape(), output);
    }
}
