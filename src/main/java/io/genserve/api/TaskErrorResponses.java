package io.genserve.api;

import io.genserve.edge.ProblemResponses;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * The error answers of the task endpoints in the OpenAPI document. springdoc sees only what a
 * handler returns, while the problems come from {@link ProblemMapper}: each status a task can
 * answer, as application/problem+json with the service's problem type and an example.
 */
final class TaskErrorResponses implements OpenApiCustomizer {
    static final List<String> TASK_PATHS = List.of("/generate", "/inpaint", "/style-transfer", "/upscale");

    /** @param detail an example detail, or null where it depends too much on the request */
    private record Error(String status, String type, String description, String detail) {}

    private static final List<Error> ERRORS = List.of(
            new Error("400", "bad-input", "Bad input: a missing, malformed or unknown field, named in `field`", null),
            new Error("404", "unknown-model", "No model of that name", null),
            new Error(
                    "406",
                    "not-acceptable",
                    "The Accept header allows none of image/png, image/jpeg and application/json",
                    null),
            new Error(
                    "413",
                    "too-large",
                    "An image or the body exceeds a limit, named in `limit`",
                    "'image' is 9000x9000; the limit is 8192 pixels per side (genserve.imaging.max-side)"),
            new Error(
                    "429",
                    "overloaded",
                    "The model's queue is full (genserve.api.overload-status: too-many-requests, the default);"
                            + " retry after Retry-After",
                    null),
            new Error(
                    "503",
                    "model-not-ready",
                    "The model is loading or failed, the queue is full, or the memory budget is spent (also"
                            + " overloaded, memory-exhausted); retry after Retry-After",
                    null),
            new Error(
                    "504",
                    "deadline-exceeded",
                    "The request's deadline (timeoutMs) passed before its answer was ready",
                    "request to model 'fashion-gan' exceeded its deadline of 250 ms while queued; it was never run"));

    @Override
    public void customise(OpenAPI openApi) {
        openApi.getComponents().addSchemas("Problem", problemSchema());
        for (String path : TASK_PATHS) {
            PathItem item =
                    openApi.getPaths() == null ? null : openApi.getPaths().get(path);
            Operation post = item == null ? null : item.getPost();
            if (post == null) {
                continue;
            }
            if (post.getResponses() == null) {
                post.setResponses(new ApiResponses());
            }
            for (Error e : ERRORS) {
                post.getResponses().addApiResponse(e.status(), response(e, path));
            }
        }
    }

    private static ApiResponse response(Error e, String path) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", "urn:genserve:problem:" + e.type());
        example.put("title", ProblemResponses.title(e.type(), Integer.parseInt(e.status())));
        example.put("status", Integer.parseInt(e.status()));
        if (e.detail() != null) {
            example.put("detail", e.detail()); // the service's own wording, where it does not vary
        }
        example.put("instance", path);
        MediaType problem = new MediaType()
                .schema(new Schema<>().$ref("#/components/schemas/Problem"))
                .example(example);
        return new ApiResponse()
                .description(e.description())
                .content(new Content().addMediaType("application/problem+json", problem));
    }

    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem details")
                .addProperty("type", new StringSchema().example("urn:genserve:problem:bad-input"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .addProperty("field", new StringSchema().description("the request field at fault (400, 413)"))
                .addProperty("model", new StringSchema().description("the model concerned (404, 429, 503, 504)"))
                .addProperty("limit", new StringSchema().description("the setting whose limit was exceeded (413)"));
    }
}
