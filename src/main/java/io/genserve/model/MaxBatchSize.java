package io.genserve.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The largest batch one run of a model may receive: a number pinned by whoever configured it, or
 * {@code auto}, measured when the model loads (the largest batch that still makes an image
 * cheaper; see {@code io.genserve.batching.BatchCalibration}). Immutable.
 *
 * @param pinned 1..1024, or null for auto
 */
public record MaxBatchSize(Integer pinned) {
    public static final int LIMIT = 1024;
    public static final MaxBatchSize AUTO = new MaxBatchSize(null);

    public MaxBatchSize {
        if (pinned != null && (pinned < 1 || pinned > LIMIT)) {
            throw new IllegalArgumentException("max-batch-size must be auto or 1.." + LIMIT + ", got " + pinned);
        }
    }

    /**
     * {@code "auto"} or a number. Named {@code valueOf} so that Spring's default conversion binds
     * configuration to it without a registered converter; also the manifest's reader for a string.
     */
    @JsonCreator
    public static MaxBatchSize valueOf(String text) {
        String t = text.strip();
        if (t.toLowerCase(Locale.ROOT).equals("auto")) {
            return AUTO;
        }
        try {
            return new MaxBatchSize(Integer.valueOf(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("max-batch-size must be auto or 1.." + LIMIT + ", got '" + text + "'");
        }
    }

    /** The manifest's reader for a number. */
    @JsonCreator
    public static MaxBatchSize of(int pinned) {
        return new MaxBatchSize(pinned);
    }

    public boolean isAuto() {
        return pinned == null;
    }

    /** As written: the number, or {@code "auto"}. */
    @JsonValue
    public Object json() {
        return pinned == null ? "auto" : pinned;
    }

    @Override
    public String toString() {
        return String.valueOf(json());
    }
}
