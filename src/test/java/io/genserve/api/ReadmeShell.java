package io.genserve.api;

import io.genserve.Readme;
import io.genserve.ReadmeNotRun;
import io.genserve.TestHttp;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the commands of one README ```bash block in one bash, as a reader pasting them would (the
 * variables one command sets are there for the next), against a service a test started, and holds
 * what each prints to what the README shows. Not run: what {@link ReadmeNotRun} lists. Not
 * thread-safe; one block at a time.
 *
 * <p>What is compared: every line a transcript command prints, exactly, against the README's lines
 * after it (a carriage return at a line's end, invisible in a terminal, is ignored; so is whether
 * the last line ends with a newline, which only moves the next prompt); and its exit status, which
 * must be 0. A command the README shows no answer for must succeed: curl runs with
 * {@code --fail-with-body} there, so an HTTP error fails it. Only the values {@link #VARYING}
 * names are not compared.
 */
final class ReadmeShell {
    /**
     * Values that differ from run to run or from the reader's files, by command (its first line as
     * the README writes it): JSON paths whose values are not compared, only that they are there (for
     * an array: any length, each element with the keys of the README's first). Everything else is
     * compared exactly.
     */
    static final Map<String, Set<String>> VARYING = Map.of(
            // Timings: the ms measured at load, and what follows from them (how far the climb went,
            // the size it chose, why it stopped).
            "curl -s localhost:8080/models/style-starry-night | jq -c '.batching | {maxBatchSize, calibration}'",
            Set.of(
                    "maxBatchSize",
                    "calibration.chosen",
                    "calibration.sizes",
                    "calibration.stopped",
                    "calibration.projection.msPerRun",
                    "calibration.projection.msPerImage",
                    "calibration.projection.sizes",
                    "calibration.projection.chosen"),
            // The hash of the reader's retrained file; the test's stand-in for it has another.
            "curl -s -X POST localhost:8080/v2/repository/models/fashion-gan/load -H \"$AUTH\"",
            Set.of("version"));

    /**
     * Models the README uses that are not among the bundled ones, and the fixture each is (the
     * README says so where it uses it). A block that names one runs on a service that adds it.
     */
    static final Map<String, String> EXTRA_MODELS = Map.of("srcnn", "up-srcnn-bgr255-bare");

    /** Where the README names a model: a path, a form field, a JSON field. */
    private static final Pattern MODEL_NAME =
            Pattern.compile("(?:/models/|\\bmodel=|\\bstyle=|\"model\": \")([a-z0-9][a-z0-9_-]*)");

    private static final Pattern LOCALHOST = Pattern.compile("localhost:(\\d+)");
    private static final Path BUNDLED_MODELS = Path.of("models");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The README's ports (the defaults) and the ports of the service under test. */
    private final Map<Integer, Integer> ports;

    ReadmeShell(int apiPort, int managementPort) {
        this.ports = Map.of(8080, apiPort, 8081, managementPort);
    }

    /**
     * Skips outside CI, and fails in CI, when a program the README's commands use is missing:
     * .ci/setup.sh installs the Debian packages.
     */
    static void requireTools() {
        Map<String, String> packages = Map.of("curl", "curl", "jq", "jq", "file", "file", "python3", "python3");
        List<String> missing = new ArrayList<>();
        packages.forEach((program, pkg) -> {
            if (!onPath(program)) {
                missing.add(pkg);
            }
        });
        String message = "the README's commands need " + missing + " (apt-get install " + String.join(" ", missing)
                + "; .ci/setup.sh installs them)";
        if (!missing.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError(message);
        }
        Assumptions.assumeTrue(missing.isEmpty(), message);
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Whether any command of the block would be run (rather than all being listed in ReadmeNotRun). */
    static boolean runs(Readme.Block block) {
        return block.commands().stream().anyMatch(c -> ReadmeNotRun.of(c).isEmpty());
    }

    /**
     * Whether the block needs a service of its own rather than the bundled models as they start: it
     * exports GENSERVE_* settings for the service, or it uses a model of {@link #EXTRA_MODELS}.
     */
    static boolean needsOwnService(Readme.Block block) {
        return !exports(block).isEmpty() || !extraModels(block).isEmpty();
    }

    /** The {@code export GENSERVE_...=...} settings of a block, in order. */
    static Map<String, String> exports(Readme.Block block) {
        Map<String, String> exports = new LinkedHashMap<>();
        for (Readme.Command c : block.commands()) {
            List<String> words = c.words();
            if (words.size() > 1 && words.get(0).equals("export")) {
                for (String assignment : words.subList(1, words.size())) {
                    String[] kv = assignment.split("=", 2);
                    if (kv[0].startsWith("GENSERVE_") && kv.length == 2) {
                        exports.put(kv[0], kv[1]);
                    }
                }
            }
        }
        return exports;
    }

    /**
     * The models of {@link #EXTRA_MODELS} the block uses; fails naming the README line when it uses
     * a model that is neither bundled nor listed there.
     */
    static Set<String> extraModels(Readme.Block block) {
        Set<String> extra = new TreeSet<>();
        for (Readme.Command c : block.commands()) {
            Matcher m = MODEL_NAME.matcher(c.code());
            while (m.find()) {
                String name = m.group(1);
                if (EXTRA_MODELS.containsKey(name)) {
                    extra.add(name);
                } else if (!Files.isDirectory(BUNDLED_MODELS.resolve(name))) {
                    throw new AssertionError("README.md:" + c.line() + " uses model '" + name
                            + "', which is neither in models/ nor a fixture of ReadmeShell.EXTRA_MODELS");
                }
            }
        }
        return extra;
    }

    /**
     * Writes the files the README's commands read into {@code dir}: photo.png is the 301x203 test
     * photo (the README says so), photo.jpg the same photo as a JPEG, mask.png its mask, and
     * small-mask.png an 8x8 mask (the size the README's error names).
     */
    static void writeInputs(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path photo = TestHttp.FIXTURES.resolve("photo-301x203.png");
        Files.copy(photo, dir.resolve("photo.png"));
        Files.copy(TestHttp.FIXTURES.resolve("mask-301x203.png"), dir.resolve("mask.png"));
        BufferedImage read = ImageIO.read(photo.toFile());
        BufferedImage rgb = new BufferedImage(read.getWidth(), read.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(read, 0, 0, null);
        g.dispose();
        write(rgb, "jpg", dir.resolve("photo.jpg"));
        BufferedImage small = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        g = small.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 8, 8);
        g.dispose();
        write(small, "png", dir.resolve("small-mask.png"));
    }

    private static void write(BufferedImage image, String format, Path to) throws IOException {
        if (!ImageIO.write(image, format, to.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
    }

    /**
     * Runs the block's commands that are run, in order, in one bash in {@code dir}; fails with every
     * difference, each naming its README line.
     */
    void run(Readme.Block block, Path dir) throws IOException, InterruptedException {
        List<Readme.Command> commands = block.commands().stream()
                .filter(c -> ReadmeNotRun.of(c).isEmpty())
                .toList();
        String marker = "@@readme-" + UUID.randomUUID() + "@@";
        StringBuilder script = new StringBuilder("set -o pipefail\n");
        for (Readme.Command c : commands) {
            boolean answerShown = block.transcript() && !c.expected().isEmpty();
            script.append(answerShown ? "unset -f curl\n" : "curl() { command curl --fail-with-body \"$@\"; }\n");
            script.append(withTestPorts(c)).append('\n');
            script.append("printf '\\n%s %d\\n' '").append(marker).append("' $?\n");
        }
        Path file = Files.createTempFile("readme-block-" + block.line(), ".sh");
        Path log = Files.createTempFile("readme-block-" + block.line(), ".out");
        String output;
        try {
            Files.writeString(file, script);
            // Into a file, not a pipe: a command that hangs, or leaves a child holding the output
            // open, must not hang the test past its time limit.
            Process bash = new ProcessBuilder("bash", file.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!bash.waitFor(60, TimeUnit.SECONDS)) {
                bash.destroyForcibly();
                throw new AssertionError("README.md:" + block.line() + ": the block's commands took over 60 s:\n"
                        + new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
            }
            output =
                    new String(Files.readAllBytes(log), StandardCharsets.UTF_8); // malformed bytes replaced, not thrown
        } finally {
            Files.delete(file);
            Files.delete(log);
        }
        String[] parts = output.split("\n" + Pattern.quote(marker) + " ", -1);
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            Readme.Command c = commands.get(i);
            if (i + 1 >= parts.length) {
                differences.add(
                        "README.md:" + c.line() + ": `" + c.firstLine() + "` never finished; bash printed:\n" + output);
                break;
            }
            String printed = i == 0 ? parts[0] : parts[i].substring(parts[i].indexOf('\n') + 1);
            int status = Integer.parseInt(parts[i + 1].substring(0, parts[i + 1].indexOf('\n')));
            if (status != 0) {
                differences.add(
                        "README.md:" + c.line() + ": `" + c.firstLine() + "` exited with " + status + ":\n" + printed);
            } else if (block.transcript()) {
                compare(c, lines(printed), differences);
            }
        }
        if (!differences.isEmpty()) {
            throw new AssertionError(String.join("\n", differences));
        }
    }

    /** The command with the README's localhost ports replaced by the test service's. */
    private String withTestPorts(Readme.Command c) {
        Matcher m = LOCALHOST.matcher(c.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Integer port = ports.get(Integer.parseInt(m.group(1)));
            if (port == null) {
                throw new AssertionError("README.md:" + c.line() + " uses " + m.group()
                        + "; the test serves the API on 8080 and the management port on 8081");
            }
            m.appendReplacement(out, "localhost:" + port);
        }
        return m.appendTail(out).toString();
    }

    private static List<String> lines(String printed) {
        List<String> lines = new ArrayList<>();
        if (!printed.isEmpty()) {
            for (String line : printed.split("\n")) {
                lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
        }
        return lines;
    }

    private static void compare(Readme.Command c, List<String> printed, List<String> differences) {
        Set<String> varying = VARYING.getOrDefault(c.firstLine(), Set.of());
        List<Readme.Line> expected = c.expected();
        boolean same = printed.size() == expected.size();
        List<String> found = new ArrayList<>();
        for (int i = 0; same && i < expected.size(); i++) {
            String want = expected.get(i).text();
            String got = printed.get(i);
            if (varying.isEmpty()) {
                same = want.equals(got);
            } else {
                compareJson(json(want), json(got), "", varying, found);
                same = found.isEmpty();
            }
        }
        if (same) {
            return;
        }
        StringBuilder d = new StringBuilder("README.md:" + c.line() + ": `" + c.firstLine() + "` printed\n");
        printed.forEach(l -> d.append("    ").append(l).append('\n'));
        d.append("  where the README shows\n");
        expected.forEach(l -> d.append("    README.md:")
                .append(l.number())
                .append(": ")
                .append(l.text())
                .append('\n'));
        found.forEach(f -> d.append("  (").append(f).append(")\n"));
        differences.add(d.toString());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (JacksonException e) {
            return JSON.getNodeFactory().stringNode(line); // not JSON: compared as text
        }
    }

    /** Compares as JSON, keys in order, except the values at the varying paths. */
    static void compareJson(JsonNode want, JsonNode got, String path, Set<String> varying, List<String> found) {
        if (varying.contains(path)) {
            if (want.isArray() && got.isArray() && !want.isEmpty()) {
                for (JsonNode element : got) {
                    if (!keys(element).equals(keys(want.get(0)))) {
                        found.add(path + ": an element with keys " + keys(element) + ", not " + keys(want.get(0)));
                    }
                }
            }
            return;
        }
        if (want.isObject() && got.isObject()) {
            if (!keys(want).equals(keys(got))) {
                found.add((path.isEmpty() ? "the answer" : path) + ": keys " + keys(got) + ", not " + keys(want));
                return;
            }
            for (String key : keys(want)) {
                compareJson(want.get(key), got.get(key), path.isEmpty() ? key : path + "." + key, varying, found);
            }
        } else if (want.isArray() && got.isArray() && want.size() == got.size()) {
            for (int i = 0; i < want.size(); i++) {
                compareJson(want.get(i), got.get(i), path + "[" + i + "]", varying, found);
            }
        } else if (!want.equals(got)) {
            found.add((path.isEmpty() ? "the answer" : path) + ": " + got + ", not " + want);
        }
    }

    private static List<String> keys(JsonNode node) {
        return new ArrayList<>(node.propertyNames());
    }
}
