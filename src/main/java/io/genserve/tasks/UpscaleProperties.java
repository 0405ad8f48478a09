package io.genserve.tasks;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How {@code /upscale} cuts large images and how large an answer may be ({@code genserve.upscale.*});
 * a manifest's {@code tile} and {@code tile-pad} override the first two per model.
 *
 * @param tile side of the tiles a model that takes any size is fed, context included (0: the whole
 *     image in one run, up to the model's size.max); a fixed-size model is fed its size
 * @param tilePad context around each tile: adjacent tiles overlap by 3 x tile-pad, the outer tile-pad
 *     pixels of a tile are discarded and the next tile-pad are blended linearly (at most an eighth of
 *     the tile)
 * @param maxOutputPixels largest answer (and model output) in pixels; a request that would exceed it
 *     is refused from the image header's size, before any work
 */
@Validated
@ConfigurationProperties("genserve.upscale")
public record UpscaleProperties(
        @Min(0) @DefaultValue("256") int tile,
        @Min(0) @DefaultValue("16") int tilePad,
        @Min(1) @DefaultValue("33554432") long maxOutputPixels) {}
