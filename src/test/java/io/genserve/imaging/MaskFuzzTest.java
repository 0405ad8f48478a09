package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.genserve.error.BadInputException;
import io.genserve.error.TooLargeException;
import java.util.Arrays;

/**
 * Masks as clients send them (black and white, gray, with transparency), read with any threshold
 * and polarity, then cut, resized and padded as the inpainting fit does. Byte 0 is the threshold,
 * bit 0 of byte 1 inverts, bytes 2..5 give a target size, the rest is the file. The mask always
 * has the image's size, its bounds hold exactly its holes, and geometry keeps the sizes asked for.
 */
class MaskFuzzTest {
    static final ImageCodec CODEC = new ImageCodec(new ImagingProperties(1 << 18, 1024, 0.9f));

    @FuzzTest(maxDuration = "10s")
    void masksKeepTheirGeometryAndTheirHoles(byte[] data) {
        if (data.length < 6) {
            return;
        }
        int threshold = 1 + (data[0] & 0xFF) % 255;
        boolean invert = (data[1] & 1) == 1;
        int w = 1 + (data[2] & 0xFF) % 64;
        int h = 1 + (data[3] & 0xFF) % 64;
        BinaryMask mask;
        try {
            mask = BinaryMask.from(CODEC.decode(Arrays.copyOfRange(data, 6, data.length), "mask"), threshold, invert);
        } catch (BadInputException | TooLargeException e) {
            assertThat(e.getMessage()).contains("'mask'");
            return;
        }
        if (mask.isEmpty()) {
            assertThat(mask.holes().cardinality()).isZero();
        } else {
            Rect bounds = mask.bounds();
            assertThat(bounds.x()).isBetween(0, mask.width() - 1);
            assertThat(bounds.y()).isBetween(0, mask.height() - 1);
            assertThat(bounds.x() + bounds.width()).isLessThanOrEqualTo(mask.width());
            assertThat(bounds.y() + bounds.height()).isLessThanOrEqualTo(mask.height());
            BinaryMask cut = mask.crop(bounds);
            assertThat(cut.holes().cardinality()).isEqualTo(mask.holes().cardinality());
        }
        BinaryMask resized = mask.resize(w, h);
        assertThat(resized.width()).isEqualTo(w);
        assertThat(resized.height()).isEqualTo(h);
        BinaryMask padded = resized.padTo(w + (data[4] & 7), h + (data[5] & 7));
        assertThat(padded.width()).isEqualTo(w + (data[4] & 7));
        assertThat(padded.holes().cardinality())
                .isGreaterThanOrEqualTo(resized.holes().cardinality());
    }
}
