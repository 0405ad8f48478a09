import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Genserve client with the JDK only (java.net.http.HttpClient, Java 17+), in one file. Run it
 * without compiling (source-file mode) to call every endpoint once:
 *
 * <pre>
 * java examples/java/GenserveClient.java http://localhost:8080 out \
 *     src/test/resources/fixtures/photo-301x203.png src/test/resources/fixtures/mask-301x203.png
 * </pre>
 *
 * or copy the class into your code. Errors are RFC 9457 problem+json: {@link GenserveException}
 * carries the status, the detail and the field. The small JSON reader at the end keeps the file
 * free of dependencies; in an application, use your JSON library instead.
 */
public class GenserveClient {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;

    public GenserveClient(String url) {
        this.url = url.replaceAll("/+$", "");
    }

    /** A 4xx/5xx answer: what is wrong (detail) and what it is about (field or model). */
    public static class GenserveException extends IOException {
        public final int status;
        public final String detail;
        public final String field;

        GenserveException(int status, Map<String, Object> problem) {
            super(status + " " + problem.getOrDefault("title", "") + ": " + problem.getOrDefault("detail", ""));
            this.status = status;
            this.detail = (String) problem.get("detail");
            this.field = (String) problem.get("field");
        }
    }

    /** One generated image and what the service says about it. */
    public record Image(long seed, String label, int width, int height, byte[] png) {}

    // -- GET /models: {"models": [...], "styles": [...], "defaultGenerator": ...}
    @SuppressWarnings("unchecked")
    public Map<String, Object> models() throws IOException, InterruptedException {
        return (Map<String, Object>) Json.parse(text(send(get("/models"))));
    }

    // -- POST /generate, one image: the PNG, with its seed and label in headers
    public Image generate(String label, long seed) throws IOException, InterruptedException {
        String body = "{\"label\": " + Json.quote(label) + ", \"seed\": " + seed + "}";
        HttpResponse<byte[]> r = send(postJson("/generate", body).header("Accept", "image/png"));
        return new Image(
                Long.parseLong(r.headers().firstValue("Genserve-Seed").orElseThrow()),
                r.headers().firstValue("Genserve-Label").orElse(null),
                0,
                0,
                r.body());
    }

    // -- POST /generate, several images as JSON with base64 PNGs
    @SuppressWarnings("unchecked")
    public List<Image> generate(String label, long seed, int count) throws IOException, InterruptedException {
        String body = "{\"label\": " + Json.quote(label) + ", \"seed\": " + seed + ", \"count\": " + count + "}";
        Map<String, Object> answer = (Map<String, Object>)
                Json.parse(text(send(postJson("/generate", body).header("Accept", "application/json"))));
        List<Image> images = new ArrayList<>();
        for (Object o : (List<Object>) answer.get("images")) {
            Map<String, Object> i = (Map<String, Object>) o;
            images.add(new Image(
                    ((Number) i.get("seed")).longValue(),
                    (String) i.get("label"),
                    ((Number) i.get("width")).intValue(),
                    ((Number) i.get("height")).intValue(),
                    Base64.getDecoder().decode((String) i.get("data"))));
        }
        return images;
    }

    // -- POST /inpaint, multipart: the photo and a mask of its size (white = hole)
    public byte[] inpaint(byte[] image, byte[] mask, String model) throws IOException, InterruptedException {
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("image", image);
        parts.put("mask", mask);
        parts.put("model", model);
        return send(multipart("/inpaint", parts)).body();
    }

    // -- POST /inpaint, JSON with base64 images
    @SuppressWarnings("unchecked")
    public byte[] inpaintJson(byte[] image, byte[] mask, String model) throws IOException, InterruptedException {
        String body = "{\"image\": " + Json.quote(Base64.getEncoder().encodeToString(image)) + ", \"mask\": "
                + Json.quote(Base64.getEncoder().encodeToString(mask)) + ", \"model\": " + Json.quote(model) + "}";
        Map<String, Object> answer = (Map<String, Object>)
                Json.parse(text(send(postJson("/inpaint", body).header("Accept", "application/json"))));
        return Base64.getDecoder().decode((String) ((Map<String, Object>) answer.get("image")).get("data"));
    }

    // -- POST /style-transfer, multipart: a style listed under "styles", strength 0..1
    public byte[] styleTransfer(byte[] image, String style, double strength) throws IOException, InterruptedException {
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("image", image);
        parts.put("style", style);
        parts.put("strength", Double.toString(strength));
        return send(multipart("/style-transfer", parts)).body();
    }

