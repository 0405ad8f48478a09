package io.genserve.tasks;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The model repository ({@code genserve.*}).
 *
 * @param modelRepository folder with one sub-folder per model
 * @param strictReadiness readiness needs every model of the repository loaded; false: the loaded
 *     ones suffice and failed models are only reported
 * @param warmUpTimeout how long one model's warm-up inference may take before the model is failed
 * @param modelRepositoryPoll how often the repository is looked at for new, changed and removed
 *     model folders while serving; 0 (the default) does not look
 */
@Validated
@ConfigurationProperties("genserve")
public record CatalogProperties(
        @NotNull @DefaultValue("models") Path modelRepository,
        @DefaultValue("true") boolean strictReadiness,
        @NotNull @DefaultValue("120s") Duration warmUpTimeout,

        @NotNull @DurationMin(millis = 0) @DefaultValue("0s")
        Duration modelRepositoryPoll) {}
