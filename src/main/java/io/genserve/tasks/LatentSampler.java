package io.genserve.tasks;

import io.genserve.model.Distribution;

/**
 * Draws one image's latent values from its seed, by a fixed, documented algorithm so that a seed
 * gives bit-identical values on every JVM, today and after a restart: SplitMix64 for 64-bit
 * words, 53-bit doubles in [0, 1), Box-Muller (both values used, in order) with StrictMath for
 * normals; uniform values are {@code -1 + 2u}. Truncation t resamples normals with |z| > t.
 * src/test/fixtures/make_fixtures.py implements the same specification independently.
 * Stateless.
 */
final class LatentSampler {
    private LatentSampler() {}

    static float[] sample(long seed, int count, Distribution distribution, Double truncation) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] out = new float[count];
        if (distribution == Distribution.UNIFORM) {
            for (int i = 0; i < count; i++) {
                out[i] = (float) (-1.0 + 2.0 * rng.nextDouble());
            }
            return out;
        }
        int n = 0;
        while (n < count) {
            double u1 = 1.0 - rng.nextDouble(); // (0, 1]: the log never sees 0
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double[] pair = {r * StrictMath.cos(2 * Math.PI * u2), r * StrictMath.sin(2 * Math.PI * u2)};
            for (double v : pair) {
                if (n < count && (truncation == null || Math.abs(v) <= truncation)) {
                    out[n++] = (float) v;
                }
            }
        }
        return out;
    }

    /** Sebastiano Vigna's SplitMix64. Not thread-safe; one per image. */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long nextLong() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        double nextDouble() {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }
    }
}
