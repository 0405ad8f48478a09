package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.genserve.GenserveKeys;
import io.genserve.Readme;
import io.genserve.ReadmeNotRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's commands that no test runs (ReadmeNotRun says which and why), checked as far as they
 * can be without running them: every block with {@code bash -n}; docker commands against the
 * Dockerfile (its ARGs, stages, EXPOSEd ports, model path) and against the images the README builds
 * before it uses them; helm install rendered by the real Helm library with the same values (the
 * chart's schema and template checks); kubectl against the objects the block's helm install renders;
 * mvn and java against the pom, .ci/run and the application's property keys; grpcurl against the
 * .proto; the bench scripts with {@code bash -n}. One check per ReadmeNotRun entry: a switch the
 * compiler holds to all of them.
 */
class ReadmeCommandChecksTest {
    static final Path POM = Path.of("pom.xml");
    static final Path CI_RUN = Path.of(".ci/run");
    static final Pattern LOCALHOST = Pattern.compile("localhost:(\\d+)");
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** docker run options that take a value. */
    static final Set<String> DOCKER_RUN_VALUES = Set.of("-p", "-v", "-e", "--name", "--tmpfs", "--gpus", "--env");

    static List<Readme.Block> blocks() {
        return Readme.blocks();
    }

    @ParameterizedTest(name = "README.md:{0}")
    @MethodSource("blocks")
    void everyBlockIsValidBash(Readme.Block block) throws Exception {
        Path script = Files.createTempFile("readme-block", ".sh");
        try {
            Files.writeString(script, block.script());
            Process bash = new ProcessBuilder("bash", "-n", script.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(bash.exitValue())
                    .as("README.md:" + block.line() + ": bash -n of the block: " + out)
                    .isZero();
        } finally {
            Files.delete(script);
        }
    }

    @Test
    void everyEntryOfTheListNamesACommandOfTheReadme() {
        Set<ReadmeNotRun> used = EnumSet.noneOf(ReadmeNotRun.class);
        Readme.commands().forEach(c -> ReadmeNotRun.of(c).ifPresent(used::add));
        assertThat(used).containsExactlyInAnyOrder(ReadmeNotRun.values());
    }

    @TestFactory
    Stream<DynamicTest> everyCommandNoTestRunsIsCheckedInstead() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Readme.Block block : blocks()) {
            for (Readme.Command c : block.commands()) {
                ReadmeNotRun.of(c)
                        .ifPresent(kind -> tests.add(DynamicTest.dynamicTest(
                                "README.md:" + c.line() + " " + kind + ": " + c.firstLine(),
                                naming(c, check(kind, block, c)))));
            }
        }
        assertThat(tests).isNotEmpty();
        return tests.stream();
    }

    /** The check, failing with a message that names the README line and the command. */
    private static Executable naming(Readme.Command c, Executable check) {
        return () -> {
            try {
                check.execute();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("README.md:" + c.line() + ": `" + c.firstLine() + "`: " + e.getMessage(), e);
            }
        };
    }

    private Executable check(ReadmeNotRun kind, Readme.Block block, Readme.Command c) {
        List<String> words = c.words();
        return switch (kind) {
            case SPRING_BOOT_RUN ->
                () -> {
                    // The plugin that has the goal, and the port and folder the README's comment names.
                    assertThat(Files.readString(POM)).contains("<artifactId>spring-boot-maven-plugin</artifactId>");
                    JsonNode application =
                            HelmChart.YAML.readTree(Files.readString(Path.of("src/main/resources/application.yaml")));
                    assertThat(application.at("/server/port").asInt()).isEqualTo(8080);
                    assertThat(application.at("/genserve/model-repository").asString())
                            .isEqualTo("models");
                };
            case VERIFY ->
                () -> assertThat(Files.readAllLines(CI_RUN))
                        .as(".ci/run runs the README's test command")
                        .contains(c.code());
            case CUDA_PACKAGE ->
                () -> {
                    for (String w : words) {
                        if (w.startsWith("-P")) {
                            assertThat(pom("/project/profiles/profile/id")).contains(w.substring(2));
                        }
                    }
                };
            case CUDA_JAR ->
                () -> {
                    String jar = "target/" + pom("/project/artifactId").get(0) + "-"
                            + pom("/project/version").get(0) + ".jar";
                    assertThat(words.get(2)).as("the jar mvn package builds").isEqualTo(jar);
                    applicationArguments(words.subList(3, words.size()));
                };
            case GRPCURL -> () -> grpcurl(words);
            case BENCH -> () -> bench(words);
            case DOCKER ->
                () -> {
                    for (List<String> simple : simpleCommands(words)) {
                        docker(simple, block, c);
                    }
                };
            case HELM_INSTALL -> () -> helmInstall(words);
            case KUBECTL -> () -> kubectl(words, block, c);
        };
    }

    /** {@code --key=value} arguments of the application: every genserve.* key must be one it binds. */
    private static void applicationArguments(List<String> arguments) {
        GenserveKeys keys = GenserveKeys.ofApplication();
        for (String a : arguments) {
            assertThat(a).as("an application argument").startsWith("--");
            assertThat(keys.problem(a.substring(2).split("=", 2)[0], false)).isNull();
        }
    }

    private static void grpcurl(List<String> words) throws Exception {
        Path importPath = Path.of(value(words, "-import-path"));
        String proto = Files.readString(importPath.resolve(value(words, "-proto")));
        String address = words.get(words.size() - 2);
        String[] method = words.get(words.size() - 1).split("/");
        String[] service = method[0].split("\\.");
        for (String declaration :
                List.of("package " + service[0] + ";", "service " + service[1] + "\n", "rpc " + method[1] + "(")) {
            assertThat(proto.contains(declaration))
                    .as("the .proto declares " + declaration.strip())
                    .isTrue();
        }
        // The default is on the record's constructor parameter, where Spring Boot reads it.
        Class<?> properties = Class.forName("io.genserve.grpc.GrpcProperties");
        RecordComponent[] components = properties.getRecordComponents();
        Class<?>[] types = Stream.of(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        int port = Stream.of(components).map(RecordComponent::getName).toList().indexOf("port");
        int grpcPort = Integer.parseInt(properties
                .getDeclaredConstructor(types)
                .getParameters()[port]
                .getAnnotation(DefaultValue.class)
                .value()[0]);
        assertThat(address).as("genserve.grpc.port's default").isEqualTo("localhost:" + grpcPort);
        // The request's fields are the protocol's; "[0.1, ...]" stands for 64 values (the README says so).
        JsonNode request = JSON.readTree(value(words, "-d").replace(", ...", ""));
        List<String> names = new ArrayList<>();
        fieldNames(request, names);
        for (String name : names) {
            assertThat(Pattern.compile("\\b" + name + " = \\d+;").matcher(proto).find())
                    .as("the .proto has a field " + name)
                    .isTrue();
        }
    }

    private static void fieldNames(JsonNode node, List<String> names) {
        if (node.isObject()) {
            names.addAll(node.propertyNames());
        }
        for (JsonNode child : node) {
            fieldNames(child, names);
        }
    }

    private static void bench(List<String> words) throws Exception {
        int i = 0;
        for (; words.get(i).matches("\\w+=.*"); i++) {
            String[] kv = words.get(i).split("=", 2);
            assertThat(kv[0]).as("the variable bench/run.sh reads").isEqualTo("BENCH_ARGS");
            String bench = Files.readString(Path.of("src/test/java/io/genserve/bench/Bench.java"));
            for (String option : kv[1].split("\\s+")) {
                if (option.startsWith("--")) {
                    assertThat(bench).as("an option of Bench").contains("\"" + option + "\"");
                }
            }
        }
        Path script = Path.of(words.get(i));
        assertThat(script).isExecutable();
        assertThat(run("bash", "-n", script.toString())).isEmpty();
        for (String argument : words.subList(i + 1, words.size())) {
            if (argument.endsWith("Test")) {
                try (Stream<Path> tests = Files.walk(Path.of("src/test/java"))) {
                    assertThat(tests.anyMatch(p -> p.getFileName().toString().equals(argument + ".java")))
                            .as("a test class " + argument + " in src/test/java")
                            .isTrue();
                }
            }
        }
    }

    private static void docker(List<String> w, Readme.Block block, Readme.Command c) {
        Dockerfile dockerfile = Dockerfile.read();
        switch (w.get(1)) {
            case "build" -> {
                for (int i = 2; i < w.size() - 1; i++) {
                    if (w.get(i).equals("--build-arg")) {
                        String[] kv = w.get(++i).split("=", 2);
                        assertThat(dockerfile.globalArgs()).containsKey(kv[0]);
                        if (kv[0].equals("VARIANT")) {
                            dockerfile.stage("base-" + kv[1]); // FROM base-${VARIANT}
                        }
                    }
                }
                assertThat(w.get(w.size() - 1))
                        .as("the build context, where the Dockerfile is")
                        .isEqualTo(".");
            }
            case "run" -> {
                int i = 2;
                List<Integer> published = new ArrayList<>();
                for (; w.get(i).startsWith("-"); i++) {
                    if (!DOCKER_RUN_VALUES.contains(w.get(i))) {
                        continue;
                    }
                    String value = w.get(++i);
                    if (w.get(i - 1).equals("-p")) {
                        String[] ports = value.split(":");
                        assertThat(exposed(dockerfile)).contains(ports[1]);
                        published.add(Integer.parseInt(ports[0]));
                    } else if (w.get(i - 1).equals("-v")) {
                        assertThat(value.split(":")[1])
                                .as("the only folder the README mounts: the model repository")
                                .isEqualTo(dockerfile.finalStage().env().get("GENSERVE_MODEL_REPOSITORY"));
                    }
                }
                assertThat(imagesBefore(c.line()))
                        .as("images the README built before")
                        .contains(w.get(i));
                applicationArguments(w.subList(i + 1, w.size()));
                // What the block then asks of localhost must be a port this container publishes.
                for (Readme.Command later : block.commands()) {
                    Matcher m = LOCALHOST.matcher(later.code());
                    while (later.line() > c.line() && m.find()) {
                        assertThat(published)
                                .as("README.md:" + later.line() + " asks localhost:" + m.group(1))
                                .contains(Integer.parseInt(m.group(1)));
                    }
                }
            }
            case "tag" -> assertThat(imagesBefore(c.line())).contains(w.get(2));
            case "push" -> assertThat(imagesBefore(c.line() + 1)).contains(w.get(2));
            default -> throw new AssertionError("no check for docker " + w.get(1));
        }
    }

    private static List<String> exposed(Dockerfile dockerfile) {
        return dockerfile.finalStage().all("EXPOSE").stream()
                .flatMap(e -> e.words().stream())
                .toList();
    }

    /** Images a docker build -t or docker tag of the README made above this line (or on it, before an &&). */
    private static List<String> imagesBefore(int line) {
        List<String> images = new ArrayList<>();
        for (Readme.Command c : Readme.commands()) {
            if (c.line() >= line || ReadmeNotRun.of(c).orElse(null) != ReadmeNotRun.DOCKER) {
                continue;
            }
            for (List<String> w : simpleCommands(c.words())) {
                if (w.get(1).equals("build")) {
                    images.add(w.get(w.indexOf("-t") + 1));
                } else if (w.get(1).equals("tag")) {
                    images.add(w.get(3));
                }
            }
        }
        return images;
    }

    /** The chart rendered as the helm install would install it. */
    private static HelmChart.Manifests helmInstall(List<String> w) {
        assertThat(w.get(2)).as("the release name the checks render").isEqualTo(HelmChart.RELEASE);
        assertThat(Path.of(w.get(3))).isEqualTo(HelmChart.CHART);
        List<Path> values = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        for (int i = 4; i < w.size(); i++) {
            switch (w.get(i)) {
                case "--namespace", "-n" -> assertThat(w.get(++i)).isEqualTo(HelmChart.NAMESPACE);
                case "--create-namespace" -> {}
                case "-f", "--values" -> {
                    Path file = Path.of(w.get(++i));
                    assertThat(file).exists();
                    values.add(file);
                }
                case "--set" -> sets.addAll(List.of(w.get(++i).split("=", 2)));
                default -> throw new AssertionError("no check for the helm install option " + w.get(i));
            }
        }
        return HelmChart.render(values, sets.toArray(String[]::new));
    }

    private static void kubectl(List<String> w, Readme.Block block, Readme.Command c) {
        Readme.Command install = null;
        for (Readme.Command before : block.commands()) {
            if (before.line() < c.line() && ReadmeNotRun.of(before).orElse(null) == ReadmeNotRun.HELM_INSTALL) {
                install = before;
            }
        }
        assertThat(install)
                .as("a helm install before it in the block, to check it against")
                .isNotNull();
        HelmChart.Manifests m = helmInstall(install.words());
        List<String> args = new ArrayList<>(w.subList(1, w.size()));
        if (args.get(0).equals("-n")) {
            assertThat(args.get(1)).isEqualTo(HelmChart.NAMESPACE);
            args = args.subList(2, args.size());
        }
        String command = args.get(0).equals("rollout") ? "rollout " + args.get(1) : args.get(0);
        switch (command) {
            case "rollout status" -> {
                String[] object = args.get(2).split("/");
                assertThat(object[0]).isEqualTo("deployment");
                assertThat(names(m.all(Deployment.class))).contains(object[1]);
            }
            case "port-forward" -> {
                String[] object = args.get(1).split("/");
                assertThat(object[0]).isEqualTo("service");
                Service service = m.all(Service.class).stream()
                        .filter(s -> s.getMetadata().getName().equals(object[1]))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no Service " + object[1] + " rendered"));
                int remote = Integer.parseInt(args.get(2).split(":")[1]);
                assertThat(service.getSpec().getPorts().stream().map(ServicePort::getPort))
                        .contains(remote);
            }
            case "get" -> {
                assertThat(args.get(1)).isEqualTo("--raw");
                Matcher metric = Pattern.compile(
                                "/apis/custom\\.metrics\\.k8s\\.io/v1beta1/namespaces/[^/]+/pods/\\*/(\\w+)")
                        .matcher(args.get(2));
                assertThat(metric.matches()).as(args.get(2)).isTrue();
                HorizontalPodAutoscaler hpa = m.one(HorizontalPodAutoscaler.class);
                assertThat(hpa.getSpec().getMetrics().stream()
                                .filter(s -> s.getType().equals("Pods"))
                                .map(MetricSpec::getPods)
                                .map(p -> p.getMetric().getName()))
                        .contains(metric.group(1));
            }
            default -> throw new AssertionError("no check for kubectl " + command);
        }
    }

    private static List<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).toList();
    }

    /** The words of each command of an {@code a && b} list. */
    private static List<List<String>> simpleCommands(List<String> words) {
        List<List<String>> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String w : words) {
            if (w.equals("&&")) {
                commands.add(current);
                current = new ArrayList<>();
            } else {
                current.add(w);
            }
        }
        commands.add(current);
        return commands;
    }

    /** The word after an option. */
    private static String value(List<String> words, String option) {
        int i = words.indexOf(option);
        assertThat(i).as(option).isNotNegative();
        return words.get(i + 1);
    }

    private static List<String> pom(String path) {
        try {
            Document pom =
                    DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(POM.toFile());
            NodeList nodes = (NodeList) javax.xml.xpath.XPathFactory.newInstance()
                    .newXPath()
                    .evaluate(path, pom, javax.xml.xpath.XPathConstants.NODESET);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                out.add(nodes.item(i).getTextContent().strip());
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + POM, e);
        }
    }

    /** Runs a program; returns what it printed, or fails with it when it exits other than 0. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
