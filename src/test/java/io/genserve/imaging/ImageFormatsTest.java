package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.TestImages;
import io.genserve.error.TooLargeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Uploads in WebP (lossy, lossless, with alpha), TIFF (LZW, 16-bit), 16-bit PNG and CMYK JPEG decode
 * to what independent decoders make of them (src/test/fixtures/make_image_formats.py: libwebp and
 * libtiff through PIL, OpenCV), and their size is checked from the header, before decoding.
 */
class ImageFormatsTest {
    static final Path FORMATS = Path.of("src/test/resources/fixtures/formats");
    final ImageCodec codec = new ImageCodec(new ImagingProperties(16_777_216, 8192, 0.92f));

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "lossless.webp, source.png, 0",
        "lzw.tiff, source.png, 0",
        "rgb16.tiff, rgb16.expected.png, 0",
        "rgb16.png, rgb16.expected.png, 0",
        "gray16.png, gray16.expected.png, 0"
    })
    void decodesLikeAnIndependentDecoder(String file, String expected, int tolerance) throws Exception {
        DecodedImage decoded = codec.decode(Files.readAllBytes(FORMATS.resolve(file)), "image");
        int[][][] reference = TestImages.read(FORMATS.resolve(expected));
        assertThat(decoded.alpha()).isNull();
        assertThat(TestImages.maxDiff(pixels(decoded.image()), reference)).isLessThanOrEqualTo(tolerance);
    }

    /**
     * TwelveMonkeys' VP8 decoder and libwebp upsample chroma differently: measured 1.9 levels on
     * average and 31 at most (at colour edges), for the same file, every time.
     */
    @Test
    void lossyWebpDecodesLikeLibwebp() throws Exception {
        DecodedImage decoded = codec.decode(Files.readAllBytes(FORMATS.resolve("lossy.webp")), "image");
        int[][][] reference = TestImages.read(FORMATS.resolve("lossy.expected.png"));
        assertThat(meanDiff(pixels(decoded.image()), reference)).isLessThan(2.5);
        assertThat(TestImages.maxDiff(pixels(decoded.image()), reference)).isLessThanOrEqualTo(32);
    }

    @Test
    void webpAlphaIsRead() throws Exception {
        DecodedImage decoded = codec.decode(Files.readAllBytes(FORMATS.resolve("alpha.webp")), "mask");
        int[][][] reference = TestImages.read(FORMATS.resolve("alpha.expected.png"));
        int[][][] rgba = pixels(decoded.image());
        for (int y = 0; y < rgba.length; y++) {
            for (int x = 0; x < rgba[0].length; x++) {
                int a = decoded.alpha()[y * rgba[0].length + x] & 0xFF;
                assertThat(a).isEqualTo(reference[y][x][3]);
                for (int c = 0; c < 3; c++) {
                    assertThat(rgba[y][x][c]).isEqualTo(reference[y][x][c]);
                }
            }
        }
    }

    /**
     * A CMYK JPEG's colours depend on the CMYK profile the decoder assumes, so it is held to the
     * picture it was made from with a tolerance; the JDK's own reader refuses such a file.
     */
    @Test
    void cmykJpegDecodesToThePictureItWasMadeFrom() throws Exception {
        DecodedImage decoded = codec.decode(Files.readAllBytes(FORMATS.resolve("cmyk.jpg")), "image");
        int[][][] source = TestImages.read(FORMATS.resolve("source.png"));
        int[][][] rgb = pixels(decoded.image());
        assertThat(decoded.image().width()).isEqualTo(64);
        assertThat(meanDiff(rgb, source)).as("measured 1.4").isLessThan(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lossless.webp", "lossy.webp", "lzw.tiff", "rgb16.tiff", "rgb16.png", "cmyk.jpg"})
    void theSizeLimitsApplyToEveryFormatFromItsHeader(String file) throws Exception {
        ImageCodec small = new ImageCodec(new ImagingProperties(1000, 8192, 0.92f));
        assertThatThrownBy(() -> small.readHeader(Files.readAllBytes(FORMATS.resolve(file)), "image"))
                .isInstanceOfSatisfying(
                        TooLargeException.class, e -> assertThat(e.limit()).isEqualTo("genserve.imaging.max-pixels"))
                .hasMessageContaining("64x48 = 3072 pixels");
    }

    /** Headers that claim 16384 x 16384 with nothing behind them: refused from the header alone. */
    @Test
    void aWebpOrTiffThatClaimsHugeDimensionsIsRefusedBeforeDecoding() {
        ByteBuffer webp = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        webp.put("RIFF".getBytes())
                .putInt(22)
                .put("WEBP".getBytes())
                .put("VP8X".getBytes())
                .putInt(10);
        webp.putInt(0); // flags and reserved bytes
        webp.put(new byte[] {(byte) 0xFF, 0x3F, 0}).put(new byte[] {(byte) 0xFF, 0x3F, 0}); // width-1, height-1
        assertThatThrownBy(() -> codec.readHeader(webp.array(), "image"))
                .isInstanceOf(TooLargeException.class)
                .hasMessageContaining("16384x16384");

        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put("II".getBytes()).putShort((short) 42).putInt(8).putShort((short) 2);
        tiff.putShort((short) 256).putShort((short) 4).putInt(1).putInt(16384); // ImageWidth, LONG
        tiff.putShort((short) 257).putShort((short) 4).putInt(1).putInt(16384); // ImageLength, LONG
        tiff.putInt(0);
        assertThatThrownBy(() -> codec.readHeader(tiff.array(), "image"))
                .isInstanceOf(TooLargeException.class)
                .hasMessageContaining("16384x16384");
    }

    private static int[][][] pixels(PixelImage image) {
        int[][][] out = new int[image.height()][image.width()][image.channels()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                for (int c = 0; c < image.channels(); c++) {
                    out[y][x][c] = image.at(x, y, c);
                }
            }
        }
        return out;
    }

    private static double meanDiff(int[][][] a, int[][][] b) {
        double sum = 0;
        int n = 0;
        for (int y = 0; y < a.length; y++) {
            for (int x = 0; x < a[0].length; x++) {
                for (int c = 0; c < 3; c++) {
                    sum += Math.abs(a[y][x][c] - b[y][x][c]);
                    n++;
                }
            }
        }
        return sum / n;
    }
}
