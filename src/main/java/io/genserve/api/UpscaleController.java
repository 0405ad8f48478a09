package io.genserve.api;

import io.genserve.tasks.TaskRunner;
import io.genserve.tasks.UpscaleRequest;
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
@Tag(name = "upscale", description = "Enlarge an image with a super-resolution model")
final class UpscaleController {
    private static final String DESCRIPTION = "The answer is exactly the input's size times the scale (301x203 at"
            + " x4: 1204x812), or times outscale. Large images and fixed-size models are cut into overlapping"
            + " tiles, batched, and blended without seams. An answer larger than genserve.upscale.max-output-pixels"
            + " is refused from the image header, before any work. GET /models lists the upscalers and their scales.";

    private final TaskRunner tasks;
    private final ImageTaskAnswers images;

    UpscaleController(TaskRunner tasks, ImageTaskAnswers images) {
        this.tasks = tasks;
        this.images = images;
    }

    @Schema(description = "Upscale request with a base64 or data-URI image")
    record UpscaleBody(
            @Schema(description = "PNG/JPEG as base64 or data URI", requiredMode = Schema.RequiredMode.REQUIRED)
            String image,

            @Schema(
                    description = "The upscale model; default: the repository's default upscaler",
                    example = "photo-upscale")
            String model,

            @Schema(
                    description = "The factor, for models that take it at run time (GET /models lists scales)",
                    example = "2")
            Integer scale,

            @Schema(
                    description = "Resize the model's answer to this factor of the input (Real-ESRGAN's --outscale)",
                    example = "1.5")
            Double outscale,

            @Schema(description = "png or jpeg", example = "png")
            String format,

            @Schema(description = "Deadline in milliseconds")
            Long timeoutMs) {}

    @PostMapping(
            path = "/upscale",
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(
            summary = "Upscale (multipart upload)",
            description = DESCRIPTION,
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The upscaled image",
                        content = @Content(mediaType = "image/png")),
                @ApiResponse(
                        responseCode = "400",
                        description = "Bad input: a scale the model does not take, an answer over the size limit, a"
                                + " model that is not an upscaler",
                        content = @Content(mediaType = "application/problem+json"))
            })
    void upscaleMultipart(
            @RequestPart(value = "image", required = false) MultipartFile image,
            @RequestParam(value = "model", required = false) String model,
            @RequestParam(value = "scale", required = false) Integer scale,
            @RequestParam(value = "outscale", required = false) Double outscale,
            @RequestParam(value = "format", required = false) String format,
            @RequestParam(value = "timeoutMs", required = false) Long timeoutMs,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.upscale(
                        new UpscaleRequest(model, ImageUploads.bytes(image), scale, outscale),
                        Timeouts.ofMillis(timeoutMs)),
                format,
                servletRequest,
                servletResponse);
    }

    @PostMapping(
            path = "/upscale",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(summary = "Upscale (JSON with a base64 image)", description = DESCRIPTION)
    void upscaleJson(
            @RequestBody UpscaleBody body, HttpServletRequest servletRequest, HttpServletResponse servletResponse)
            throws IOException {
        images.answer(
                () -> tasks.upscale(
                        new UpscaleRequest(
                                body.model(),
                                ImageUploads.base64(body.image(), "image"),
                                body.scale(),
                                body.outscale()),
                        Timeouts.ofMillis(body.timeoutMs())),
                body.format(),
                servletRequest,
                servletResponse);
    }
}
