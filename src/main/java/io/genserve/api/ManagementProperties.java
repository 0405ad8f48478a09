package io.genserve.api;

import jakarta.validation.constraints.AssertTrue;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Model management over HTTP ({@code genserve.management.*}): Triton's repository extension,
 * {@code /v2/repository/...}.
 *
 * @param enabled off by default: without it the routes do not exist (404)
 * @param token the bearer token every management request must carry; required, 16 characters or
 *     more, when enabled. Give it through the environment ({@code GENSERVE_MANAGEMENT_TOKEN}, e.g.
 *     from a Kubernetes Secret, as the chart does) rather than a file in the image
 */
@Validated
@ConfigurationProperties("genserve.management")
record ManagementProperties(@DefaultValue("false") boolean enabled, String token) {
    static final int MIN_TOKEN_LENGTH = 16;

    @AssertTrue(
            message = "genserve.management.token must be set, " + MIN_TOKEN_LENGTH
                    + " characters or more, when genserve.management.enabled is true")
    boolean isTokenSetWhenEnabled() {
        return !enabled || (token != null && token.strip().length() >= MIN_TOKEN_LENGTH);
    }

    @Override
    public String toString() { // never log the token
        return "ManagementProperties[enabled=" + enabled + ", token=" + (token == null ? "none" : "****") + "]";
    }
}
