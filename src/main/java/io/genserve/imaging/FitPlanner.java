package io.genserve.imaging;

import io.genserve.model.SpatialSize;

/**
 * Decides how an image of any size meets a model's accepted sizes, as IOPaint does for inpainting:
 * a dynamic-size model gets the whole image, scaled down only past its limit and padded to its
 * multiple; a fixed-size model gets the image resized, or a crop around the mask's bounding box
 * (with a margin, shaped like the model's input, enlarged to its size when the image allows it so
 * that nothing is resampled). Stateless.
 */
public final class FitPlanner {
    private FitPlanner() {}

    /** Pixels a model is fed for a whole image of this size: its fixed size, or the image within the dynamic limits. */
    public static long fedPixels(int width, int height, SpatialSize size) {
        if (size.hasFixedSize()) {
            return (long) size.fixedWidth() * size.fixedHeight();
        }
        Placement p = toDynamic(new Rect(0, 0, width, height), size);
        return (long) p.paddedWidth() * p.paddedHeight();
    }

    /** The whole image, fitted to a dynamic size, or resized to a fixed one. */
    public static Placement whole(int width, int height, SpatialSize size) {
        Rect all = new Rect(0, 0, width, height);
        return size.hasFixedSize() ? toFixed(all, size) : toDynamic(all, size);
    }

    /**
     * A region around {@code hole} with {@code margin} (a fraction of the hole's larger side) on each
     * side; for a dynamic-size model the whole image is used whenever it fits its limits.
     */
    public static Placement aroundHole(int width, int height, Rect hole, double margin, SpatialSize size) {
        if (!size.hasFixedSize()) {
            if (Math.max(width, height) <= size.max()) {
                return whole(width, height, size);
            }
            return toDynamic(expand(width, height, hole, margin, 1, 1, size.max()), size);
        }
        Rect region = expand(width, height, hole, margin, size.fixedWidth(), size.fixedHeight(), Integer.MAX_VALUE);
        return toFixed(region, size);
    }

    /** hole + margin, widened to the aspect fw:fh, at least fw x fh when it can be, clamped to the image. */
    private static Rect expand(int width, int height, Rect hole, double margin, int fw, int fh, int cap) {
        double m = margin * Math.max(hole.width(), hole.height());
        double rw = hole.width() + 2 * m;
        double rh = hole.height() + 2 * m;
        if (rw / rh < (double) fw / fh) {
            rw = rh * fw / fh;
        } else {
            rh = rw * fh / fw;
        }
        double grow = Math.max(1, Math.max(fw / rw, fh / rh));
        int w = (int) Math.min(width, Math.min(cap, Math.ceil(rw * grow)));
        int h = (int) Math.min(height, Math.min(cap, Math.ceil(rh * grow)));
        w = Math.max(w, Math.min(width, hole.width()));
        h = Math.max(h, Math.min(height, hole.height()));
        int cx = hole.x() + hole.width() / 2;
        int cy = hole.y() + hole.height() / 2;
        int x = Math.max(0, Math.min(width - w, cx - w / 2));
        int y = Math.max(0, Math.min(height - h, cy - h / 2));
        return new Rect(x, y, w, h);
    }

    private static Placement toFixed(Rect region, SpatialSize size) {
        int fw = size.fixedWidth();
        int fh = size.fixedHeight();
        double scale = Math.min(1.0, Math.min((double) fw / region.width(), (double) fh / region.height()));
        int tw = Math.max(1, Math.min(fw, (int) Math.round(region.width() * scale)));
        int th = Math.max(1, Math.min(fh, (int) Math.round(region.height() * scale)));
        return new Placement(region, tw, th, fw, fh);
    }

    private static Placement toDynamic(Rect region, SpatialSize size) {
        int m = size.multipleOf();
        int maxSide = Math.max(m, size.max() / m * m);
        double scale = Math.min(1.0, (double) maxSide / Math.max(region.width(), region.height()));
        scale = Math.max(scale, (double) size.min() / Math.min(region.width(), region.height()));
        int tw = Math.max(1, (int) Math.round(region.width() * scale));
        int th = Math.max(1, (int) Math.round(region.height() * scale));
        int pw = Math.min(maxSide, Math.max(roundUp(size.min(), m), roundUp(tw, m)));
        int ph = Math.min(maxSide, Math.max(roundUp(size.min(), m), roundUp(th, m)));
        return new Placement(region, Math.min(tw, pw), Math.min(th, ph), pw, ph);
    }

    private static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }
}
