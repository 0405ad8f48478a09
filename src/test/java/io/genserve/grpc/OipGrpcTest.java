package io.genserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.OpenInferenceGrpc.InferTensorContents;
import inference.OpenInferenceGrpc.ModelInferRequest;
import inference.OpenInferenceGrpc.ModelInferRequest.InferInputTensor;
import inference.OpenInferenceGrpc.ModelInferResponse;
import inference.OpenInferenceGrpc.ModelMetadataRequest;
import inference.OpenInferenceGrpc.ModelMetadataResponse;
import inference.OpenInferenceGrpc.ModelReadyRequest;
import inference.OpenInferenceGrpc.ServerLiveRequest;
import inference.OpenInferenceGrpc.ServerMetadataRequest;
import inference.OpenInferenceGrpc.ServerMetadataResponse;
import inference.OpenInferenceGrpc.ServerReadyRequest;
import io.genserve.PromText;
import io.genserve.TestHttp;
import io.genserve.TestRepositories;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Open Inference Protocol over gRPC, through a client generated from the same published
 * .proto. Expected tensors follow from the fixture graphs (make_fixtures.py): no-manifest computes
 * 1 - x, style-nhwc-bgr-fp16 negates channel 0.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OipGrpcTest {
    static final Path REPOSITORY = repository();

    static Path repository() {
        Path root = TestRepositories.of("no-manifest", "gen-nchw-rgb", "style-nhwc-bgr-fp16");
        TestRepositories.copy(
                "swap-a", root.resolve("tiny"), "batching: {max-batch-size: 8, max-delay: 1500ms, max-queue-size: 2}");
        return root;
    }

    @Autowired
    GrpcServer server;

    /** Metrics live on the management port. */
    @LocalManagementPort
    int managementPort;

    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("genserve.model-repository", REPOSITORY::toString);
        registry.add("genserve.grpc.port", () -> "0");
    }

    @BeforeEach
    void connect() {
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void healthAndServerMetadata() {
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .isTrue();
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                .isTrue();
        ServerMetadataResponse m = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(m.getName()).isEqualTo("genserve");
        assertThat(m.getVersion()).isEqualTo("0.1.0-SNAPSHOT");
        assertThat(m.getExtensionsList()).contains("binary_tensor_data");
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder()
                                .setName("no-manifest")
                                .build())
                        .getReady())
                .isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder()
                                .setName("no-manifest")
                                .setVersion("000000000000")
                                .build())
                        .getReady())
                .isFalse();
        assertCode(
                () -> stub.modelReady(
                        ModelReadyRequest.newBuilder().setName("absent").build()),
                Status.Code.NOT_FOUND);
    }

    @Test
    void modelMetadataIsTheGraphsRealSignature() {
        ModelMetadataResponse m = stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("gen-nchw-rgb").build());
        assertThat(m.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(m.getVersionsList()).hasSize(1);
        assertThat(m.getInputsList())
                .extracting(t -> t.getName() + ":" + t.getDatatype() + ":" + t.getShapeList())
                .containsExactly("z:FP32:[-1, 8]", "label:INT64:[-1]");
        assertThat(m.getOutputs(0).getShapeList()).containsExactly(-1L, 3L, 16L, 16L);
        assertThat(m.getPropertiesMap()).containsEntry("task", "generate");
        assertThat(m.getPropertiesMap().get("manifest")).contains("\"classes\":[\"circle\",\"square\",\"triangle\"]");
        assertCode(
                () -> stub.modelMetadata(
                        ModelMetadataRequest.newBuilder().setName("absent").build()),
                Status.Code.NOT_FOUND);
    }

    static final float[] X = {0f, 0.25f, 0.5f, 1f, -2f, 3.5f, 0.125f, 7f, 0.75f, -0.5f, 2f, 1.5f};

    static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder b = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    static ByteString fp32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return ByteString.copyFrom(b.array());
    }

    @Test
    void rawTensorsInAndOutWithABatchOfTwo() {
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = X[i % X.length] * (i < 12 ? 1 : -3);
        }
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("no-manifest")
                .setId("call-1")
                .addInputs(input("input", "FP32", 2, 3, 2, 2))
                .addRawInputContents(fp32(x))
                .build());
        assertThat(r.getModelName()).isEqualTo("no-manifest");
        assertThat(r.getModelVersion()).hasSize(12);
        assertThat(r.getId()).isEqualTo("call-1");
        assertThat(r.getOutputs(0).getName()).isEqualTo("output");
        assertThat(r.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 3L, 2L, 2L);
        ByteBuffer out = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            assertThat(out.getFloat()).isEqualTo(1f - v);
        }
    }

    @Test
    void typedContentsWorkTooAndInt64LabelsReachTheGraph() {
        InferTensorContents.Builder z = InferTensorContents.newBuilder();
        for (int i = 0; i < 16; i++) {
            z.addFp32Contents(0);
        }
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("gen-nchw-rgb")
                .addInputs(input("z", "FP32", 2, 8).setContents(z))
                .addInputs(input("label", "INT64", 2)
                        .setContents(InferTensorContents.newBuilder()
                                .addInt64Contents(0)
                                .addInt64Contents(2)))
                .build());
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 3L, 16L, 16L);
        assertThat(r.getRawOutputContents(0).size()).isEqualTo(2 * 3 * 16 * 16 * 4);
    }

    @Test
    void fp16TravelsAsRawHalvesExactly() {
        short[] halves = {0x3C00, 0x4000, (short) 0xC200, 0x3555, 0x0001, 0x7BFF};
        ByteBuffer in = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            in.putShort(h);
        }
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("style-nhwc-bgr-fp16")
                .addInputs(input("x", "FP16", 1, 1, 2, 3))
                .addRawInputContents(ByteString.copyFrom(in.array()))
                .build());
        assertThat(r.getOutputs(0).getDatatype()).isEqualTo("FP16");
        ByteBuffer out = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < halves.length; i++) {
            assertThat(out.getShort()).isEqualTo((short) (i % 3 == 0 ? halves[i] ^ 0x8000 : halves[i]));
        }
    }

    @Test
    void mistakesGetTheStatusThatSaysWhat() {
        ModelInferRequest good = ModelInferRequest.newBuilder()
                .setModelName("no-manifest")
                .addInputs(input("input", "FP32", 1, 3, 2, 2))
                .addRawInputContents(fp32(X))
                .build();
        assertThat(stub.modelInfer(good).getOutputsCount()).isEqualTo(1);
        assertCode(() -> stub.modelInfer(good.toBuilder().setModelName("absent").build()), Status.Code.NOT_FOUND);
        assertCode(
                () -> stub.modelInfer(
                        good.toBuilder().setModelVersion("000000000000").build()),
                Status.Code.NOT_FOUND);
        StatusRuntimeException wrongType = assertCode(
                () -> stub.modelInfer(good.toBuilder()
                        .setInputs(0, input("input", "INT32", 1, 3, 2, 2))
                        .build()),
                Status.Code.INVALID_ARGUMENT);
        assertThat(wrongType.getStatus().getDescription()).contains("input 'input'");
        StatusRuntimeException shortRaw = assertCode(
                () -> stub.modelInfer(
                        good.toBuilder().setRawInputContents(0, fp32(1, 2, 3)).build()),
                Status.Code.INVALID_ARGUMENT);
        assertThat(shortRaw.getStatus().getDescription()).contains("has 12 bytes", "needs 48");
        assertCode(
                () -> stub.modelInfer(good.toBuilder()
                        .setInputs(0, input("input", "BOOL", 1, 3, 2, 2))
                        .build()),
                Status.Code.INVALID_ARGUMENT);
        assertCode(
                () -> stub.modelInfer(good.toBuilder()
                        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                .setName("nope"))
                        .build()),
                Status.Code.INVALID_ARGUMENT);
        assertThat(PromText.sum(
                        new String(new TestHttp(managementPort)
                                .get("/actuator/prometheus")
                                .body()),
                        "genserve_requests_total",
                        "model",
                        "no-manifest",
                        "protocol",
                        "oip-grpc",
                        "task",
                        "infer",
                        "outcome",
                        "success"))
                .isGreaterThanOrEqualTo(1);
    }

    static StatusRuntimeException assertCode(Runnable call, Status.Code code) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode())
                    .as(e.getStatus().getDescription())
                    .isEqualTo(code);
            return e;
        }
        throw new AssertionError("expected " + code);
    }

    @Test
    void aFullQueueIsResourceExhaustedWithRetryAfter() throws Exception {
        InferTensorContents.Builder zeros = InferTensorContents.newBuilder();
        for (int i = 0; i < 16; i++) {
            zeros.addFp32Contents(0);
        }
        ModelInferRequest two = ModelInferRequest.newBuilder()
                .setModelName("tiny")
                .addInputs(input("z", "FP32", 2, 8).setContents(zeros))
                .build();
        ListenableFuture<ModelInferResponse> filling = GRPCInferenceServiceGrpc.newFutureStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .modelInfer(two);
        assertThat(PromText.await(new TestHttp(managementPort), 2, "genserve_queue_depth", "model", "tiny"))
                .isEqualTo(2);
        StatusRuntimeException full = assertCode(() -> stub.modelInfer(two), Status.Code.RESOURCE_EXHAUSTED);
        assertThat(full.getStatus().getDescription()).contains("queue of model 'tiny' is full");
        assertThat(full.getTrailers().get(Errors.RETRY_AFTER)).isEqualTo("1");
        ByteBuffer out = filling.get(30, TimeUnit.SECONDS)
                .getRawOutputContents(0)
                .asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(out.getFloat()).isEqualTo(-1f);
    }
}
