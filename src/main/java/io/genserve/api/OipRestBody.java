package io.genserve.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.genserve.error.BadInputException;
import io.genserve.oip.Datatype;
import io.genserve.oip.TensorData;
import io.genserve.runtime.HeapTensor;
import io.genserve.tasks.TensorAnswer;
import io.genserve.tasks.TensorRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Open Inference Protocol's REST inference body, read and written: JSON tensors, and the
 * binary tensor data extension (a JSON header of {@code Inference-Header-Content-Length} bytes
 * followed by raw little-endian tensors; {@code binary_data_size} on an input,
 * {@code binary_data} on a requested output, {@code binary_data_output} for all outputs). Every
 * mistake in a request is a {@link BadInputException} naming the tensor. Stateless.
 */
final class OipRestBody {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private OipRestBody() {}

    /** A parsed inference request and how its answer is to be written. */
    record Parsed(TensorRequest request, String id, Map<String, Boolean> binaryOutput, boolean allBinary) {
        boolean binary(String output) {
            return binaryOutput.getOrDefault(output, allBinary);
        }
    }

    /**
     * @param headerLength the {@code Inference-Header-Content-Length} header, or null for a JSON body
     */
    static Parsed parse(String model, String version, byte[] body, String headerLength) {
        int jsonLength = body.length;
        if (headerLength != null) {
            try {
                jsonLength = Integer.parseInt(headerLength.strip());
            } catch (NumberFormatException e) {
                jsonLength = -1;
            }
            if (jsonLength < 1 || jsonLength > body.length) {
                throw new BadInputException(
                        HEADER_LENGTH,
                        HEADER_LENGTH + " must be the length of the JSON header, 1.." + body.length + ", got '"
                                + headerLength + "'");
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(body, 0, jsonLength, java.nio.charset.StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new BadInputException(
                    "body",
                    "the inference request is not valid JSON: "
                            + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException("body", "the inference request must be a JSON object");
        }
        ByteBuffer binary = ByteBuffer.wrap(body, jsonLength, body.length - jsonLength);
        Map<String, HeapTensor> inputs = new LinkedHashMap<>();
        JsonNode in = root.get("inputs");
        if (in == null || !in.isArray() || in.isEmpty()) {
            throw new BadInputException("inputs", "'inputs' must be a non-empty array of tensors");
        }
        for (int i = 0; i < in.size(); i++) {
            JsonNode t = in.get(i);
            String name = string(t, "name", "inputs[" + i + "].name", true);
            if (inputs.containsKey(name)) {
                throw new BadInputException("inputs", "input '" + name + "' is given twice");
            }
            inputs.put(name, input(t, name, binary));
        }
        if (binary.hasRemaining()) {
            throw new BadInputException(
                    "body",
                    binary.remaining() + " bytes of binary data follow the JSON header but no input's binary_data_size"
                            + " claims them");
        }
        Map<String, Boolean> binaryOutput = new HashMap<>();
        List<String> outputs = new ArrayList<>();
        JsonNode out = root.get("outputs");
        if (out != null && !out.isNull()) {
            if (!out.isArray()) {
                throw new BadInputException("outputs", "'outputs' must be an array");
            }
            for (int i = 0; i < out.size(); i++) {
                String name = string(out.get(i), "name", "outputs[" + i + "].name", true);
                outputs.add(name);
                Boolean b = bool(parameters(out.get(i), "outputs[" + i + "]"), "binary_data");
                if (b != null) {
                    binaryOutput.put(name, b);
                }
            }
        }
        Boolean all = bool(parameters(root, "parameters"), "binary_data_output");
        String id = root.has("id") ? string(root, "id", "id", false) : null;
        return new Parsed(
                new TensorRequest(model, version, inputs, outputs), id, binaryOutput, Boolean.TRUE.equals(all));
    }

    private static HeapTensor input(JsonNode t, String name, ByteBuffer binary) {
        String field = "input '" + name + "'";
        Datatype type = Datatype.parse(string(t, "datatype", field + " datatype", true), field);
        long[] shape = shape(t.get("shape"), field);
        JsonNode size = parameters(t, field).get("binary_data_size");
        JsonNode data = t.get("data");
        if (size != null && !size.isNull()) {
            if (data != null && !data.isNull()) {
                throw new BadInputException(field, field + " has both data and binary_data_size");
            }
            if (!size.canConvertToInt() || size.asInt() < 0 || size.asInt() > binary.remaining()) {
                throw new BadInputException(
                        field,
                        field + " claims " + size + " bytes of binary data; " + binary.remaining()
                                + " are left after the" + " JSON header (" + HEADER_LENGTH + " must be set)");
            }
            ByteBuffer slice = binary.slice().limit(size.asInt());
            binary.position(binary.position() + size.asInt());
            return TensorData.fromBytes(slice, type, shape, field);
        }
        if (data == null || !data.isArray()) {
            throw new BadInputException(field, field + " needs 'data' (an array) or parameters.binary_data_size");
        }
        int count = TensorData.count(shape, field);
        float[] values = new float[count];
        int n = flatten(data, type, field, values, 0);
        if (n != count) {
            throw new BadInputException(
                    field,
                    field + " has " + n + " values; shape " + java.util.Arrays.toString(shape) + " needs " + count);
        }
        return new HeapTensor(type.dtype(), shape, values);
    }

    /** Row-major values of a flat or nested array into {@code into}; returns how many there were. */
    private static int flatten(JsonNode array, Datatype type, String field, float[] into, int at) {
        for (JsonNode v : array) {
            if (v.isArray()) {
                at = flatten(v, type, field, into, at);
            } else if (v.isNumber()) {
                if (at < into.length) {
                    into[at] = TensorData.value(v.doubleValue(), type, field);
                }
                at++;
            } else {
                throw new BadInputException(field, field + " holds " + v + ", not a number");
            }
        }
        return at;
    }

    private static long[] shape(JsonNode shape, String field) {
        if (shape == null || !shape.isArray()) {
            throw new BadInputException(field, field + " needs a 'shape' (an array of integers)");
        }
        long[] out = new long[shape.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0) {
                throw new BadInputException(
                        field, field + " has a shape " + shape + " that is not non-negative integers");
            }
            out[i] = d.asLong();
        }
        TensorData.count(out, field);
        return out;
    }

    private static JsonNode parameters(JsonNode node, String field) {
        JsonNode p = node == null ? null : node.get("parameters");
        if (p == null || p.isNull()) {
            return JSON.createObjectNode();
        }
        if (!p.isObject()) {
            throw new BadInputException(field, "'parameters' of " + field + " must be an object");
        }
        return p;
    }

    private static Boolean bool(JsonNode parameters, String key) {
        JsonNode v = parameters.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new BadInputException(key, "parameter '" + key + "' must be true or false");
        }
        return v.booleanValue();
    }

    private static String string(JsonNode node, String key, String field, boolean required) {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadInputException(field, "'" + field + "' is required");
            }
            return null;
        }
        if (!v.isString()) {
            throw new BadInputException(field, "'" + field + "' must be a string");
        }
        return v.asString();
    }

    /** One output tensor of the answer: data, or its size in the binary part. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OutputJson(String name, String datatype, long[] shape, Map<String, Object> parameters, Object data) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AnswerJson(
            @JsonProperty("model_name") String modelName,
            @JsonProperty("model_version") String modelVersion,
            String id,
            List<OutputJson> outputs) {}

    /** JSON, or with any binary output, the JSON header followed by the raw outputs in order. */
    static ResponseEntity<byte[]> render(TensorAnswer answer, Parsed parsed) {
        List<OutputJson> outputs = new ArrayList<>();
        ByteArrayOutputStream blobs = new ByteArrayOutputStream();
        for (Map.Entry<String, HeapTensor> e : answer.outputs().entrySet()) {
            HeapTensor t = e.getValue();
            Datatype type = Datatype.of(t.dtype());
            if (parsed.binary(e.getKey())) {
                byte[] raw = TensorData.toBytes(t);
                blobs.writeBytes(raw);
                outputs.add(new OutputJson(
                        e.getKey(), type.name(), t.shape(), Map.of("binary_data_size", raw.length), null));
            } else {
                outputs.add(new OutputJson(e.getKey(), type.name(), t.shape(), null, numbers(t, type)));
            }
        }
        byte[] json = JSON.writeValueAsBytes(new AnswerJson(answer.model(), answer.version(), parsed.id(), outputs));
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok()
                .header(ImageResponses.MODEL_HEADER, answer.model())
                .header(ImageResponses.VERSION_HEADER, answer.version());
        if (blobs.size() == 0) {
            return ok.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(json.length + blobs.size());
        body.writeBytes(json);
        body.writeBytes(blobs.toByteArray());
        return ok.header(HEADER_LENGTH, Integer.toString(json.length))
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(body.toByteArray());
    }

    /** Floats for FP32 and FP16, integers for the integer types (no "1.0" for a UINT8). */
    private static Object numbers(HeapTensor t, Datatype type) {
        if (type == Datatype.FP32 || type == Datatype.FP16) {
            return t.values();
        }
        float[] v = t.values();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (long) v[i];
        }
        return out;
    }
}
