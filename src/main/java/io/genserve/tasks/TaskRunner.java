package io.genserve.tasks;

import io.genserve.batching.MemoryBudget;
import io.genserve.error.BadInputException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.TooLargeException;
import io.genserve.model.Task;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The entry point of every task: resolves the model, works out what the request will cost from
 * its images' headers (refusing at once what can never fit or cannot fit now), lets the task's
 * codec encode it, runs it through the model's batcher and counts the outcome. Returns at once
 * with a future; the caller's thread never waits for the queue. Thread-safe.
 */
public final class TaskRunner {
    private final ModelCatalog catalog;
    private final ItemDispatcher dispatcher;
    private final TaskMeters meters;
    private final MemoryBudget memory;
    private final Map<Task, TaskCodec<?, ?, ?>> codecs = new EnumMap<>(Task.class);

    TaskRunner(
            ModelCatalog catalog,
            ItemDispatcher dispatcher,
            TaskMeters meters,
            MemoryBudget memory,
            List<TaskCodec<?, ?, ?>> codecs) {
        this.catalog = catalog;
        this.dispatcher = dispatcher;
        this.meters = meters;
        this.memory = memory;
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

    public CompletableFuture<ImageResult> upscale(UpscaleRequest request, Duration timeout) {
        return run(Task.UPSCALE, request.model(), "model", request, timeout);
    }

    @SuppressWarnings("unchecked")
    private <R, O> CompletableFuture<O> run(Task task, String modelName, String field, R request, Duration timeout) {
        return run((TaskCodec<R, ?, O>) codecs.get(task), modelName, field, request, timeout);
    }

    /** encode → the model's batcher → decode, each step timed. */
    private <R, C, O> CompletableFuture<O> run(
            TaskCodec<R, C, O> codec, String modelName, String field, R request, Duration timeout) {
        long t0 = System.nanoTime();
        Task task = codec.task();
        String tag = TaskMeters.NO_MODEL;
        MemoryBudget.Reservation decoding = null;
        try {
            ServedModel model = catalog.require(modelName, task, field);
            tag = model.name();
            checkTimeout(timeout, model);
            model.batcher()
                    .refuseIfFull(); // before decoding: under overload, decoding what is refused starves the runs
            Cost cost = codec.cost(request, model);
            checkFits(cost, model, field(task));
            decoding = reserve(cost);
            TaskCodec.Encoded<C> encoded = codec.encode(request, model);
            meters.preprocess(tag, task, System.nanoTime() - t0);
            String modelTag = tag;
            CompletableFuture<O> result = dispatcher.dispatch(
                    model,
                    encoded.items(),
                    timeout,
                    outputs -> codec.decode(encoded.context(), outputs),
                    n -> meters.postprocess(modelTag, task, n));
            MemoryBudget.Reservation held = decoding;
            result.whenComplete((v, e) -> {
                held.close(); // the decoded images live in the encoding's context until the answer is complete
                meters.request(modelTag, task, Outcome.of(e), System.nanoTime() - t0);
            });
            return result;
        } catch (RuntimeException | OutOfMemoryError e) {
            if (decoding != null) {
                decoding.close();
            }
            RuntimeException failure = e instanceof OutOfMemoryError oom
                    ? MemoryExhaustedException.whileServing("preparing this request", oom)
                    : (RuntimeException) e;
            meters.request(tag, task, Outcome.of(failure), System.nanoTime() - t0);
            return CompletableFuture.failedFuture(failure);
        }
    }

    /** The field a task's images come in, named when they are too large. */
    private static String field(Task task) {
        return task == Task.GENERATE ? "count" : "image";
    }

    /** Refuses with 413, before anything is decoded, a request that could not fit even into an idle service. */
    private void checkFits(Cost cost, ServedModel model, String field) {
        int queue = model.batcher().settings().maxQueueSize();
        if (cost.items() > queue) {
            throw new TooLargeException(
                    field,
                    "genserve.batching.max-queue-size",
                    "the request needs " + cost.items() + " runs of model '" + model.name() + "' (tiles or images), "
                            + "more than its queue holds (" + queue + ", genserve.batching.max-queue-size or the "
                            + "manifest's batching.max-queue-size); send a smaller image");
        }
        if (!memory.canEverHold(cost.totalBytes())) {
            throw new TooLargeException(
                    field,
                    "genserve.batching.max-queued-memory",
                    "the request needs about " + mib(cost.totalBytes()) + " MiB of memory to decode and run, more than "
                            + "the " + mib(memory.limitBytes()) + " MiB all requests in progress may hold together "
                            + "(genserve.batching.max-queued-memory); send a smaller image");
        }
    }

    /** The heap its decoding needs, reserved before decoding; 503 when requests in progress hold it now. */
    private MemoryBudget.Reservation reserve(Cost cost) {
        MemoryBudget.Reservation r = memory.tryReserve(cost.decodeBytes());
        if (r == null) {
            throw new MemoryExhaustedException(
                    "requests in progress hold " + mib(memory.usedBytes()) + " of the " + mib(memory.limitBytes())
                            + " MiB they may (genserve.batching.max-queued-memory); this one needs "
                            + mib(cost.decodeBytes()) + " MiB to decode; retry later",
                    MemoryExhaustedException.RETRY_AFTER,
                    null);
        }
        return r;
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
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

    /** The upscaler {@code /upscale} uses when a request names none, if any is ready. */
    public Optional<String> defaultUpscaler() {
        return catalog.defaultModel(Task.UPSCALE).map(ServedModel::name);
    }

    public boolean ready() {
        return catalog.isReady();
    }
}
