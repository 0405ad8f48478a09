package io.genserve.api;

import io.genserve.imaging.ImageFormat;
import io.genserve.tasks.GenerateRequest;
import io.genserve.tasks.TaskRunner;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "generate", description = "Images from noise, a seed and optionally a class")
final class GenerateController {
    private final TaskRunner tasks;
    private final ImageResponses responses;
    private final AsyncAnswers answers;

    GenerateController(TaskRunner tasks, ImageResponses responses, AsyncAnswers answers) {
        this.tasks = tasks;
        this.responses = responses;
        this.answers = answers;
    }

    @Schema(description = "What to generate; every field is optional")
    record GenerateBody(
            @Schema(
                    description = "Generator to use; default: the repository's default generator",
                    example = "fashion-gan")
            String model,

            @Schema(description = "Images to generate, 1..64", example = "1", defaultValue = "1")
            Integer count,

            @Schema(
                    description = "Seed of the first image; image i gets seed + i. Same seed, same bytes",
                    example = "42")
            Long seed,

            @Schema(description = "Class name or index, for conditional generators", example = "sneaker")
            String label,

            @Schema(
                    description = "Free text naming one of the classes, instead of label",
                    example = "a pair of ankle boots")
            String prompt,

            @Schema(
                    description =
                            "Truncation trick: resample latent values beyond this magnitude (models that allow it)",
                    example = "0.7")
            Double truncation,

            @Schema(description = "png or jpeg", example = "png", defaultValue = "png")
            String format,

            @Schema(description = "Deadline in milliseconds, queue and run together", example = "10000")
            Long timeoutMs) {
        static final GenerateBody EMPTY = new GenerateBody(null, null, null, null, null, null, null, null);
    }

    @PostMapping(
            path = "/generate",
            produces = {ImageResponses.PNG, ImageResponses.JPEG, ImageResponses.JSON})
    @Operation(
            summary = "Generate images",
            description =
                    "One image comes back as image/png (or image/jpeg) with Genserve-Model, Genserve-Seed and Genserve-Label "
                            + "headers; several images, or Accept: application/json, come back as JSON with base64 images.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            content =
                                    @Content(
                                            mediaType = "application/json",
                                            examples = {
                                                @ExampleObject(
                                                        name = "one sneaker",
                                                        value = "{\"label\": \"sneaker\", \"seed\": 42}"),
                                                @ExampleObject(
                                                        name = "four from a prompt",
                                                        value =
                                                                "{\"prompt\": \"ankle boot\", \"count\": 4, \"seed\": 7}")
                                            })),
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The image(s)",
                        content = {
                            @Content(mediaType = "image/png"),
                            @Content(
                                    mediaType = "application/json",
                                    schema = @Schema(implementation = ImageResponses.GenerateJson.class))
                        }),
                @ApiResponse(
                        responseCode = "400",
                        description = "Bad input: the problem names the field",
                        content =
                                @Content(
                                        mediaType = "application/problem+json",
                                        examples =
                                                @ExampleObject(
                                                        value =
                                                                "{\"type\":\"urn:genserve:problem:bad-input\",\"title\":\"Bad input\",\"status\":400,"
                                                                        + "\"detail\":\"count must be 1..64, got 0\",\"field\":\"count\"}"))),
                @ApiResponse(
                        responseCode = "404",
                        description = "Unknown model",
                        content = @Content(mediaType = "application/problem+json")),
                @ApiResponse(
                        responseCode = "429",
                        description = "The model's queue is full; see Retry-After",
                        content = @Content(mediaType = "application/problem+json")),
                @ApiResponse(
                        responseCode = "504",
                        description = "The request's deadline passed",
                        content = @Content(mediaType = "application/problem+json"))
            })
    void generate(
            @RequestBody(required = false) GenerateBody body,
            @RequestHeader(value = "Accept", required = false) String accept,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse)
            throws IOException {
        GenerateBody b = body == null ? GenerateBody.EMPTY : body;
        ImageFormat format = ImageResponses.format(b.format(), accept);
        GenerateRequest request = new GenerateRequest(
                b.model(), b.count() == null ? 1 : b.count(), b.seed(), b.label(), b.prompt(), b.truncation());
        // Written as soon as the images are ready, without an async dispatch (see AsyncAnswers).
        answers.answer(
                servletRequest,
                servletResponse,
                tasks.generate(request, Timeouts.ofMillis(b.timeoutMs())),
                result -> responses.generated(result, format, ImageResponses.wantsJson(accept)));
    }
}
