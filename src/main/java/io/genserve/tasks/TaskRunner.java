package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.Task;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The entry point of every task: resolves the model, lets the task's codec encode the request,
 * runs it through the model's batcher and counts the outcome. Returns at once with a future; the
 * caller's thread never waits for the queue. Thread-safe.
 */
public final class TaskRunner {
    /** The {@code task} tag of raw-tensor requests. */
    static final String INFER = "infer";
    /** The {@code protocol} tag of the task endpoints (/generate, /inpaint, /style-transfer). */
    static final String TASK_API = "genserve";

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

    /**
     * Raw tensors through the model's batcher, as the Open Inference Protocol asks: a batch of N
     * becomes N items in the same queues, under the same limits and deadlines, as the task
     * endpoints' items.
     *
     * @param protocol the {@code protocol} tag of the request meters, e.g. {@code oip-rest}
     */
    public CompletableFuture<TensorAnswer> infer(TensorRequest request, Duration timeout, String protocol) {
        return run(null, INFER, request.model(), "model", protocol, timeout, model -> {
            if (request.version() != null && !request.version().equals(model.version())) {
                throw new UnknownModelException(
                        model.name(),
                        "model '" + model.name() + "' has no version '" + request.version() + "'; it serves version "
                                + model.version(),
                        List.of(model.version()));
            }
            return TensorCodec.prepare(request, model);
        });
    }

    @SuppressWarnings("unchecked")
    private <R, O> CompletableFuture<O> run(Task task, String modelName, String field, R request, Duration timeout) {
        TaskCodec<R, O> codec = (TaskCodec<R, O>) codecs.get(task);
        return run(
                task, EnumNames.of(task), modelName, field, TASK_API, timeout, model -> codec.prepare(request, model));
    }

    /**
     * @param task the task the model must serve, or null for any (raw tensors)
     * @param prepare encodes the request for the model version it got
     */
    private <O> CompletableFuture<O> run(
            Task task,
            String taskTag,
            String modelName,
            String field,
            String protocol,
            Duration timeout,
            Function<ServedModel, Prepared<O>> prepare) {
        long t0 = System.nanoTime();
        String tag = TaskMeters.NO_MODEL;
        // Held while the request is encoded and queued: the whole request lands on one version.
        try (ModelCatalog.Lease lease = catalog.lease(modelName, task, field)) {
            ServedModel model = lease.model();
            tag = model.name();
            checkTimeout(timeout, model);
            model.batcher()
                    .refuseIfFull(); // before decoding: under overload, decoding what is refused starves the runs
            Prepared<O> prepared = prepare.apply(model);
            meters.preprocess(tag, taskTag, System.nanoTime() - t0);
            String modelTag = tag;
            CompletableFuture<O> result =
                    executor.execute(model, prepared, timeout, n -> meters.postprocess(modelTag, taskTag, n));
            result.whenComplete(
                    (v, e) -> meters.request(modelTag, taskTag, protocol, Outcome.of(e), System.nanoTime() - t0));
            return result;
        } catch (RuntimeException e) {
            meters.request(tag, taskTag, protocol, Outcome.of(e), System.nanoTime() - t0);
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
