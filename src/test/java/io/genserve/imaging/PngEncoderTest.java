package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PNG writer, checked by an independent reader: the JDK's ImageIO decodes every file back to the same pixels. */
class PngEncoderTest {

    @ParameterizedTest
    @CsvSource({"1,1,1", "1,1,3", "2,3,1", "3,2,3", "28,28,1", "28,28,3", "301,203,1", "301,203,3", "640,1,3"})
    void noisyImagesDecodeToTheSamePixels(int width, int height, int channels) throws IOException {
        byte[] pixels = new byte[width * height * channels];
        new Random(width * 31L + height * 7L + channels).nextBytes(pixels);
        PixelImage image = new PixelImage(width, height, channels, pixels);

        assertThat(decode(PngEncoder.encode(image))).usingRecursiveComparison().isEqualTo(image);
    }

    @Test
    void everyFilterIsPickedSomewhereAndDecodesToTheSamePixels() throws IOException {
        int w = 97;
        int h = 40;
        byte[] gray = new byte[w * h];
        for (int x = 0; x < w; x++) {
            // row 0 stays zero: every filter costs 0, the first (None) wins
            gray[w + x] = 100; // row 1, flat: Sub costs one pixel
            gray[2 * w + x] = 100; // row 2, as row 1: Up costs nothing
            // row 3, each pixel halfway between its left neighbour and the 100 above: Average costs nothing
            gray[3 * w + x] = (byte) (((x == 0 ? 0 : gray[3 * w + x - 1] & 0xFF) + 100) >>> 1);
        }
        for (int y = 4; y < h; y++) {
            for (int x = 0; x < w; x++) {
                gray[y * w + x] = (byte) ((x * y) & 0xFF ^ (y < 20 ? 0 : x)); // textures: Paeth wins rows
            }
        }
        PixelImage image = new PixelImage(w, h, 1, gray);
        assertThat(filterTypesUsed(image)).as("filters used, bit per type").isEqualTo(0b11111);
        assertThat(decode(PngEncoder.encode(image))).usingRecursiveComparison().isEqualTo(image);
        PixelImage rgb = image.withChannels(3);
        assertThat(decode(PngEncoder.encode(rgb))).usingRecursiveComparison().isEqualTo(rgb);
    }

    @Test
    void fileLayoutAndChecksumsFollowThePngSpecification() {
        byte[] png = PngEncoder.encode(PixelImage.filled(28, 28, 1, 200));
        ByteBuffer b = ByteBuffer.wrap(png);
        assertThat(b.getLong(0)).isEqualTo(0x89504E470D0A1A0AL);
        int at = 8;
        StringBuilder chunks = new StringBuilder();
        while (at < png.length) {
            int length = b.getInt(at);
            String type = new String(png, at + 4, 4, StandardCharsets.US_ASCII);
            CRC32 crc = new CRC32();
            crc.update(png, at + 4, 4 + length);
            assertThat(b.getInt(at + 8 + length)).as(type + " CRC").isEqualTo((int) crc.getValue());
            chunks.append(type).append(' ');
            at += 12 + length;
        }
        assertThat(chunks.toString().trim()).isEqualTo("IHDR IDAT IEND");
        // IHDR: 28x28, 8 bits, gray, deflate, adaptive filtering, no interlace
        assertThat(b.getInt(16)).isEqualTo(28);
        assertThat(b.getInt(20)).isEqualTo(28);
        assertThat(new byte[] {png[24], png[25], png[26], png[27], png[28]}).containsExactly(8, 0, 0, 0, 0);
    }

    @Test
    void theSameImageGivesTheSameBytes() {
        byte[] pixels = new byte[28 * 28];
        new Random(42).nextBytes(pixels);
        assertThat(PngEncoder.encode(new PixelImage(28, 28, 1, pixels)))
                .isEqualTo(PngEncoder.encode(new PixelImage(28, 28, 1, pixels.clone())));
    }

    @Test
    void paethPicksTheNeighbourClosestToTheGradientEstimate() {
        // The specification's predictor: p = a + b - c; ties go to a, then b.
        assertThat(PngEncoder.paeth(10, 20, 15)).isEqualTo(15); // p = 15: c exactly
        assertThat(PngEncoder.paeth(10, 20, 10)).isEqualTo(20); // p = 20: b exactly
        assertThat(PngEncoder.paeth(20, 10, 10)).isEqualTo(20); // p = 20: a exactly
        assertThat(PngEncoder.paeth(5, 5, 5)).isEqualTo(5); // all tie: a
        assertThat(PngEncoder.paeth(0, 255, 0)).isEqualTo(255);
        assertThat(PngEncoder.paeth(100, 0, 50)).isEqualTo(50); // p = 50: pa = pb = 50, pc = 0
    }

    private static int filterTypesUsed(PixelImage image) {
        int stride = image.width() * image.channels();
        byte[] filtered = PngEncoder.filterRows(image.pixels(), stride, image.height(), image.channels());
        int used = 0;
        for (int y = 0; y < image.height(); y++) {
            used |= 1 << filtered[y * (stride + 1)];
        }
        return used;
    }

    /** ImageIO's reading of the file, as 8-bit gray or RGB samples. */
    private static PixelImage decode(byte[] png) throws IOException {
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
        Raster r = read.getRaster();
        int channels = r.getNumBands();
        byte[] out = new byte[read.getWidth() * read.getHeight() * channels];
        int i = 0;
        for (int y = 0; y < read.getHeight(); y++) {
            for (int x = 0; x < read.getWidth(); x++) {
                for (int c = 0; c < channels; c++) {
                    out[i++] = (byte) r.getSample(x, y, c);
                }
            }
        }
        return new PixelImage(read.getWidth(), read.getHeight(), channels, out);
    }
}
