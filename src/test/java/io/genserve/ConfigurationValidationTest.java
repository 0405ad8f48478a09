package io.genserve;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.batching.BatchingProperties;
import io.genserve.model.MaxBatchSize;
import io.genserve.runtime.OnnxProperties;
import io.genserve.runtime.ProviderChoice;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;

/** Configuration binds with its documented defaults, and a zero or a typo fails at start naming the property. */
class ConfigurationValidationTest {
    @EnableConfigurationProperties({BatchingProperties.class, OnnxProperties.class})
    static class Config {}

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void defaultsBind() {
        runner.run(context -> {
            BatchingProperties b = context.getBean(BatchingProperties.class);
            assertThat(b.maxBatchSize()).as("measured per model at load").isEqualTo(MaxBatchSize.AUTO);
            assertThat(b.autoCeiling()).isEqualTo(16);
            assertThat(b.autoMargin()).isEqualTo(0.05);
            assertThat(b.maxDelay()).isZero();
            assertThat(b.preferredBatchSizes()).isEmpty();
            assertThat(b.maxQueuedMemory().bytesOf(1000))
                    .as("a quarter of the heap")
                    .isEqualTo(250);
            assertThat(context.getBean(OnnxProperties.class).executionProvider())
                    .isEqualTo(ProviderChoice.AUTO);
        });
    }

    @Test
    void aPinnedBatchSizeBinds() {
        runner.withPropertyValues("genserve.batching.max-batch-size=8")
                .run(context -> assertThat(
                                context.getBean(BatchingProperties.class).maxBatchSize())
                        .isEqualTo(new MaxBatchSize(8)));
    }

    @Test
    void aZeroBatchSizeFailsNamingTheProperty() {
        runner.withPropertyValues("genserve.batching.max-batch-size=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("max-batch-size must be auto or 1..1024, got 0"));
    }

    @Test
    void aMarginOfAllFailsNamingTheProperty() {
        runner.withPropertyValues("genserve.batching.auto-margin=1")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("autoMargin"));
    }

    @Test
    void aNegativeDelayFailsNamingTheProperty() {
        runner.withPropertyValues("genserve.batching.max-delay=-5ms")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("maxDelay"));
    }

    @Test
    void theMemoryBudgetIsAShareOfTheHeapOrASize() {
        runner.withPropertyValues("genserve.batching.max-queued-memory=512MB")
                .run(context -> assertThat(context.getBean(BatchingProperties.class)
                                .maxQueuedMemory()
                                .bytesOf(1L << 40))
                        .isEqualTo(512L << 20));
        runner.withPropertyValues("genserve.batching.max-queued-memory=95%")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("genserve.batching.max-queued-memory"));
    }

    @Test
    void anUnknownProviderFailsNamingTheProperty() {
        runner.withPropertyValues("genserve.onnx.execution-provider=tpu")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("Failed to bind properties under 'genserve.onnx.execution-provider'"));
    }
}
