package io.genserve.tasks;

import io.genserve.model.EnumNames;
import io.genserve.model.Task;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Request-level meters, tagged by model, task and outcome only (never seeds, prompts or ids).
 * Model tags come from the repository, so they are bounded; requests for unknown models are
 * tagged {@code model="none"}. {@link ModelCatalog} removes a model's meters when it unloads.
 */
@Component
final class TaskMeters {
    static final String NO_MODEL = "none";
    private final MeterRegistry registry;

    TaskMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void request(String model, Task task, Outcome outcome, long nanos) {
        Counter.builder("genserve.requests")
                .tag("model", model)
                .tag("task", EnumNames.of(task))
                .tag("outcome", outcome.tag())
                .description("Requests answered, by outcome")
                .register(registry)
                .increment();
        Timer.builder("genserve.request.duration")
                .tag("model", model)
                .tag("task", EnumNames.of(task))
                .description("End-to-end time of a request inside the service, decoding to encoding")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void preprocess(String model, Task task, long nanos) {
        Timer.builder("genserve.preprocess")
                .tag("model", model)
                .tag("task", EnumNames.of(task))
                .description("Decoding, validating and encoding a request into tensors")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void postprocess(String model, Task task, long nanos) {
        Timer.builder("genserve.postprocess")
                .tag("model", model)
                .tag("task", EnumNames.of(task))
                .description("Decoding outputs into images and compositing them")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
