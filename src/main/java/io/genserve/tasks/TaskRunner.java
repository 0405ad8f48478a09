package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.model.Task;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The entry point of every task: resolves the model, lets the task's codec encode the request,
 * runs it through the model's batcher and counts the outcome. Returns at once with a future; the
 * caller's thread never waits for the queue. Thread-safe.
 */
public final class TaskRunner {
    private final ModelCatalog catalog;
    private final PreparedExecutor executor;
    private final TaskMeters meters;
    private final Map<Task, TaskCodec<?, ?>> codecs = new EnumMap<>(Task.class);

    TaskRunner(ModelCatalog catalog, PreparedExecutor executor, TaskMeters meters, List<TaskCodec<?, ?>> codecs) {
        this.catalog = catalog;
        this.executor = executor;
        this.meters = meters;
        codecs.forEach(c -> this.codecs.put(c.task(), c));
    }

    public CompletableFuture<GeneratedImages> generate(GenerateRequest request, Duration timeout) {
        return run(Task.GENERATE, request.model(), "model", request, timeout);
    }

    public CompletableFuture<ImageResult> inpaint(InpaintRequest request, Duration timeout) {
        return run(Task.INPAINT, request.model(), "model", request, timeout);
    }

    public CompletableFuture<ImageResult> styleTransfer(StyleRequest request, Duration timeout) {
        return run(Task.IMAGE_TO_IMAGE, request.style(), "style", request, timeout);
    }

    @SuppressWarnings("unchecked")
    private <R, O> CompletableFuture<O> run(Task task, String modelName, String field, R request, Duration timeout) {
        long t0 = System.nanoTime();
        String tag = TaskMeters.NO_MODEL;
        // Held while the request is encoded and queued: the whole request lands on one version.
        try (ModelCatalog.Lease lease = catalog.lease(modelName, task, field)) {
            ServedModel model = lease.model();
            tag = model.name();
            checkTimeout(timeout, model);
            model.batcher()
                    .refuseIfFull(); // before decoding: under overload, decoding what is refused starves the runs
            Prepared<O> prepared = ((TaskCodec<R, O>) codecs.get(task)).prepare(request, model);
            meters.preprocess(tag, task, System.nanoTime() - t0);
            String modelTag = tag;
            CompletableFuture<O> result =
                    executor.execute(model, prepared, timeout, n -> meters.postprocess(modelTag, task, n));
            result.whenComplete((v, e) -> meters.request(modelTag, task, Outcome.of(e), System.nanoTime() - t0));
            return result;
        } catch (RuntimeException e) {
            meters.request(tag, task, Outcome.of(e), System.nanoTime() - t0);
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void checkTimeout(Duration timeout, ServedModel model) {
        Duration max = model.batcher().settings().maxTimeout();
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(max) > 0)) {
            throw new BadInputException(
                    "timeoutMs", "timeoutMs must be 1.." + max.toMillis() + ", got " + timeout.toMillis());
        }
    }

    /** Every model of the repository, in name order. */
    public List<ModelStatus> models() {
        return catalog.statuses();
    }

    public ModelStatus model(String name) {
        return catalog.status(name);
    }

    /** The generator {@code /generate} uses when a request names none, if any is ready. */
    public Optional<String> defaultGenerator() {
        return catalog.defaultModel(Task.GENERATE).map(ServedModel::name);
    }

    public boolean ready() {
        return catalog.isReady();
    }
}
