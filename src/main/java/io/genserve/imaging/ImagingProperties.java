package io.genserve.imaging;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on uploaded images and how answers are encoded ({@code genserve.imaging.*}).
 *
 * @param maxPixels largest width x height accepted; checked from the header, before decoding, so
 *     a small file that claims a huge size (a decompression bomb) costs nothing
 * @param maxSide largest width or height accepted
 * @param jpegQuality quality of JPEG answers, 0..1
 */
@Validated
@ConfigurationProperties("genserve.imaging")
public record ImagingProperties(
        @Min(1) @DefaultValue("16777216") long maxPixels,
        @Min(1) @DefaultValue("8192") int maxSide,

        @DecimalMin("0.1") @DecimalMax("1.0") @DefaultValue("0.92")
        float jpegQuality) {}