    // -- POST /upscale, multipart (when /models lists a model whose task is upscale)
    public byte[] upscale(byte[] image, String model) throws IOException, InterruptedException {
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("image", image);
        parts.put("model", model);
        return send(multipart("/upscale", parts)).body();
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).header("Accept", "application/json");
    }

    private HttpRequest.Builder postJson(String path, String json) {
        return HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    /** byte[] values become file parts, everything else text fields. */
    private HttpRequest.Builder multipart(String path, Map<String, Object> parts) {
        String boundary = "genserve-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, Object> part : parts.entrySet()) {
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.getKey() + "\"";
            if (part.getValue() instanceof byte[] file) {
                head += "; filename=\"" + part.getKey() + ".png\"\r\nContent-Type: application/octet-stream";
                body.writeBytes((head + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                body.writeBytes(file);
            } else {
                body.writeBytes((head + "\r\n\r\n" + part.getValue()).getBytes(StandardCharsets.UTF_8));
            }
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    }

    @SuppressWarnings("unchecked")
    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(
                request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 400) {
            Object problem = r.headers().firstValue("Content-Type").orElse("").contains("json")
                    ? Json.parse(text(r))
                    : Map.of("detail", text(r));
            throw new GenserveException(r.statusCode(), (Map<String, Object>) problem);
        }
        return r;
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** Width and height from a PNG's IHDR chunk. */
    static String size(byte[] png) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
        return b.getInt(16) + "x" + b.getInt(20);
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: java GenserveClient.java URL OUT-DIR PHOTO MASK");
            System.exit(2);
        }
        GenserveClient g = new GenserveClient(args[0]);
        Path out = Files.createDirectories(Path.of(args[1]));
        byte[] photo = Files.readAllBytes(Path.of(args[2]));
        byte[] mask = Files.readAllBytes(Path.of(args[3]));

        Map<String, Object> listing = g.models();
        List<Map<String, Object>> models = (List<Map<String, Object>>) listing.get("models");
        List<String> names = new ArrayList<>();
        for (Map<String, Object> m : models) {
            names.add(m.get("name") + " (" + m.get("task") + ", " + m.get("state") + ")");
        }
        System.out.println("models: " + String.join(", ", names));

        String generator = (String) listing.get("defaultGenerator");
        String label = null;
        for (Map<String, Object> m : models) {
            if (m.get("name").equals(generator) && m.get("classes") instanceof List<?> classes && !classes.isEmpty()) {
                label = (String) classes.get(classes.size() - 1);
            }
        }
        Image one = g.generate(label, 42);
        Files.write(out.resolve("generate-seed42.png"), one.png());
        System.out.println("generate: " + generator + " seed " + one.seed() + " label " + one.label() + " -> "
                + out.resolve("generate-seed42.png") + " " + size(one.png()));

        List<Image> four = g.generate(label, 7, 4);
        List<String> seeds = new ArrayList<>();
        for (Image i : four) {
            Files.write(out.resolve("generate-seed" + i.seed() + ".png"), i.png());
            seeds.add(Long.toString(i.seed()));
        }
        System.out.println("generate x4: seeds " + String.join(" ", seeds) + " -> " + out + "/generate-seed7.png ...");

        String inpainter = firstReady(models, "inpaint");
        if (inpainter != null) {
            byte[] filled = g.inpaint(photo, mask, inpainter);
            Files.write(out.resolve("inpaint.png"), filled);
            System.out.println("inpaint (multipart): " + inpainter + " -> " + out.resolve("inpaint.png") + " "
                    + size(filled));
            byte[] json = g.inpaintJson(photo, mask, inpainter);
            Files.write(out.resolve("inpaint-json.png"), json);
            System.out.println("inpaint (json): " + inpainter + " -> " + out.resolve("inpaint-json.png") + " "
                    + size(json));
        }

        List<Object> styles = (List<Object>) listing.get("styles");
        if (!styles.isEmpty()) {
            String style = (String) styles.get(0);
            byte[] styled = g.styleTransfer(photo, style, 0.8);
            Path file = out.resolve("style-" + style + ".png");
            Files.write(file, styled);
            System.out.println("style-transfer: " + style + " strength 0.8 -> " + file + " " + size(styled));
        }

        String upscaler = firstReady(models, "upscale");
        if (upscaler != null) {
            byte[] big = g.upscale(photo, upscaler);
            Files.write(out.resolve("upscale.png"), big);
            System.out.println("upscale: " + upscaler + " -> " + out.resolve("upscale.png") + " " + size(big));
        } else {
            System.out.println("upscale: skipped, no model for it is listed");
        }

        try {
            g.generate(null, 1, 0);
        } catch (GenserveException e) {
            System.out.println("error: " + e.status + " " + e.detail + " (field " + e.field + ")");
        }
    }

    private static String firstReady(List<Map<String, Object>> models, String task) {
        for (Map<String, Object> m : models) {
            if (task.equals(m.get("task")) && "ready".equals(m.get("state"))) {
                return (String) m.get("name");
            }
        }
        return null;
    }

    /** Just enough JSON: objects (as LinkedHashMap), arrays, strings, numbers, true, false, null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object value = p.value();
            p.space();
            if (p.i != text.length()) {
                throw new IllegalArgumentException("JSON: trailing text at " + p.i);
            }
            return value;
        }

        static String quote(String text) {
            if (text == null) {
                return "null";
            }
            StringBuilder b = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }

        private Object value() {
            space();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> map = new LinkedHashMap<>();
                i++;
                space();
                if (s.charAt(i) == '}') {
                    i++;
                    return map;
                }
                do {
                    space();
                    String key = string();
                    space();
                    expect(':');
                    map.put(key, value());
                    space();
                } while (s.charAt(i++) == ',');
                check(s.charAt(i - 1) == '}');
                return map;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                i++;
                space();
                if (s.charAt(i) == ']') {
                    i++;
                    return list;
                }
                do {
                    list.add(value());
                    space();
                } while (s.charAt(i++) == ',');
                check(s.charAt(i - 1) == ']');
                return list;
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            check(i > start);
            String number = s.substring(start, i);
            return number.matches("-?\\d+") ? (Number) Long.valueOf(number) : Double.valueOf(number);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            i++;
            return b.toString();
        }

        private void space() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private void expect(char c) {
            check(s.charAt(i++) == c);
        }

        private void check(boolean ok) {
            if (!ok) {
                throw new IllegalArgumentException("JSON: unexpected character at " + i);
            }
        }
    }
}
