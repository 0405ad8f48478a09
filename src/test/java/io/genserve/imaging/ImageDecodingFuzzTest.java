package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.genserve.error.BadInputException;
import io.genserve.error.TooLargeException;

/**
 * Any bytes a client uploads as an image: the decoder returns pixels of the size the header
 * declared, within the limits, or refuses with a 4xx naming the field; nothing else (no other
 * exception, no hang, no stack trace text in the message). Seeds: one small file per format and
 * colour type ({@code ImageDecodingFuzzTestInputs}, made by src/test/fixtures/make_fuzz_seeds.py).
 */
class ImageDecodingFuzzTest {
    /** Small limits keep each execution fast; the checks are the same as at any size. */
    static final ImageCodec CODEC = new ImageCodec(new ImagingProperties(1 << 20, 2048, 0.9f));

    @FuzzTest(maxDuration = "10s")
    void decodesWithinTheLimitsOrRefusesNamingTheField(byte[] data) {
        ImageHeader header;
        try {
            header = CODEC.readHeader(data, "image");
        } catch (BadInputException | TooLargeException e) {
            assertRefusal(e);
            return;
        }
        assertThat(header.pixels()).isBetween(1L, 1L << 20);
        try {
            DecodedImage decoded = CODEC.decode(data, "image");
            PixelImage image = decoded.image();
            assertThat(image.width()).isEqualTo(header.width());
            assertThat(image.height()).isEqualTo(header.height());
            assertThat(decoded.alpha() == null || decoded.alpha().length == image.width() * image.height())
                    .isTrue();
            // What was decoded encodes and decodes back to the same pixels.
            PixelImage again =
                    CODEC.decode(CODEC.encode(image, ImageFormat.PNG), "image").image();
            assertThat(again).isEqualTo(image);
        } catch (BadInputException | TooLargeException e) {
            assertRefusal(e);
        }
    }

    private static void assertRefusal(RuntimeException e) {
        String field = e instanceof BadInputException b ? b.field() : ((TooLargeException) e).field();
        assertThat(field).isEqualTo("image");
        assertThat(e.getMessage()).contains("'image'").doesNotContain("Exception", "\tat ");
    }
}
