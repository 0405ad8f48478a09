package io.genserve.api;

import io.genserve.tasks.StyleRequest;
import io.genserve.tasks.TaskRunner;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
@Tag(name = "style-transfer", description = "Restyle an image with an image-to-image model")
final class StyleTransferController {
    private static final String DESCRIPTION = "The image comes back at its own size, whatever size the model needs "
            + "internally (padded, resized or tiled as its manifest says). GET /models lists the styles.";

    private final TaskRunner tasks;
    private final ImageTaskAnswers images;

    StyleTransferController(TaskRunner tasks, ImageTaskAnswers images) {
        this.tasks = tasks;
        this.images = images;
    }

    @Schema(description = "Style-transfer request with base64 or data-URI images")
    record StyleBody(
            @Schema(description = "PNG/JPEG as base64 or data URI", requiredMode = Schema.RequiredMode.REQUIRED)
            String image,

            @Schema(
                    description = "The image-to-image model (a style)",
                    example = "style-starry-night",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            String style,

            @Schema(description = "0..1: blend with the original; 1 = full style", example = "1.0")
            Double strength,

            @Schema(description = "Second image, for models that take a style image")
            String styleImage,

            @Schema(description = "png or jpeg", example = "png")
            String format,

            @Schema(description = "Deadline in milliseconds")
            Long timeoutMs) {}

    @PostMapping(
            path = "/style-transfer",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(
            summary = "Style transfer (multipart upload)",
            description = DESCRIPTION,
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The styled image",
                        content = @Content(mediaType = "image/png")),
                @ApiResponse(
                        responseCode = "400",
                        description = "Bad input",
                        content = @Content(mediaType = "application/problem+json"))
            })
    void styleMultipart(
            @RequestPart(value = "image", required = false) MultipartFile image,
            @RequestParam(value = "style", required = false) String style,
            @RequestParam(value = "strength", required = false) Double strength,
            @RequestPart(value = "styleImage", required = false) MultipartFile styleImage,
            @RequestParam(value = "format", required = false) String format,
            @RequestParam(value = "timeoutMs", required = false) Long timeoutMs,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.styleTransfer(
                        new StyleRequest(style, ImageUploads.bytes(image), strength, ImageUploads.bytes(styleImage)),
                        Timeouts.ofMillis(timeoutMs)),
                format,
                servletRequest,
                servletResponse);
    }

    @PostMapping(
            path = "/style-transfer",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(summary = "Style transfer (JSON with base64 images)", description = DESCRIPTION)
    void styleJson(@RequestBody StyleBody body, HttpServletRequest servletRequest, HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.styleTransfer(
                        new StyleRequest(
                                body.style(),
                                ImageUploads.base64(body.image(), "image"),
                                body.strength(),
                                ImageUploads.base64(body.styleImage(), "styleImage")),
                        Timeouts.ofMillis(body.timeoutMs())),
                body.format(),
                servletRequest,
                servletResponse);
    }
}
