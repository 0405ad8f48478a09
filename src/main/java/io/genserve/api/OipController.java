package io.genserve.api;

import io.genserve.oip.ModelMetadata;
import io.genserve.oip.OipService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol (KServe v2) over REST: health, server and model metadata, and
 * inference with JSON tensors or the binary tensor data extension. Raw tensors go through the same
 * per-model batcher as the task endpoints. Errors are the protocol's {@code {"error": "..."}}
 * ({@link OipErrors}).
 */
@RestController
@Tag(name = "open inference protocol", description = "KServe v2 / Triton-compatible REST inference")
final class OipController {
    static final String PROTOCOL = "oip-rest";

    private final OipService oip;
    private final AsyncAnswers answers;

    OipController(OipService oip, AsyncAnswers answers) {
        this.oip = oip;
        this.answers = answers;
    }

    @GetMapping(
            path = {"/v2", "/v2/"},
            produces = "application/json")
    @Operation(summary = "Server metadata: name, version, extensions")
    OipService.ServerMetadata server() {
        return oip.serverMetadata();
    }

    @GetMapping("/v2/health/live")
    @Operation(summary = "200 while the server can answer (models do not matter)")
    ResponseEntity<Void> live() {
        return ResponseEntity.ok().build();
    }

    @GetMapping("/v2/health/ready")
    @Operation(summary = "200 once the models have loaded (as readiness counts them), else 503")
    ResponseEntity<?> ready() {
        return oip.ready()
                ? ResponseEntity.ok().build()
                : OipErrors.error(
                        HttpStatus.SERVICE_UNAVAILABLE, "models are still loading or failed; see GET /models");
    }

    @GetMapping({"/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}/ready"})
    @Operation(summary = "200 when the model (in that version) is ready, 503 when not, 404 when unknown")
    ResponseEntity<?> modelReady(@PathVariable String model, @PathVariable(required = false) String version) {
        return oip.modelReady(model, version)
                ? ResponseEntity.ok().build()
                : OipErrors.error(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "model '" + model + "'" + (version == null ? "" : " version '" + version + "'")
                                + " is not ready; see GET /models/" + model);
    }

    @GetMapping(
            path = {"/v2/models/{model}", "/v2/models/{model}/versions/{version}"},
            produces = "application/json")
    @Operation(summary = "The graph's real inputs and outputs in OIP datatypes; the manifest in parameters")
    ModelMetadata metadata(@PathVariable String model, @PathVariable(required = false) String version) {
        return oip.metadata(model, version);
    }

    @PostMapping({"/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"})
    @Operation(
            summary = "Inference on raw tensors",
            description = "JSON tensors (FP32, FP16, UINT8, INT32, INT64), or the binary tensor data extension: a JSON "
                    + "header of Inference-Header-Content-Length bytes followed by little-endian tensors. The batch axis "
                    + "is the first; each item shares the model's queue and batches with the task endpoints.")
    void infer(
            @PathVariable String model,
            @PathVariable(required = false) String version,
            @RequestBody byte[] body,
            @RequestHeader(value = OipRestBody.HEADER_LENGTH, required = false) String headerLength,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse)
            throws IOException {
        oip.metadata(model, version); // an unknown model is 404 (and one not ready 503) whatever the body says
        OipRestBody.Parsed parsed = OipRestBody.parse(model, version, body, headerLength);
        answers.answer(
                servletRequest,
                servletResponse,
                oip.infer(parsed.request(), null, PROTOCOL),
                answer -> OipRestBody.render(answer, parsed));
    }
}
