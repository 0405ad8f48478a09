package io.genserve.tasks;

import io.genserve.imaging.BinaryMask;
import io.genserve.imaging.CalibrationImage;
import io.genserve.imaging.DecodedImage;
import io.genserve.imaging.PixelImage;
import io.genserve.model.ClassEncoding;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelSignature;
import io.genserve.model.SpatialSize;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.runtime.HeapTensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The feeds of probe runs: one item built from the built-in calibration image (at a size the model
 * takes), a centre hole for an inpainter's mask, seeded latents and labels for a generator, and
 * the constants at the scale probed. Stateless.
 */
final class ProbeFeeds {
    /** The side of the calibration image for a model that takes any size. */
    static final int CALIBRATION_SIDE = 64;

    private ProbeFeeds() {}

    /** The calibration image at the size {@code spec} takes. */
    static PixelImage calibration(TensorSpec spec) {
        SpatialSize size = spec.size();
        if (size.hasFixedSize()) {
            return CalibrationImage.of(size.fixedWidth(), size.fixedHeight());
        }
        int m = size.multipleOf();
        int side = (Math.max(CALIBRATION_SIDE, size.min()) + m - 1) / m * m;
        if (side > size.max()) {
            side = Math.max(m, size.max() / m * m);
        }
        return CalibrationImage.of(side, side);
    }

    /** One item for {@code m}: seed picks the latent and the class of a generator. */
    static Map<String, HeapTensor> item(ModelManifest m, ModelSignature graph, int scale, long seed) {
        Map<String, HeapTensor> feed = new HashMap<>(ItemTensors.constants(m, graph, scale));
        PixelImage picture = null;
        for (TensorSpec spec : m.inputs()) {
            switch (spec.role()) {
                case IMAGE, STYLE_IMAGE -> {
                    picture = calibration(spec);
                    feed.put(spec.name(), ItemTensors.image(picture, spec));
                }
                case LATENT -> {
                    long[] shape = new long[spec.shape().size() + 1];
                    shape[0] = 1;
                    for (int i = 0; i < spec.shape().size(); i++) {
                        shape[i + 1] = spec.shape().get(i);
                    }
                    feed.put(
                            spec.name(),
                            new HeapTensor(
                                    spec.dtype(),
                                    shape,
                                    LatentSampler.sample(seed, spec.latentSize(), spec.distribution(), null)));
                }
                case CLASS -> {
                    int classes = Math.max(1, m.classes().size());
                    int k = (int) (seed % classes);
                    if (spec.encoding() == ClassEncoding.ONE_HOT) {
                        float[] v = new float[classes];
                        v[k] = 1;
                        feed.put(spec.name(), new HeapTensor(spec.dtype(), new long[] {1, classes}, v));
                    } else {
                        boolean rank2 = graph.input(spec.name()).orElseThrow().rank() == 2;
                        feed.put(
                                spec.name(),
                                new HeapTensor(
                                        spec.dtype(), rank2 ? new long[] {1, 1} : new long[] {1}, new float[] {k}));
                    }
                }
                default -> {}
            }
        }
        for (TensorSpec spec : m.inputs(TensorRole.MASK)) {
            PixelImage image = picture != null ? picture : calibration(spec);
            BinaryMask hole = BinaryMask.from(new DecodedImage(WarmUpImages.centreHole(image), null), 128, false);
            feed.put(spec.name(), ItemTensors.mask(hole, spec));
        }
        return feed;
    }
}
