package io.genserve.grpc;

import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.OpenInferenceGrpc.InferTensorContents;
import inference.OpenInferenceGrpc.ModelInferRequest;
import inference.OpenInferenceGrpc.ModelInferResponse;
import inference.OpenInferenceGrpc.ModelMetadataRequest;
import inference.OpenInferenceGrpc.ModelMetadataResponse;
import inference.OpenInferenceGrpc.ModelReadyRequest;
import inference.OpenInferenceGrpc.ModelReadyResponse;
import inference.OpenInferenceGrpc.ServerLiveRequest;
import inference.OpenInferenceGrpc.ServerLiveResponse;
import inference.OpenInferenceGrpc.ServerMetadataRequest;
import inference.OpenInferenceGrpc.ServerMetadataResponse;
import inference.OpenInferenceGrpc.ServerReadyRequest;
import inference.OpenInferenceGrpc.ServerReadyResponse;
import io.genserve.error.BadInputException;
import io.genserve.oip.Datatype;
import io.genserve.oip.ModelMetadata;
import io.genserve.oip.OipService;
import io.genserve.oip.TensorData;
import io.genserve.runtime.HeapTensor;
import io.genserve.tasks.TensorAnswer;
import io.genserve.tasks.TensorRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The protocol's {@code inference.GRPCInferenceService}. ModelInfer never blocks a gRPC thread: it
 * hands the request to the model's batcher and answers when the future completes; a client that
 * cancels (or whose deadline passes) frees its places in the queue. The client's deadline is the
 * request's, up to {@code genserve.batching.max-timeout}. Outputs always travel as
 * {@code raw_output_contents}. Thread-safe.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    static final String PROTOCOL = "oip-grpc";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final OipService oip;
    private final Duration maxTimeout;

    InferenceService(OipService oip, Duration maxTimeout) {
        this.oip = oip;
        this.maxTimeout = maxTimeout;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        answer(out, () -> ServerLiveResponse.newBuilder().setLive(oip.live()).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        answer(out, () -> ServerReadyResponse.newBuilder().setReady(oip.ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        answer(
                out,
                () -> ModelReadyResponse.newBuilder()
                        .setReady(oip.modelReady(request.getName(), version(request.getVersion())))
                        .build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        answer(out, () -> {
            OipService.ServerMetadata m = oip.serverMetadata();
            return ServerMetadataResponse.newBuilder()
                    .setName(m.name())
                    .setVersion(m.version())
                    .addAllExtensions(m.extensions())
                    .build();
        });
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        answer(out, () -> {
            ModelMetadata m = oip.metadata(request.getName(), version(request.getVersion()));
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                    .setName(m.name())
                    .addAllVersions(m.versions())
                    .setPlatform(m.platform());
            m.inputs().forEach(t -> b.addInputs(tensor(t)));
            m.outputs().forEach(t -> b.addOutputs(tensor(t)));
            // Strings only: the manifest and the choices go as JSON.
            m.parameters()
                    .forEach((k, v) -> b.putProperties(k, v instanceof String s ? s : JSON.writeValueAsString(v)));
            return b.build();
        });
    }

    private static ModelMetadataResponse.TensorMetadata tensor(ModelMetadata.TensorMetadata t) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name())
                .setDatatype(t.datatype());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        CompletableFuture<TensorAnswer> answer;
        try {
            answer = oip.infer(tensors(request), timeout(), PROTOCOL);
        } catch (RuntimeException e) {
            out.onError(Errors.status(e));
            return;
        }
        if (out instanceof ServerCallStreamObserver<ModelInferResponse> call) {
            call.setOnCancelHandler(() -> answer.cancel(false)); // the client left: free its places in the queue
        }
        answer.whenComplete((a, e) -> {
            if (e != null) {
                out.onError(Errors.status(e));
                return;
            }
            try {
                out.onNext(response(a, request.getId()));
                out.onCompleted();
            } catch (RuntimeException failure) {
                out.onError(Errors.status(failure));
            }
        });
    }

    /** The client's deadline, no longer than the service allows; null without one (the model's default). */
    private Duration timeout() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return null;
        }
        long nanos = Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS));
        return Duration.ofNanos(Math.min(nanos, maxTimeout.toNanos()));
    }

    static TensorRequest tensors(ModelInferRequest request) {
        boolean raw = request.getRawInputContentsCount() > 0;
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw new BadInputException(
                    "raw_input_contents",
                    "raw_input_contents has " + request.getRawInputContentsCount() + " entries for "
                            + request.getInputsCount() + " inputs; give one per input, in order");
        }
        Map<String, HeapTensor> inputs = new LinkedHashMap<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor t = request.getInputs(i);
            String field = "input '" + t.getName() + "'";
            if (t.getName().isEmpty()) {
                throw new BadInputException("inputs", "input " + i + " has no name");
            }
            if (inputs.containsKey(t.getName())) {
                throw new BadInputException("inputs", field + " is given twice");
            }
            Datatype type = Datatype.parse(t.getDatatype(), field);
            long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
            if (raw && t.hasContents()) {
                throw new BadInputException(field, field + " has contents while the request uses raw_input_contents");
            }
            inputs.put(
                    t.getName(),
                    raw
                            ? TensorData.fromBytes(
                                    request.getRawInputContents(i).asReadOnlyByteBuffer(), type, shape, field)
                            : fromContents(t.getContents(), type, shape, field));
        }
        if (inputs.isEmpty()) {
            throw new BadInputException("inputs", "the request has no inputs");
        }
        List<String> outputs = request.getOutputsList().stream()
                .map(ModelInferRequest.InferRequestedOutputTensor::getName)
                .toList();
        return new TensorRequest(request.getModelName(), version(request.getModelVersion()), inputs, outputs);
    }

    private static HeapTensor fromContents(InferTensorContents c, Datatype type, long[] shape, String field) {
        int n = TensorData.count(shape, field);
        List<? extends Number> values = switch (type) {
            case FP32 -> c.getFp32ContentsList();
            case INT32 -> c.getIntContentsList();
            case INT64 -> c.getInt64ContentsList();
            case UINT8 -> c.getUintContentsList();
            case FP16 ->
                throw new BadInputException(
                        field, field + " is FP16, which the protocol carries only in raw_input_contents");
        };
        if (values.size() != n) {
            throw new BadInputException(
                    field,
                    field + " has " + values.size() + " values; shape " + java.util.Arrays.toString(shape) + " needs "
                            + n);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            Number x = values.get(i);
            v[i] = TensorData.value(
                    type == Datatype.UINT8 ? Integer.toUnsignedLong(x.intValue()) : x.doubleValue(), type, field);
        }
        return new HeapTensor(type.dtype(), shape, v);
    }

    static ModelInferResponse response(TensorAnswer a, String id) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                .setModelName(a.model())
                .setModelVersion(a.version())
                .setId(id);
        List<ByteString> raw = new ArrayList<>();
        for (Map.Entry<String, HeapTensor> e : a.outputs().entrySet()) {
            HeapTensor t = e.getValue();
            ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(e.getKey())
                    .setDatatype(Datatype.of(t.dtype()).name());
            for (long d : t.shape()) {
                o.addShape(d);
            }
            b.addOutputs(o);
            raw.add(ByteString.copyFrom(TensorData.toBytes(t)));
        }
        return b.addAllRawOutputContents(raw).build();
    }

    private static String version(String v) {
        return v == null || v.isEmpty() ? null : v;
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            out.onError(Errors.status(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
