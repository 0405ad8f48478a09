package io.genserve.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.model.Distribution;
import org.junit.jupiter.api.Test;

/** Expected values come from make_fixtures.py's independent implementation of the same specification. */
class LatentSamplerTest {

    @Test
    void splitMix64MatchesTheReferenceSequence() {
        LatentSampler.SplitMix64 rng = new LatentSampler.SplitMix64(0);
        assertThat(rng.nextLong()).isEqualTo(0xE220A8397B1DCDAFL); // Vigna's reference output for seed 0
        assertThat(rng.nextLong()).isEqualTo(7960286522194355700L);
    }

    @Test
    void normalUniformAndTruncatedDrawsMatchThePythonImplementation() {
        assertThat(LatentSampler.sample(0, 4, Distribution.NORMAL, null))
                .containsExactly(
                        -1.8839083909988403f, 0.8645068407058716f, 0.22760793566703796f, -0.04211268573999405f);
        assertThat(LatentSampler.sample(12345, 3, Distribution.UNIFORM, null))
                .containsExactly(-0.7338406443595886f, -0.5903667211532593f, -0.7609148621559143f);
        assertThat(LatentSampler.sample(3, 5, Distribution.NORMAL, 0.5))
                .containsExactly(
                        -0.1507893055677414f,
                        -0.4670105576515198f,
                        -0.45784690976142883f,
                        0.41243278980255127f,
                        -0.34682559967041016f);
    }

    @Test
    void truncationKeepsEveryValueWithinTheBound() {
        for (float v : LatentSampler.sample(99, 10_000, Distribution.NORMAL, 0.7)) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(0.7f);
        }
    }
}
