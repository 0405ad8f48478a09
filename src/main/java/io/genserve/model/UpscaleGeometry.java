package io.genserve.model;

/**
 * How the size of a model's output relates to its input's: the whole-number factor of an upscaler,
 * and what contradicts a manifest (an image-to-image model that changes the size, a declared scale
 * the graph does not make). Pure decisions, shared by the signature check (static shapes) and the
 * probe run at load (dynamic shapes). Stateless.
 */
public final class UpscaleGeometry {
    private UpscaleGeometry() {}

    /** [height, width] where the graph fixes both, else null. */
    public static int[] staticSize(TensorSpec spec, TensorInfo info) {
        if (info.rank() != 4) {
            return null;
        }
        boolean nchw = spec.layout() == Layout.NCHW;
        long h = info.shape().get(nchw ? 2 : 1);
        long w = info.shape().get(nchw ? 3 : 2);
        return h > 0 && w > 0 ? new int[] {(int) h, (int) w} : null;
    }

    /** The factor both sides enlarge by, or null when they differ or are not whole numbers. */
    public static Integer ratio(int[] in, int[] out) {
        if (out[0] % in[0] != 0 || out[1] % in[1] != 0 || out[0] / in[0] != out[1] / in[1]) {
            return null;
        }
        return out[0] / in[0];
    }

    /**
     * What is wrong when a model of the manifest's task maps {@code in} to {@code out}, or null.
     *
     * @param how who made the sizes, for the message ("the graph maps", "a probe run mapped")
     */
    public static String contradiction(ModelManifest m, int[] in, int[] out, String how) {
        Integer r = ratio(in, out);
        String mapping = how + " " + size(in) + " to " + size(out);
        if (m.task() == Task.IMAGE_TO_IMAGE) {
            if (r != null && r == 1) {
                return null;
            }
            return "an image-to-image model keeps the image's size, but " + mapping
                    + (r != null ? "; it enlarges by " + r + ": declare task: upscale" : "; it cannot be served");
        }
        if (r == null || r < 1) {
            return "an upscaler enlarges both sides by one whole factor, but " + mapping;
        }
        if (m.scale() != null && !m.takesScaleAtRunTime() && m.scale() != r.intValue()) {
            return "the manifest says scale " + m.scale() + ", but " + mapping + " (scale " + r + ")";
        }
        return null;
    }

    public static String size(int[] hw) {
        return hw[1] + "x" + hw[0];
    }
}
