package io.genserve.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genserve.error.BadInputException;
import io.genserve.runtime.HeapTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Raw tensor bytes and values; expected bits are IEEE 754's own examples, not this code's output. */
class TensorDataTest {
    @ParameterizedTest
    @CsvSource({
        "0x3C00, 1.0",
        "0xC000, -2.0",
        "0x7BFF, 65504.0",
        "0x0001, 5.9604645E-8",
        "0x0400, 6.1035156E-5",
        "0x3555, 0.33325195",
        "0x8000, -0.0",
        "0x7C00, Infinity",
        "0xFC00, -Infinity"
    })
    void halvesReadAndWriteAsIeee754Says(String hex, float value) {
        short bits = (short) Integer.parseInt(hex.substring(2), 16);
        assertThat(Half.toFloat(bits)).isEqualTo(value);
        assertThat(Half.fromFloat(value)).isEqualTo(bits);
    }

    @Test
    void halvesRoundToNearestEven() {
        assertThat(Half.fromFloat(1.0f + 0x1p-11f)).isEqualTo((short) 0x3C00); // halfway, to even
        assertThat(Half.fromFloat(1.0f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01);
        assertThat(Half.fromFloat(70000f)).isEqualTo((short) 0x7C00);
        assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void littleEndianBytesInAndOut() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(-5).putLong(1L << 24);
        HeapTensor t = TensorData.fromBytes(b.rewind(), Datatype.INT64, new long[] {2}, "x");
        assertThat(t.values()).containsExactly(-5f, 16777216f);
        assertThat(TensorData.toBytes(t)).isEqualTo(b.array());
    }

    @Test
    void integersAFloatCannotHoldAreRefusedNotRounded() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((1L << 24) + 1);
        assertThatThrownBy(() -> TensorData.fromBytes(b.rewind(), Datatype.INT64, new long[] {1}, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("2^24");
        assertThatThrownBy(() -> TensorData.value(256, Datatype.UINT8, "image")).hasMessageContaining("0..255");
        assertThatThrownBy(() -> TensorData.value(1.5, Datatype.INT32, "n")).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> TensorData.value(1e5, Datatype.FP16, "h")).hasMessageContaining("FP16");
    }

    @Test
    void aByteCountThatDoesNotFitTheShapeIsRefused() {
        assertThatThrownBy(() -> TensorData.fromBytes(ByteBuffer.allocate(10), Datatype.FP32, new long[] {1, 3}, "z"))
                .hasMessageContaining("has 10 bytes")
                .hasMessageContaining("needs 12");
    }

    @Test
    void datatypesAreRefusedByName() {
        assertThatThrownBy(() -> Datatype.parse("BOOL", "x")).hasMessageContaining("BOOL is not supported");
        assertThatThrownBy(() -> Datatype.parse("FLOAT32", "x"))
                .hasMessageContaining("not an Open Inference Protocol datatype");
        assertThat(Datatype.ofOnnx("FLOAT")).isEqualTo("FP32");
        assertThat(Datatype.ofOnnx("DOUBLE")).isEqualTo("FP64");
    }
}
