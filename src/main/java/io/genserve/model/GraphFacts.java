package io.genserve.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the ONNX graph itself says about its inputs, beyond their signature: which integer input
 * indexes an embedding table (a {@code Gather} on an initializer, whose first dimension is the
 * number of classes), and which input carries the {@code scales} of a {@code Resize}. ONNX
 * Runtime's Java API exposes neither, so {@link #read} walks {@code model.onnx}'s protobuf with
 * protobuf-java's {@link CodedInputStream}, reading only nodes and initializer names and shapes
 * (tensor data is skipped, never held). Immutable.
 *
 * @param embeddings graph input name to the table it indexes
 * @param resizeScales graph inputs that feed a Resize's (or Upsample's) scales
 */
public record GraphFacts(Map<String, Embedding> embeddings, Set<String> resizeScales) {
    public static final GraphFacts NONE = new GraphFacts(Map.of(), Set.of());

    /** @param rows the table's first dimension: one row per class */
    public record Embedding(String table, long rows) {}

    public GraphFacts {
        embeddings = Map.copyOf(embeddings);
        resizeScales = Set.copyOf(resizeScales);
    }

    public Optional<Embedding> embedding(String input) {
        return Optional.ofNullable(embeddings.get(input));
    }

    // Field numbers of onnx.proto (ModelProto.graph, GraphProto.node/initializer, NodeProto, TensorProto, ...).
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INT = 3;
    private static final int ATTRIBUTE_TENSOR = 5;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_NAME = 8;
    private static final int VALUE_INFO_NAME = 1;

    /** Ops an input passes through unchanged in meaning on its way to a Gather or a Resize. */
    private static final Set<String> PASS_THROUGH =
            Set.of("Cast", "Identity", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "CastLike");

    private record Node(String op, List<String> inputs, List<String> outputs, long axis, long[] constantDims) {}

