package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;

/** Management is off by default, and on only with a token long enough not to be guessed. */
class ManagementPropertiesTest {
    @EnableConfigurationProperties(ManagementProperties.class)
    static class Config {}

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void offByDefaultAndNeedsNoToken() {
        runner.run(context -> assertThat(
                        context.getBean(ManagementProperties.class).enabled())
                .isFalse());
    }

    @Test
    void enabledWithoutATokenFailsTheStartNamingTheProperty() {
        runner.withPropertyValues("genserve.management.enabled=true")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("genserve.management.token"));
    }

    @Test
    void aShortTokenIsRefusedAndALongOneAccepted() {
        runner.withPropertyValues("genserve.management.enabled=true", "genserve.management.token=short")
                .run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("genserve.management.enabled=true", "genserve.management.token=0123456789abcdef")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theTokenNeverShowsInItsDescription() {
        assertThat(new ManagementProperties(true, "0123456789abcdef").toString())
                .doesNotContain("0123456789abcdef");
    }
}
