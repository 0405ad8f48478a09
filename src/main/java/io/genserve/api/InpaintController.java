package io.genserve.api;

import io.genserve.tasks.InpaintRequest;
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
@Tag(name = "inpaint", description = "Fill the holes of an image")
final class InpaintController {
    private static final String DESCRIPTION =
            "The image comes back at its own size; every pixel outside the mask keeps its exact "
                    + "value. Any size is accepted: the service pads, resizes or crops around the hole as the model needs. "
                    + "White mask pixels (or opaque ones, in a mask with transparency) are holes; invertMask flips that.";

    private final TaskRunner tasks;
    private final ImageTaskAnswers images;

    InpaintController(TaskRunner tasks, ImageTaskAnswers images) {
        this.tasks = tasks;
        this.images = images;
    }

    @Schema(description = "Inpainting request with base64 or data-URI images")
    record InpaintBody(
            @Schema(description = "PNG/JPEG as base64 or data URI", requiredMode = Schema.RequiredMode.REQUIRED)
            String image,

            @Schema(
                    description = "Mask of the image's size, base64 or data URI",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            String mask,

            @Schema(description = "Black marks holes instead of white")
            Boolean invertMask,

            @Schema(description = "Inpainting model; default: the first one", example = "photo-inpaint")
            String model,

            @Schema(description = "png or jpeg", example = "png")
            String format,

            @Schema(description = "Deadline in milliseconds")
            Long timeoutMs) {}

    @PostMapping(
            path = "/inpaint",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(
            summary = "Inpaint (multipart upload)",
            description = DESCRIPTION,
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The inpainted image",
                        content = @Content(mediaType = "image/png")),
                @ApiResponse(
                        responseCode = "400",
                        description = "Bad input, e.g. a mask of another size",
                        content = @Content(mediaType = "application/problem+json"))
            })
    void inpaintMultipart(
            @RequestPart(value = "image", required = false) MultipartFile image,
            @RequestPart(value = "mask", required = false) MultipartFile mask,
            @RequestParam(value = "invertMask", required = false) Boolean invertMask,
            @RequestParam(value = "model", required = false) String model,
            @RequestParam(value = "format", required = false) String format,
            @RequestParam(value = "timeoutMs", required = false) Long timeoutMs,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.inpaint(
                        new InpaintRequest(
                                model,
                                ImageUploads.bytes(image),
                                ImageUploads.bytes(mask),
                                Boolean.TRUE.equals(invertMask)),
                        Timeouts.ofMillis(timeoutMs)),
                format,
                servletRequest,
                servletResponse);
    }

    @PostMapping(
            path = "/inpaint",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(summary = "Inpaint (JSON with base64 images)", description = DESCRIPTION)
    void inpaintJson(
            @RequestBody InpaintBody body, HttpServletRequest servletRequest, HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.inpaint(
                        new InpaintRequest(
                                body.model(),
                                ImageUploads.base64(body.image(), "image"),
                                ImageUploads.base64(body.mask(), "mask"),
                                Boolean.TRUE.equals(body.invertMask())),
                        Timeouts.ofMillis(body.timeoutMs())),
                body.format(),
                servletRequest,
                servletResponse);
    }
}
