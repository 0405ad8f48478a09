package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.error.BadInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageCodecTest {
    final ImageCodec codec = new ImageCodec(new ImagingProperties(1_000_000, 2000, 0.9f));

    static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    @Test
    void grayFilesAreReadWithoutGammaConversion() throws Exception {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {10, 128, 250});
        DecodedImage d = codec.decode(encode(gray, "png"), "mask");
        assertThat(d.image().channels()).isEqualTo(1);
        assertThat(d.image().pixels()).containsExactly(10, (byte) 128, (byte) 250);
    }

    @Test
    void pngRoundTripsExactly() {
        PixelImage p = GeometryTest.gradient(17, 9);
        assertThat(codec.decode(codec.encode(p, ImageFormat.PNG), "image").image())
                .isEqualTo(p);
        assertThat(codec.decode(codec.encode(p, ImageFormat.JPEG), "image")
                        .image()
                        .width())
                .isEqualTo(17);
    }

    @Test
    void truncatedJpegIsRefusedEvenThoughImageIoDecodesIt() throws Exception {
        BufferedImage rgb = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        byte[] jpeg = encode(rgb, "jpeg");
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(jpeg, jpeg.length / 2), "image"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("corrupt or truncated");
    }

    @Test
    void sizeLimitsApplyBeforeDecoding() throws Exception {
        byte[] big = encode(new BufferedImage(2001, 2, BufferedImage.TYPE_INT_RGB), "png");
        assertThatThrownBy(() -> codec.decode(big, "image")).hasMessageContaining("2001x2");
        assertThatThrownBy(() -> codec.decode(new byte[0], "image")).hasMessageContaining("empty");
        assertThatThrownBy(() -> codec.decode("GIF89a nonsense".getBytes(), "image"))
                .isInstanceOf(BadInputException.class);
    }
}
