package io.genserve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.genserve.batching.BatchSettings;
import io.genserve.error.ModelNotReadyException;
import io.genserve.model.Choice;
import io.genserve.model.EnumNames;
import io.genserve.model.ManifestWriter;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelState;
import io.genserve.model.Task;
import io.genserve.model.TensorInfo;
import io.genserve.tasks.ModelStatus;
import io.genserve.tasks.ServedModel;
import io.genserve.tasks.TaskRunner;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "models", description = "What the repository holds and in which state")
final class ModelsController {
    static final String YAML = "application/yaml";

    private final TaskRunner tasks;
    private final ManifestWriter writer = new ManifestWriter();

    ModelsController(TaskRunner tasks) {
        this.tasks = tasks;
    }

    record ModelsJson(
            List<ModelJson> models,
            List<String> styles,
            String defaultGenerator,
            List<String> upscalers,
            String defaultUpscaler) {}

    record TensorJson(String name, String type, long[] shape) {
        static List<TensorJson> of(List<TensorInfo> tensors) {
            return tensors.stream()
                    .map(t ->
                            new TensorJson(t.name(), t.elementType(), t.shape().getShape()))
                    .toList();
        }
    }

    record SignatureJson(List<TensorJson> inputs, List<TensorJson> outputs) {}

    /** One model; fields that do not apply to its state or task are left out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelJson(
            String name,
            String version,
            String task,
            String state,
            String reason,
            String provider,
            String description,
            List<String> classes,
            Integer scale,
            List<Integer> scales,
            List<Choice> choices,
            SignatureJson signature,
            ModelManifest manifest,
            BatchSettings batching,
            Long loadTimeMs,
            String card) {}

    @GetMapping("/models")
    @Operation(
            summary = "List every model of the repository",
            description =
                    "Loaded and failed models (with the reason), the styles /style-transfer accepts and the default generator.")
    ModelsJson list() {
        List<ModelStatus> all = tasks.models();
        return new ModelsJson(
                all.stream().map(s -> view(s, false)).toList(),
                names(all, Task.IMAGE_TO_IMAGE),
                tasks.defaultGenerator().orElse(null),
                names(all, Task.UPSCALE),
                tasks.defaultUpscaler().orElse(null));
    }

    private static List<String> names(List<ModelStatus> all, Task task) {
        return all.stream().filter(s -> isReady(s, task)).map(ModelStatus::name).toList();
    }

    @GetMapping("/models/{name}")
    @Operation(
            summary = "One model: task, state, provider, signature, manifest, classes and its model card",
            description = "choices lists what was chosen for a model without a manifest (and what was measured for "
                    + "one with), each with its evidence, e.g. \"output max 336 on the calibration image → range "
                    + "[0, 255]\".")
    ModelJson one(@PathVariable String name) {
        return view(tasks.model(name), true);
    }

    @GetMapping(path = "/models/{name}/manifest", produces = YAML)
    @Operation(
            summary = "The manifest in force, as genserve.yaml",
            description = "Written or derived by probing, with everything settled at load (scale, ranges); save it"
                    + " as the model folder's genserve.yaml to keep or edit it. 503 while the model is not ready.",
            responses = {
                @ApiResponse(responseCode = "200", description = "The manifest", content = @Content(mediaType = YAML)),
                @ApiResponse(
                        responseCode = "404",
                        description = "Unknown model",
                        content = @Content(mediaType = "application/problem+json"))
            })
    ResponseEntity<String> manifest(@PathVariable String name) {
        ModelStatus s = tasks.model(name);
        if (s.served() == null) {
            throw new ModelNotReadyException(name, EnumNames.of(s.state()), s.reason());
        }
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(YAML))
                .body(writer.write(s.served().manifest()));
    }

    private static boolean isReady(ModelStatus s, Task task) {
        return s.state() == ModelState.READY && s.served().manifest().task() == task;
    }

    private static ModelJson view(ModelStatus s, boolean withCard) {
        ServedModel m = s.served();
        Long loadMs = s.loadTime() == null ? null : s.loadTime().toMillis();
        if (m == null) {
            return new ModelJson(
                    s.name(),
                    null,
                    null,
                    EnumNames.of(s.state()),
                    s.reason(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    loadMs,
                    null);
        }
        ModelManifest manifest = m.manifest();
        return new ModelJson(
                s.name(),
                m.version(),
                EnumNames.of(manifest.task()),
                EnumNames.of(s.state()),
                s.reason(),
                m.provider().name().toLowerCase(java.util.Locale.ROOT),
                manifest.description(),
                manifest.classes().isEmpty() ? null : manifest.classes(),
                manifest.scale(),
                manifest.scales(),
                m.choices().isEmpty() ? null : m.choices(),
                new SignatureJson(
                        TensorJson.of(m.signature().inputs()),
                        TensorJson.of(m.signature().outputs())),
                manifest,
                m.batcher().settings(),
                loadMs,
                withCard ? m.card() : null);
    }
}
