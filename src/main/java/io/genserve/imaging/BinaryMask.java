package io.genserve.imaging;

import io.genserve.error.BadInputException;
import java.util.BitSet;

/** Which pixels are holes. Immutable by convention. */
public record BinaryMask(int width, int height, BitSet holes) {

    /**
     * Reads a mask upload. A mask whose file has a transparent part is read from its alpha
     * (opaque = hole): painting tools export strokes on a transparent layer. Otherwise its
     * luminance is compared with {@code threshold}.
     *
     * @param threshold pixels at or above it (0..255) are holes
     * @param invert swap holes and kept pixels (for masks painted black-on-white)
     */
    public static BinaryMask from(DecodedImage upload, int threshold, boolean invert) {
        PixelImage gray = upload.image().withChannels(1);
        byte[] values = upload.hasTransparency() ? upload.alpha() : gray.pixels();
        BitSet holes = new BitSet(values.length);
        for (int i = 0; i < values.length; i++) {
            if (((values[i] & 0xFF) >= threshold) != invert) {
                holes.set(i);
            }
        }
        return new BinaryMask(gray.width(), gray.height(), holes);
    }

    public boolean isHole(int x, int y) {
        return holes.get(y * width + x);
    }

    public boolean isEmpty() {
        return holes.isEmpty();
    }

    /** Smallest rectangle holding every hole pixel; the mask must not be empty. */
    public Rect bounds() {
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (int i = holes.nextSetBit(0); i >= 0; i = holes.nextSetBit(i + 1)) {
            int x = i % width;
            int y = i / width;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        if (maxX < 0) {
            throw new IllegalStateException("empty mask has no bounds");
        }
        return new Rect(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }

    public void requireSize(PixelImage image, String field) {
        if (width != image.width() || height != image.height()) {
            throw new BadInputException(
                    field,
                    "'" + field + "' is " + width + "x" + height + " but the image is " + image.width() + "x"
                            + image.height() + "; they must be the same size");
        }
    }

    public BinaryMask crop(Rect r) {
        BitSet out = new BitSet(r.width() * r.height());
        for (int y = 0; y < r.height(); y++) {
            for (int x = 0; x < r.width(); x++) {
                if (isHole(r.x() + x, r.y() + y)) {
                    out.set(y * r.width() + x);
                }
            }
        }
        return new BinaryMask(r.width(), r.height(), out);
    }

    /**
     * Resampled to w x h; a target pixel is a hole when any source pixel under it is. Growing the
     * hole is safe: the result is composited with the original, full-resolution mask.
     */
    public BinaryMask resize(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        BitSet out = new BitSet(w * h);
        double sx = (double) width / w;
        double sy = (double) height / h;
        for (int y = 0; y < h; y++) {
            int y0 = (int) Math.floor(y * sy);
            int y1 = Math.min(height, Math.max(y0 + 1, (int) Math.ceil((y + 1) * sy)));
            for (int x = 0; x < w; x++) {
                int x0 = (int) Math.floor(x * sx);
                int x1 = Math.min(width, Math.max(x0 + 1, (int) Math.ceil((x + 1) * sx)));
                search:
                for (int yy = y0; yy < y1; yy++) {
                    for (int xx = x0; xx < x1; xx++) {
                        if (isHole(xx, yy)) {
                            out.set(y * w + x);
                            break search;
                        }
                    }
                }
            }
        }
        return new BinaryMask(w, h, out);
    }

    /** Grown to w x h; the added border is kept, not hole. */
    public BinaryMask padTo(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        BitSet out = new BitSet(w * h);
        for (int i = holes.nextSetBit(0); i >= 0; i = holes.nextSetBit(i + 1)) {
            out.set((i / width) * w + i % width);
        }
        return new BinaryMask(w, h, out);
    }

    /** The image with every hole pixel set to 0, for models that expect the holes erased. */
    public PixelImage erase(PixelImage image) {
        byte[] p = image.pixels().clone();
        int c = image.channels();
        for (int i = holes.nextSetBit(0); i >= 0; i = holes.nextSetBit(i + 1)) {
            for (int k = 0; k < c; k++) {
                p[i * c + k] = 0;
            }
        }
        return new PixelImage(image.width(), image.height(), c, p);
    }
}
