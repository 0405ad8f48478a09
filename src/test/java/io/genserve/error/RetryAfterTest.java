package io.genserve.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    @Test
    void wholeSecondsRoundedUpAndNeverZero() {
        assertThat(RetryAfter.seconds(Duration.ZERO)).isEqualTo("1");
        assertThat(RetryAfter.seconds(Duration.ofMillis(999))).isEqualTo("1");
        assertThat(RetryAfter.seconds(Duration.ofSeconds(1))).isEqualTo("1");
        assertThat(RetryAfter.seconds(Duration.ofMillis(1001))).isEqualTo("2");
        assertThat(RetryAfter.seconds(Duration.ofMillis(1500)))
                .as("not 1, as a floor would say")
                .isEqualTo("2");
        assertThat(RetryAfter.seconds(Duration.ofSeconds(30))).isEqualTo("30");
    }
}
