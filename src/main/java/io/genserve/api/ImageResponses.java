package io.genserve.api;

import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import io.genserve.imaging.ImageCodec;
import io.genserve.imaging.ImageFormat;
import io.genserve.imaging.PixelImage;
import io.genserve.tasks.GeneratedImages;
import io.genserve.tasks.ImageResult;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Renders answers: one image as {@code image/png} or {@code image/jpeg} with the model, its version
 * (and the seed) in headers, or JSON with base64 images when the client accepts JSON or several images came back.
 */
@Component
final class ImageResponses {
    static final String MODEL_HEADER = "Genserve-Model";
    /** The version of the model that answered: a content hash of its files, as GET /models lists it. */
    static final String VERSION_HEADER = "Genserve-Model-Version";

    static final String SEED_HEADER = "Genserve-Seed";
    static final String LABEL_HEADER = "Genserve-Label";

    /*
     * What the task endpoints answer (their mappings' produces): an Accept header that allows none
     * of these, such as image/webp alone, gets 406 listing them instead of a PNG it did not ask for.
     */
    static final String PNG = MediaType.IMAGE_PNG_VALUE;
    static final String JPEG = MediaType.IMAGE_JPEG_VALUE;
    static final String JSON = MediaType.APPLICATION_JSON_VALUE;

    private final ImageCodec codec;

    ImageResponses(ImageCodec codec) {
        this.codec = codec;
    }

    /** One encoded image in a JSON answer. */
    record ImageJson(String mediaType, int width, int height, String data) {}

    /** The JSON answer of /generate; seed and label per image. */
    record GenerateJson(String model, List<GeneratedJson> images) {}

    record GeneratedJson(long seed, String label, String mediaType, int width, int height, String data) {}

    /** The JSON answer of /inpaint and /style-transfer. */
    record ImageAnswerJson(String model, ImageJson image) {}

    /** The {@code format} field wins; without it, JPEG when the client accepts image/jpeg but not image/png. */
    static ImageFormat format(String format, String accept) {
        if (format == null || format.isBlank()) {
            return accept != null && accept.contains("image/jpeg") && !accept.contains("image/png")
                    ? ImageFormat.JPEG
                    : ImageFormat.PNG;
        }
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "png" -> ImageFormat.PNG;
            case "jpeg", "jpg" -> ImageFormat.JPEG;
            default ->
                throw new BadInputException("format", "format must be png or jpeg, got " + ClientText.quote(format));
        };
    }

    /** JSON when the client lists application/json at least as high as PNG and JPEG. */
    static boolean wantsJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        double json = 0;
        double image = 0;
        List<MediaType> types;
        try {
            types = MediaType.parseMediaTypes(accept);
        } catch (org.springframework.http.InvalidMediaTypeException e) {
            throw new BadInputException("Accept", "the Accept header is malformed: " + ClientText.quote(accept));
        }
        for (MediaType t : types) {
            if (t.isWildcardType()) {
                continue;
            }
            if (t.isCompatibleWith(MediaType.APPLICATION_JSON)) {
                json = Math.max(json, t.getQualityValue());
            } else if (t.isCompatibleWith(MediaType.IMAGE_PNG) || t.isCompatibleWith(MediaType.IMAGE_JPEG)) {
                // only the image types we answer with count: "image/webp, application/json;q=0.1" wants JSON
                image = Math.max(image, t.getQualityValue());
            }
        }
        return json > 0 && json >= image;
    }

    ResponseEntity<?> generated(GeneratedImages result, ImageFormat format, boolean json) {
        List<GeneratedImages.Image> images = result.images();
        String seeds = images.stream().map(i -> Long.toString(i.seed())).collect(Collectors.joining(","));
        if (json || images.size() > 1) {
            List<GeneratedJson> out = images.stream()
                    .map(i -> {
                        byte[] bytes = codec.encode(i.image(), format);
                        return new GeneratedJson(
                                i.seed(),
                                i.label(),
                                format.mediaType(),
                                i.image().width(),
                                i.image().height(),
                                Base64.getEncoder().encodeToString(bytes));
                    })
                    .toList();
            return ResponseEntity.ok()
                    .header(MODEL_HEADER, result.model())
                    .header(VERSION_HEADER, result.version())
                    .header(SEED_HEADER, seeds)
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(new GenerateJson(result.model(), out));
        }
        GeneratedImages.Image only = images.get(0);
        ResponseEntity.BodyBuilder b = ResponseEntity.ok()
                .header(MODEL_HEADER, result.model())
                .header(VERSION_HEADER, result.version())
                .header(SEED_HEADER, seeds);
        if (only.label() != null) {
            b.header(LABEL_HEADER, only.label());
        }
        return b.contentType(MediaType.parseMediaType(format.mediaType())).body(codec.encode(only.image(), format));
    }

    ResponseEntity<?> image(ImageResult result, ImageFormat format, boolean json) {
        PixelImage image = result.image();
        byte[] bytes = codec.encode(image, format);
        if (json) {
            return ResponseEntity.ok()
                    .header(MODEL_HEADER, result.model())
                    .header(VERSION_HEADER, result.version())
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(new ImageAnswerJson(
                            result.model(),
                            new ImageJson(
                                    format.mediaType(),
                                    image.width(),
                                    image.height(),
                                    Base64.getEncoder().encodeToString(bytes))));
        }
        return ResponseEntity.ok()
                .header(MODEL_HEADER, result.model())
                .header(VERSION_HEADER, result.version())
                .contentType(MediaType.parseMediaType(format.mediaType()))
                .body(bytes);
    }
}
