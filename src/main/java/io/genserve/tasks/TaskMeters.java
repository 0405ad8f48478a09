package io.genserve.tasks;

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

    /**
     * @param task a task's name, or {@code infer} for raw tensors
     * @param protocol {@code genserve} (the task endpoints), {@code oip-rest} or {@code oip-grpc}
     */
    void request(String model, String task, String protocol, Outcome outcome, long nanos) {
        Counter.builder("genserve.requests")
                .tag("model", model)
                .tag("task", task)
                .tag("protocol", protocol)
                .tag("outcome", outcome.tag())
                .description("Requests answered, by outcome")
                .register(registry)
                .increment();
        Timer.builder("genserve.request.duration")
                .tag("model", model)
                .tag("task", task)
                .tag("protocol", protocol)
                .description("End-to-end time of a request inside the service, decoding to encoding")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void preprocess(String model, String task, long nanos) {
        Timer.builder("genserve.preprocess")
                .tag("model", model)
                .tag("task", task)
                .description("Decoding, validating and encoding a request into tensors")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void postprocess(String model, String task, long nanos) {
        Timer.builder("genserve.postprocess")
                .tag("model", model)
                .tag("task", task)
                .description("Decoding outputs into images and compositing them")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
