package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Open Inference Protocol's published OpenAPI document (src/test/resources/oip, see its
 * SOURCE.md) as a validator of real requests and answers, through Atlassian's
 * swagger-request-validator. Read as its prose means it: {@code ${X}} path templates are
 * OpenAPI's {@code {X}}, and every versioned model path also exists without its version.
 */
final class OipSpec {
    static final Path DOCUMENT = Path.of("src/test/resources/oip/open_inference_rest.yaml");
    private static final OpenApiInteractionValidator VALIDATOR = validator(document());
    private static final String DATA_REQUIRED = "        - datatype\n        - data\n";
    /**
     * The binary tensor data extension (Triton's, which the core document does not describe) puts a
     * tensor's bytes after the JSON and {@code parameters.binary_data_size} in place of its
     * {@code data}: the same document with {@code data} no longer required, for those JSON headers.
     */
    private static final OpenApiInteractionValidator BINARY_EXTENSION =
            validator(document().replace(DATA_REQUIRED, "        - datatype\n"));

    static {
        if (!document().contains(DATA_REQUIRED)) {
            throw new IllegalStateException(
                    "the OpenAPI document changed: update the binary extension's reading of it");
        }
    }

    private OipSpec() {}

    /**
     * JSON Schema's reading of the document: members it does not list are allowed (it never says
     * {@code additionalProperties: false}), such as the model metadata's {@code parameters}; the
     * validator's own default would refuse them.
     */
    private static OpenApiInteractionValidator validator(String document) {
        return OpenApiInteractionValidator.createForInlineApiSpecification(document)
                .withLevelResolver(LevelResolver.create()
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE)
                        .build())
                .build();
    }

    /** An inference with binary tensors: its JSON header and its answer's, held against the extension. */
    static void checkBinary(String path, String requestHeader, HttpResponse<byte[]> response) {
        ValidationReport report = BINARY_EXTENSION.validate(
                new SimpleRequest.Builder(Request.Method.POST, path)
                        .withContentType("application/json")
                        .withBody(requestHeader)
                        .build(),
                SimpleResponse.Builder.status(response.statusCode())
                        .withContentType("application/json")
                        .withBody(jsonPart(response))
                        .build());
        assertThat(report.getMessages())
                .as("POST " + path + " -> " + jsonPart(response))
                .isEmpty();
    }

    static String document() {
        String yaml;
        try {
            yaml = Files.readString(DOCUMENT)
                    .replace("${MODEL_NAME}", "{MODEL_NAME}")
                    .replace("${MODEL_VERSION}", "{MODEL_VERSION}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Each versioned path item again, without the version: its name, and the MODEL_VERSION parameter, dropped.
        Matcher m = Pattern.compile(
                        "(?ms)^  '/v2/models/\\{MODEL_NAME}/versions/\\{MODEL_VERSION}([^']*)':\\n(.*?)(?=^  \\S|^components:)")
                .matcher(yaml);
        StringBuilder unversioned = new StringBuilder();
        while (m.find()) {
            String item = m.group(2)
                    .replace(
                            "      - schema:\n          type: string\n        name: MODEL_VERSION\n        in: path\n        required: true\n",
                            "")
                    .replaceAll("operationId: (\\S+)", "operationId: $1-unversioned");
            unversioned
                    .append("  '/v2/models/{MODEL_NAME}")
                    .append(m.group(1))
                    .append("':\n")
                    .append(item);
        }
        int components = yaml.indexOf("\ncomponents:");
        return yaml.substring(0, components + 1) + unversioned + yaml.substring(components + 1);
    }

    /** A JSON request and its answer, both held against the document. */
    static void check(String method, String path, String requestJson, HttpResponse<byte[]> response) {
        check(method, path, requestJson, response.statusCode(), contentType(response), jsonPart(response));
    }

    static void check(String method, String path, String requestJson, int status, String contentType, String body) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.valueOf(method), path);
        if (requestJson != null) {
            request.withContentType("application/json").withBody(requestJson);
        }
        SimpleResponse.Builder answer = SimpleResponse.Builder.status(status);
        if (contentType != null && !body.isEmpty()) {
            answer.withContentType(contentType).withBody(body);
        }
        ValidationReport report = VALIDATOR.validate(request.build(), answer.build());
        assertThat(report.getMessages())
                .as(method + " " + path + " -> " + status + " " + body)
                .isEmpty();
    }

    /**
     * An error answer of a status the document does not list (it lists 400 only): its body must
     * still be the document's error object, held against the infer operation's 400.
     */
    static void checkError(HttpResponse<byte[]> response) {
        assertThat(contentType(response)).isEqualTo("application/json");
        check("POST", "/v2/models/m/infer", null, 400, "application/json", jsonPart(response));
        assertThat(jsonPart(response)).matches("\\{\"error\":\"[^\"]+.*\"}");
    }

    static String contentType(HttpResponse<byte[]> r) {
        return r.headers().firstValue("Content-Type").map(v -> v.split(";")[0]).orElse(null);
    }

    /** The JSON of an answer: all of it, or the header before its binary part. */
    static String jsonPart(HttpResponse<byte[]> r) {
        int length = r.headers()
                .firstValue(OipRestBody.HEADER_LENGTH)
                .map(Integer::parseInt)
                .orElse(r.body().length);
        return new String(r.body(), 0, length, StandardCharsets.UTF_8);
    }
}
