package io.genserve.oip;

/**
 * IEEE 754 half precision (FP16) to and from float, for raw tensor bytes (Java 17 has no
 * {@code Float.float16ToFloat}). Rounds to nearest even; keeps subnormals, infinities and NaN.
 */
final class Half {
    private Half() {}

    static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // infinity or NaN
        }
        if (exp == 0) {
            float magnitude = mant * 0x1p-24f; // zero or subnormal: mant x 2^-24, exact in a float
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static short fromFloat(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0)); // infinity or NaN
        }
        int e = exp - 112; // the half's biased exponent
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00); // too large: infinity
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half of the smallest subnormal: zero
            }
            int m = mant | 0x800000; // the implicit 1
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, up to infinity: still correct
        }
        return (short) (sign | half);
    }
}
