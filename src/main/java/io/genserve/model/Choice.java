package io.genserve.model;

/**
 * One setting the service chose for a model that has no manifest (or measured for one that does),
 * with what it was chosen on, e.g. {@code inputs.image.range = [0, 255]} because "output max 336 on
 * the calibration image". {@code GET /models/{name}} lists them.
 *
 * @param setting where in the manifest it lives ({@code task}, {@code inputs.image.range}, ...)
 * @param value what was chosen, as the manifest writes it
 * @param evidence what decided it, or why the default was kept
 */
public record Choice(String setting, String value, String evidence) {}
