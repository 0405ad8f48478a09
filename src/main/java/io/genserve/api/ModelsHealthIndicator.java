package io.genserve.api;

import io.genserve.model.EnumNames;
import io.genserve.tasks.ModelStatus;
import io.genserve.tasks.TaskRunner;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code models} health: UP once every model has loaded and passed its warm-up (or, without
 * strict readiness, once none is still loading); the details give each model's state and reason.
 * Part of the readiness group, not of liveness: a failed model is no reason to restart the pod.
 */
@Component("models")
final class ModelsHealthIndicator implements HealthIndicator {
    private final TaskRunner tasks;

    ModelsHealthIndicator(TaskRunner tasks) {
        this.tasks = tasks;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        for (ModelStatus s : tasks.models()) {
            details.put(
                    s.name(),
                    s.reason() == null ? EnumNames.of(s.state()) : EnumNames.of(s.state()) + ": " + s.reason());
        }
        return (tasks.ready() ? Health.up() : Health.outOfService())
                .withDetails(details)
                .build();
    }
}
