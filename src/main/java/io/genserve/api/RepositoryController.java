package io.genserve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.genserve.model.ModelState;
import io.genserve.tasks.LoadOutcome;
import io.genserve.tasks.ModelManagement;
import io.genserve.tasks.ModelStatus;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Triton's model repository extension: list, load (also reload and replace), unload. Exists only
 * with {@code genserve.management.enabled}; every request needs the bearer token
 * ({@link BearerTokenCheck}). Errors are the protocol's {@code {"error": "..."}} ({@link OipErrors}).
 * The calls block until done: a replacement answers once the new version serves and the old one
 * is closed.
 */
@RestController
@ConditionalOnBooleanProperty("genserve.management.enabled")
@Tag(name = "model management", description = "Load, replace and unload models while serving (bearer token)")
final class RepositoryController {
    private final ModelManagement management;

    RepositoryController(ModelManagement management) {
        this.management = management;
    }

    /** Triton's index request: {@code ready: true} lists only the ready models. */
    record IndexRequest(Boolean ready) {}

    /** One model as Triton's index lists it; state READY, LOADING, UNLOADING or UNAVAILABLE (the reason says why). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IndexEntry(String name, String version, String state, String reason) {
        static IndexEntry of(ModelStatus s) {
            return new IndexEntry(
                    s.name(), s.served() == null ? null : s.served().version(), tritonState(s.state()), s.reason());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LoadAnswer(
            String name,
            String version,
            String state,
            @JsonProperty("previous_version") String previousVersion,
            boolean changed) {}

    record UnloadAnswer(String name, String state) {}

    static String tritonState(ModelState state) {
        return switch (state) {
            case READY -> "READY";
            case LOADING -> "LOADING";
            case UNLOADING -> "UNLOADING";
            case FAILED, UNLOADED -> "UNAVAILABLE";
        };
    }

    @PostMapping(path = "/v2/repository/index", produces = "application/json")
    @Operation(summary = "Every model of the repository with its version, state and reason")
    List<IndexEntry> index(@RequestBody(required = false) IndexRequest request) {
        boolean readyOnly = request != null && Boolean.TRUE.equals(request.ready());
        return management.index().stream()
                .filter(s -> !readyOnly || s.state() == ModelState.READY)
                .map(IndexEntry::of)
                .toList();
    }

    @PostMapping(path = "/v2/repository/models/{model}/load", produces = "application/json")
    @Operation(
            summary = "Load a model from its folder, or replace the serving version with the folder's",
            description =
                    "The new version loads and warms up while the old one serves; then requests switch to it, "
                            + "and the old one closes after its last run. A version that fails leaves the old one serving (400).")
    LoadAnswer load(@PathVariable String model) {
        LoadOutcome o = management.load(model);
        return new LoadAnswer(
                model,
                o.status().served() == null ? null : o.status().served().version(),
                tritonState(o.status().state()),
                o.previousVersion(),
                o.changed());
    }

    @PostMapping(path = "/v2/repository/models/{model}/unload", produces = "application/json")
    @Operation(summary = "Unload a model: requests already accepted finish, new ones get 503")
    UnloadAnswer unload(@PathVariable String model) {
        return new UnloadAnswer(model, tritonState(management.unload(model).state()));
    }
}
