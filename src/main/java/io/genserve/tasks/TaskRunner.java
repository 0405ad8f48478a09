package io.genserve.tasks;

import io.genserve.batching.MemoryBudget;
import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.TooLargeException;
import io.genserve.error.UnknownModelException;
import io.genserve.model.EnumNames;
import io.genserve.model.Task;
import io.genserve.runtime.HeapTensor;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The entry point of every task and of raw tensors: leases the model version, works out what the
 * request will cost from its fields and its images' headers (refusing at once what can never fit
 * or cannot fit now), encodes it, runs it through the model's batcher, decodes the answer and
 * counts the outcome. Returns at once with a future; the caller's thread never waits for the
 * queue. Thread-safe.
 */
public final class TaskRunner {
    /** The {@code task} tag of raw-tensor requests. */
    static final String INFER = "infer";
    /** The {@code protocol} tag of the task endpoints (/generate, /inpaint, /style-transfer, /upscale). */
    static final String TASK_API = "genserve";

    private final ModelCatalog catalog;
    private final ItemDispatcher dispatcher;
    private final TaskMeters meters;
    private final MemoryBudget memory;
    private final Executor preprocessing;
    private final Map<Task, TaskCodec<?, ?, ?>> codecs = new EnumMap<>(Task.class);

    TaskRunner(
            ModelCatalog catalog,
            ItemDispatcher dispatcher,
            TaskMeters meters,
            MemoryBudget memory,
            Executor preprocessing,
            List<TaskCodec<?, ?, ?>> codecs) {
        this.catalog = catalog;
        this.dispatcher = dispatcher;
        this.meters = meters;
        this.memory = memory;
        this.preprocessing = preprocessing;
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
            return TensorCodec.work(request, model);
        });
    }

    /**
     * What one request does on the model version it got: what it will cost (nothing decoded yet),
     * then its items and how their outputs make the answer.
     */
    interface Work<O> {
        Cost cost();

        Encoding<O> encode();
    }

    /** Items of a batch axis of 1, and the step that reads their outputs (in item order) into the answer. */
    record Encoding<O>(List<Map<String, HeapTensor>> items, Function<List<Map<String, HeapTensor>>, O> decode) {}

    @SuppressWarnings("unchecked")
    private <R, O> CompletableFuture<O> run(Task task, String modelName, String field, R request, Duration timeout) {
        TaskCodec<R, Object, O> codec = (TaskCodec<R, Object, O>) codecs.get(task);
        return run(task, EnumNames.of(task), modelName, field, TASK_API, timeout, model -> new Work<O>() {
            @Override
            public Cost cost() {
                return codec.cost(request, model);
            }

            @Override
            public Encoding<O> encode() {
                TaskCodec.Encoded<Object> encoded = codec.encode(request, model);
                return new Encoding<>(encoded.items(), outputs -> codec.decode(encoded.context(), outputs));
            }
        });
    }

    /**
     * encode → the model's batcher → decode, each step timed. What the request will cost is
     * worked out (and refused) on the caller's thread; images are decoded and encoded on the
     * preprocessing pool (see {@link #decodesImages}).
     *
     * @param task the task the model must serve, or null for any (raw tensors)
     * @param work the request's work on the model version it got
     */
    private <O> CompletableFuture<O> run(
            Task task,
            String taskTag,
            String modelName,
            String field,
            String protocol,
            Duration timeout,
            Function<ServedModel, Work<O>> work) {
        long t0 = System.nanoTime();
        String tag = TaskMeters.NO_MODEL;
        MemoryBudget.Reservation decoding = null;
        // Held while the request is encoded and queued: the whole request lands on one version.
        ModelCatalog.Lease lease = null;
        try {
            lease = catalog.lease(modelName, task, field);
            ServedModel model = lease.model();
            tag = model.name();
            checkTimeout(timeout, model);
            // Before decoding: under overload, decoding what is refused anyway starves the runs.
            model.batcher().refuseIfFull(timeout);
            Work<O> w = work.apply(model);
            Cost cost = w.cost();
            checkFits(cost, model, task == Task.GENERATE ? "count" : task == null ? "inputs" : "image");
            decoding = reserve(cost);
            Admitted<O> admitted = new Admitted<>(lease, decoding, model, w, taskTag, protocol, timeout, t0);
            lease = null;
            decoding = null;
            if (!decodesImages(task)) {
                return admitted.encodeAndDispatch(0);
            }
            CompletableFuture<O> result = new CompletableFuture<>();
            long handedOver = System.nanoTime();
            try {
                preprocessing.execute(() -> admitted.encodeAndDispatch(System.nanoTime() - handedOver)
                        .whenComplete((v, e) -> {
                            if (e == null) {
                                result.complete(v);
                            } else {
                                result.completeExceptionally(Outcome.unwrap(e));
                            }
                        }));
            } catch (RejectedExecutionException e) { // shutting down
                return admitted.fail(e);
            }
            result.whenComplete((v, e) -> {
                if (e != null) {
                    admitted.cancel(); // the client went away (or the request failed): no run for it
                }
            });
            return result;
        } catch (RuntimeException | OutOfMemoryError e) {
            return failed(e, "preparing this request", lease, decoding, tag, taskTag, protocol, t0);
        }
    }

    /**
     * Whether a task's encoding decodes images: PNG/JPEG decoding, resizing and tiling cost
     * milliseconds of CPU, and run on the preprocessing pool, at inference's priority, rather than
     * on the API's request threads, which run at a low one (genserve.http.request-thread-nice) so
     * that refusing a flood cannot starve the runs. Decoded there, admitted requests would queue
     * for the CPU behind the very refusals that protect them. Generation (seeds to latents) and
     * raw tensors (parsed already) encode in microseconds: a thread hop would cost them more
     * than it saves.
     */
    private static boolean decodesImages(Task task) {
        return task != null && task != Task.GENERATE;
    }

    /** A request that passed its checks: holds its model version until its items are queued, its decoding memory until it is answered. */
    private final class Admitted<O> {
        private final ModelCatalog.Lease lease;
        private final MemoryBudget.Reservation decoding;
        private final ServedModel model;
        private final Work<O> work;
        private final String taskTag;
        private final String protocol;
        private final Duration timeout;
        private final long t0;
        private volatile CompletableFuture<O> dispatched;
        private volatile boolean cancelled;

        Admitted(
                ModelCatalog.Lease lease,
                MemoryBudget.Reservation decoding,
                ServedModel model,
                Work<O> work,
                String taskTag,
                String protocol,
                Duration timeout,
                long t0) {
            this.lease = lease;
            this.decoding = decoding;
            this.model = model;
            this.work = work;
            this.taskTag = taskTag;
            this.protocol = protocol;
            this.timeout = timeout;
            this.t0 = t0;
        }

        /**
         * Never throws: a failure is the returned future's. Closes the lease once the items are
         * queued. The time it waited for a preprocessing thread comes out of its deadline: the
         * deadline is the client's, and a wait there is a wait like any other.
         *
         * @param waitedNanos how long it waited for a preprocessing thread (0: it did not)
         */
        CompletableFuture<O> encodeAndDispatch(long waitedNanos) {
            String tag = model.name();
            try {
                if (cancelled) { // gone while it waited for the pool: nothing to decode
                    return failed(new CancellationException(), "", lease, decoding, tag, taskTag, protocol, t0);
                }
                Duration deadline = model.batcher().deadline(timeout);
                Duration left = deadline.minusNanos(waitedNanos);
                if (left.isNegative() || left.isZero()) { // it waited out its deadline there: never decoded, never run
                    DeadlineExceededException late = new DeadlineExceededException(tag, deadline, false);
                    return failed(late, "", lease, decoding, tag, taskTag, protocol, t0);
                }
                Encoding<O> encoding = work.encode();
                meters.preprocess(tag, taskTag, System.nanoTime() - t0);
                CompletableFuture<O> result = dispatcher.dispatch(
                        model, encoding.items(), left, encoding.decode(), n -> meters.postprocess(tag, taskTag, n));
                lease.close();
                dispatched = result;
                if (cancelled) {
                    result.cancel(false);
                }
                result.whenComplete((v, e) -> {
                    decoding.close(); // the decoded images live in the encoding's context until the answer is complete
                    meters.request(tag, taskTag, protocol, Outcome.of(e), System.nanoTime() - t0);
                });
                return result;
            } catch (RuntimeException | OutOfMemoryError e) {
                return failed(e, "decoding this request", lease, decoding, tag, taskTag, protocol, t0);
            }
        }

        CompletableFuture<O> fail(RuntimeException e) {
            return failed(e, "", lease, decoding, model.name(), taskTag, protocol, t0);
        }

        void cancel() {
            cancelled = true;
            CompletableFuture<O> d = dispatched;
            if (d != null) {
                d.cancel(false);
            }
        }
    }

    /** Releases what the request held and counts it; an OutOfMemoryError becomes a 503, never a 500. */
    private <O> CompletableFuture<O> failed(
            Throwable e,
            String step,
            ModelCatalog.Lease lease,
            MemoryBudget.Reservation decoding,
            String tag,
            String taskTag,
            String protocol,
            long t0) {
        if (decoding != null) {
            decoding.close();
        }
        if (lease != null) {
            lease.close();
        }
        RuntimeException failure = e instanceof OutOfMemoryError oom
                ? MemoryExhaustedException.whileServing(step, oom)
                : (RuntimeException) e;
        meters.request(tag, taskTag, protocol, Outcome.of(failure), System.nanoTime() - t0);
        return CompletableFuture.failedFuture(failure);
    }

    /** Refuses with 413, before anything is decoded, a request that could not fit even into an idle service. */
    private void checkFits(Cost cost, ServedModel model, String field) {
        int queue = model.batcher().settings().maxQueueSize();
        if (cost.items() > queue) {
            throw new TooLargeException(
                    field,
                    "genserve.batching.max-queue-size",
                    "the request needs " + cost.items() + " runs of model '" + model.name()
                            + "' (tiles, images or batch rows), more than its queue holds (" + queue
                            + ", genserve.batching.max-queue-size or the manifest's batching.max-queue-size)");
        }
        if (!memory.canEverHold(cost.totalBytes())) {
            throw new TooLargeException(
                    field,
                    "genserve.batching.max-queued-memory",
                    "the request needs about " + mib(cost.totalBytes()) + " MiB of memory to decode and run, more than "
                            + "the " + mib(memory.limitBytes()) + " MiB all requests in progress may hold together "
                            + "(genserve.batching.max-queued-memory)");
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
