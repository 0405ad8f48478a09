package io.genserve.tasks;

/**
 * @param model the generator, or null for the repository's default one
 * @param count images to generate, 1..64
 * @param seed seed of the first image (image i gets seed + i), or null for a random one
 * @param label class name or index, for conditional generators
 * @param prompt free text naming one of the classes, instead of label
 * @param truncation resample latent values beyond this magnitude, where the model allows it
 */
public record GenerateRequest(String model, int count, Long seed, String label, String prompt, Double truncation) {}
