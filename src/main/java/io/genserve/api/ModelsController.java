package io.genserve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.genserve.batching.BatchSettings;
import io.genserve.model.EnumNames;
import io.genserve.model.ModelManifest;
import io.genserve.model.ModelState;
import io.genserve.model.Task;
import io.genserve.model.TensorInfo;
import io.genserve.tasks.ModelStatus;
import io.genserve.tasks.ServedModel;
import io.genserve.tasks.TaskRunner;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "models", description = "What the repository holds and in which state")
final class ModelsController {
    private final TaskRunner tasks;

    ModelsController(TaskRunner tasks) {
        this.tasks = tasks;
    }

    record ModelsJson(List<ModelJson> models, List<String> styles, String defaultGenerator) {}

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
            List<String> assumptions,
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
        List<String> styles = all.stream()
                .filter(s -> isReady(s, Task.IMAGE_TO_IMAGE))
                .map(ModelStatus::name)
                .toList();
        return new ModelsJson(
                all.stream().map(s -> view(s, false)).toList(),
                styles,
                tasks.defaultGenerator().orElse(null));
    }

    @GetMapping("/models/{name}")
    @Operation(summary = "One model: task, state, provider, signature, manifest, classes and its model card")
    ModelJson one(@PathVariable String name) {
        return view(tasks.model(name), true);
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
                m.assumptions().isEmpty() ? null : m.assumptions(),
                new SignatureJson(
                        TensorJson.of(m.signature().inputs()),
                        TensorJson.of(m.signature().outputs())),
                manifest,
                m.batcher().settings(),
                loadMs,
                withCard ? m.card() : null);
    }
}