    /** @throws IOException when the file cannot be read or is not an ONNX model */
    public static GraphFacts read(Path onnxFile) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(onnxFile), 1 << 16)) {
            CodedInputStream c = CodedInputStream.newInstance(in);
            c.setSizeLimit(Integer.MAX_VALUE);
            List<Node> nodes = new ArrayList<>();
            Map<String, long[]> tables = new HashMap<>();
            List<String> inputs = new ArrayList<>();
            for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
                if (isMessage(tag, MODEL_GRAPH)) {
                    int limit = c.pushLimit(c.readRawVarint32());
                    readGraph(c, nodes, tables, inputs);
                    c.popLimit(limit);
                } else {
                    c.skipField(tag);
                }
            }
            return of(nodes, tables, inputs);
        }
    }

    private static GraphFacts of(List<Node> nodes, Map<String, long[]> tables, List<String> inputs) {
        for (Node n : nodes) {
            if (n.op.equals("Constant") && n.constantDims != null && !n.outputs.isEmpty()) {
                tables.put(n.outputs.get(0), n.constantDims);
            }
        }
        Map<String, Embedding> embeddings = new HashMap<>();
        Set<String> resizeScales = new HashSet<>();
        for (String input : inputs) {
            if (tables.containsKey(input)) {
                continue; // IR < 4 lists initializers among the inputs
            }
            Set<String> aliases = aliases(input, nodes);
            for (Node n : nodes) {
                if (n.op.equals("Gather")
                        && n.axis == 0
                        && n.inputs.size() == 2
                        && aliases.contains(n.inputs.get(1))
                        && tables.containsKey(n.inputs.get(0))
                        && tables.get(n.inputs.get(0)).length >= 1) {
                    embeddings.putIfAbsent(input, new Embedding(n.inputs.get(0), tables.get(n.inputs.get(0))[0]));
                }
                if ((n.op.equals("Resize") && n.inputs.size() > 2 && aliases.contains(n.inputs.get(2)))
                        || (n.op.equals("Upsample") && n.inputs.size() > 1 && aliases.contains(n.inputs.get(1)))) {
                    resizeScales.add(input);
                }
            }
        }
        return new GraphFacts(embeddings, resizeScales);
    }

    /** The input's name and the names it keeps through pass-through ops (data input only). */
    private static Set<String> aliases(String input, List<Node> nodes) {
        Set<String> names = new HashSet<>(Set.of(input));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Node n : nodes) {
                if (PASS_THROUGH.contains(n.op)
                        && !n.inputs.isEmpty()
                        && names.contains(n.inputs.get(0))
                        && !n.outputs.isEmpty()) {
                    grew |= names.add(n.outputs.get(0));
                }
            }
        }
        return names;
    }

    private static void readGraph(CodedInputStream c, List<Node> nodes, Map<String, long[]> tables, List<String> inputs)
            throws IOException {
        for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
            if (isMessage(tag, GRAPH_NODE)) {
                int limit = c.pushLimit(c.readRawVarint32());
                nodes.add(readNode(c));
                c.popLimit(limit);
            } else if (isMessage(tag, GRAPH_INITIALIZER)) {
                int limit = c.pushLimit(c.readRawVarint32());
                Tensor t = readTensor(c);
                c.popLimit(limit);
                tables.put(t.name, t.dims);
            } else if (isMessage(tag, GRAPH_INPUT)) {
                int limit = c.pushLimit(c.readRawVarint32());
                inputs.add(readName(c));
                c.popLimit(limit);
            } else {
                c.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream c) throws IOException {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String op = "";
        long axis = 0;
        long[] constantDims = null;
        for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == NODE_INPUT) {
                in.add(c.readStringRequireUtf8());
            } else if (field == NODE_OUTPUT) {
                out.add(c.readStringRequireUtf8());
            } else if (field == NODE_OP_TYPE) {
                op = c.readStringRequireUtf8();
            } else if (isMessage(tag, NODE_ATTRIBUTE)) {
                int limit = c.pushLimit(c.readRawVarint32());
                String name = "";
                Long i = null;
                long[] dims = null;
                for (int t = c.readTag(); t != 0; t = c.readTag()) {
                    int f = WireFormat.getTagFieldNumber(t);
                    if (f == ATTRIBUTE_NAME) {
                        name = c.readStringRequireUtf8();
                    } else if (f == ATTRIBUTE_INT && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_VARINT) {
                        i = c.readInt64();
                    } else if (isMessage(t, ATTRIBUTE_TENSOR)) {
                        int l = c.pushLimit(c.readRawVarint32());
                        dims = readTensor(c).dims;
                        c.popLimit(l);
                    } else {
                        c.skipField(t);
                    }
                }
                c.popLimit(limit);
                if (name.equals("axis") && i != null) {
                    axis = i;
                } else if (name.equals("value") && dims != null) {
                    constantDims = dims;
                }
            } else {
                c.skipField(tag);
            }
        }
        return new Node(op, in, out, axis, constantDims);
    }

    private record Tensor(String name, long[] dims) {}

    private static Tensor readTensor(CodedInputStream c) throws IOException {
        List<Long> dims = new ArrayList<>();
        String name = "";
        for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == TENSOR_DIMS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                dims.add(c.readInt64());
            } else if (field == TENSOR_DIMS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = c.pushLimit(c.readRawVarint32()); // packed
                while (c.getBytesUntilLimit() > 0) {
                    dims.add(c.readInt64());
                }
                c.popLimit(limit);
            } else if (field == TENSOR_NAME) {
                name = c.readStringRequireUtf8();
            } else {
                c.skipField(tag); // raw_data and the typed data fields: skipped, never held
            }
        }
        return new Tensor(name, dims.stream().mapToLong(Long::longValue).toArray());
    }

    private static String readName(CodedInputStream c) throws IOException {
        String name = "";
        for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == VALUE_INFO_NAME) {
                name = c.readStringRequireUtf8();
            } else {
                c.skipField(tag);
            }
        }
        return name;
    }

    private static boolean isMessage(int tag, int field) {
        return WireFormat.getTagFieldNumber(tag) == field
                && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }
}
