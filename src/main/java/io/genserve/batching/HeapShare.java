package io.genserve.batching;

import java.util.Locale;
import org.springframework.util.unit.DataSize;

/**
 * An amount of heap, written as a share of the JVM's maximum heap ({@code 25%}) or as a size
 * ({@code 512MB}): a default that follows the heap is right on a laptop and in a 2 GiB pod alike,
 * where a fixed size larger than a small heap would let requests run it out. Immutable.
 *
 * @param percent share of the maximum heap, 1..90, or 0 when {@code size} is given
 * @param size an absolute size, or null when {@code percent} is given
 */
public record HeapShare(int percent, DataSize size) {
    public HeapShare {
        if (size == null && (percent < 1 || percent > 90)) {
            throw new IllegalArgumentException("a share of the heap must be 1%..90%, got " + percent + "%");
        }
        if (size != null && size.toBytes() < 1) {
            throw new IllegalArgumentException("a heap size must be positive, got " + size);
        }
    }

    /**
     * {@code "25%"} or a data size such as {@code "512MB"}. Named {@code valueOf} so that Spring's
     * default conversion binds configuration to it without a registered converter.
     */
    public static HeapShare valueOf(String text) {
        String t = text.strip();
        if (t.endsWith("%")) {
            try {
                return new HeapShare(
                        Integer.parseInt(t.substring(0, t.length() - 1).strip()), null);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a percentage: '" + text + "'");
            }
        }
        return new HeapShare(0, DataSize.parse(t.toUpperCase(Locale.ROOT)));
    }

    /** The bytes this share is of a heap of {@code maxHeapBytes}. */
    public long bytesOf(long maxHeapBytes) {
        return size != null ? size.toBytes() : maxHeapBytes / 100 * percent;
    }

    @Override
    public String toString() {
        return size != null ? size.toString() : percent + "%";
    }
}
