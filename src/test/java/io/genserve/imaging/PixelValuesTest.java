package io.genserve.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.ChannelOrder;
import io.genserve.model.HolePolarity;
import io.genserve.model.Layout;
import io.genserve.model.TensorRole;
import io.genserve.model.TensorSpec;
import io.genserve.model.ValueRange;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Expected values written out by hand from the manifest conventions. */
class PixelValuesTest {
    /** Two pixels: (255, 0, 51) and (0, 102, 255). */
    static final PixelImage TWO = new PixelImage(2, 1, 3, new byte[] {(byte) 255, 0, 51, 0, 102, (byte) 255});

    static TensorSpec image(Layout layout, ChannelOrder order, double low, double high) {
        return TensorSpec.image("x", TensorRole.IMAGE, null, layout, order, new ValueRange(low, high), null);
    }

    @Test
    void nchwRgbInZeroOne() {
        assertThat(PixelValues.toValues(TWO, image(Layout.NCHW, ChannelOrder.RGB, 0, 1)))
                .containsExactly(1f, 0f, 0f, 0.4f, 0.2f, 1f);
        assertThat(PixelValues.shape(image(Layout.NCHW, ChannelOrder.RGB, 0, 1), 1, 2))
                .containsExactly(1, 3, 1, 2);
    }

    @Test
    void nhwcBgrInMinusOneOne() {
        assertThat(PixelValues.toValues(TWO, image(Layout.NHWC, ChannelOrder.BGR, -1, 1)))
                .usingComparatorWithPrecision(1e-6f)
                .containsExactly(-0.6f, -1f, 1f, 1f, -0.2f, -1f);
    }

    @Test
    void grayUsesIntegerLuma() {
        // (299*255 + 587*0 + 114*51 + 500) / 1000 = 82; (587*102 + 114*255 + 500) / 1000 = 89
        assertThat(PixelValues.toValues(TWO, image(Layout.NCHW, ChannelOrder.GRAY, 0, 255)))
                .containsExactly(82f, 89f);
    }

    @Test
    void outputsAreScaledClampedAndRoundedOnce() {
        TensorSpec spec = image(Layout.NCHW, ChannelOrder.BGR, -1, 1);
        // B, G, R planes for two pixels; 1.07 overshoots (clamped to 255), -1 is 0, 0 is 127.5 -> 128.
        float[] values = {1.07f, -1f, 0f, 0.5f, -1.3f, Float.NaN};
        PixelImage p = PixelValues.fromValues(values, 0, new long[] {1, 3, 1, 2}, spec);
        assertThat(p.at(0, 0, 0)).isEqualTo(0); // R of pixel 0 = -1.3 -> clamped
        assertThat(p.at(0, 0, 1)).isEqualTo(128); // G = 0
        assertThat(p.at(0, 0, 2)).isEqualTo(255); // B = 1.07
        assertThat(p.at(1, 0, 0)).isEqualTo(0); // NaN -> 0
        assertThat(p.at(1, 0, 1)).isEqualTo(191); // 0.5 -> 191.25
        assertThat(p.at(1, 0, 2)).isEqualTo(0);
    }

    @Test
    void maskPolarityPicksTheEndOfTheRange() {
        BitSet holes = new BitSet();
        holes.set(1);
        BinaryMask mask = new BinaryMask(2, 1, holes);
        TensorSpec high = maskSpec(HolePolarity.HIGH);
        TensorSpec low = maskSpec(HolePolarity.LOW);
        assertThat(PixelValues.maskValues(mask, high)).containsExactly(0f, 255f);
        assertThat(PixelValues.maskValues(mask, low)).containsExactly(255f, 0f);
    }

    static TensorSpec maskSpec(HolePolarity hole) {
        return new TensorSpec(
                "m",
                TensorRole.MASK,
                null,
                null,
                null,
                false,
                null,
                null,
                null,
                new ValueRange(0, 255),
                null,
                hole,
                null,
                false,
                null);
    }
}
