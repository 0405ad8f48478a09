package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No Docker engine runs here, so this test does what {@code docker build} and {@code docker run}
 * would do with the top-level Dockerfile, reading every step from the Dockerfile itself: it copies
 * what the build stage COPYs into a scratch folder, runs the build stage's RUN there (the shared
 * docker/build.sh: a real Maven package and layer extraction), assembles the runtime stage's
 * filesystem under a fake root from its COPY lines, and starts its ENTRYPOINT with its ENV, waiting
 * on its HEALTHCHECK. Change the Dockerfile, build.sh or entrypoint.sh, and this runs the change.
 *
 * <p>What it cannot do without an engine, and says so here: it runs the host's JDK (17+) instead of
 * the image's JRE 21, as the current user instead of uid 10001, with the absolute paths the image
 * names relocated under the fake root, and with a fixture model mounted over the baked-in models
 * (as {@code -v my-models:/opt/genserve/models} would). Only the cpu variant is built: the cuda
 * variant differs in the base image and in -Pcuda, which the chart test and docs cover.
 */
class DockerfileDriftTest {
    static final Path REPO = Path.of("").toAbsolutePath();
    static final Path FIXTURE_MODEL = Path.of("src/test/resources/fixtures/models/gen-nchw-rgb");
    static final Dockerfile DOCKERFILE = Dockerfile.read();

    @TempDir
    Path work;

    @Test
    void everyCopyFromTheContextIsLetThroughByDockerignore() throws IOException {
        Set<String> allowed = new TreeSet<>();
        for (String line : Files.readAllLines(REPO.resolve(".dockerignore"))) {
            if (line.startsWith("!")) {
                allowed.add(stripSlash(line.substring(1).strip()));
            }
        }
        for (Dockerfile.Stage stage : DOCKERFILE.stages()) {
            for (Dockerfile.Instruction copy : stage.all("COPY")) {
                if (copy.flags().containsKey("from")) {
                    continue;
                }
                List<String> words = copy.words();
                for (String source : words.subList(0, words.size() - 1)) {
                    String path = stripSlash(source);
                    assertThat(REPO.resolve(path)).as("COPY source %s", source).exists();
                    assertThat(allowed.stream().anyMatch(a -> path.equals(a) || path.startsWith(a + "/")))
                            .as("COPY source %s is let through by a '!' line of .dockerignore %s", source, allowed)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void theBuildStepAndTheCommandLineAreTheSharedScripts() throws IOException {
        Dockerfile.Stage build = DOCKERFILE.stage("build");
        assertThat(build.one("RUN").arguments()).startsWith("sh docker/build.sh ");

        Dockerfile.Stage runtime = DOCKERFILE.finalStage();
        Map<String, Path> copied = contextCopies(runtime);
        Path entrypoint = Path.of(runtime.one("ENTRYPOINT").words().get(0));
        Path healthcheck = Path.of(healthcheckCommand(runtime).get(0));
        assertThat(copied.get(entrypoint.toString()))
                .as("ENTRYPOINT runs docker/entrypoint.sh")
                .isEqualTo(Path.of("docker/entrypoint.sh"));
        assertThat(copied.get(healthcheck.toString()))
                .as("HEALTHCHECK runs docker/healthcheck.sh")
                .isEqualTo(Path.of("docker/healthcheck.sh"));
        assertThat(runtime.env()).containsKeys("GENSERVE_HOME", "GENSERVE_MODEL_REPOSITORY", "TMPDIR");
        assertThat(runtime.all("VOLUME"))
                .extracting(Dockerfile.Instruction::arguments)
                .contains("/tmp");
        assertThat(runtime.one("USER").arguments())
                .as("a numeric non-root user")
                .matches("[1-9][0-9]*(:[0-9]+)?");
    }

    @Test
    void theImageBuiltAndStartedTheDockerfileWayGetsReadyServesAndDrainsOnSigterm() throws Exception {
        Map<String, String> args = new HashMap<>(DOCKERFILE.globalArgs());
        assertThat(args.get("VARIANT")).isEqualTo("cpu");

        // docker build: the build stage.
        Dockerfile.Stage build = DOCKERFILE.stage("build");
        Path buildRoot = work.resolve("build");
        Path buildDir = assemble(build, buildRoot, Map.of());
        Dockerfile.Instruction run = build.one("RUN");
        Path buildLog = work.resolve("build.log");
        ProcessBuilder runner = new ProcessBuilder("sh", "-c", run.arguments())
                .directory(buildDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(buildLog.toFile());
        for (Dockerfile.Instruction arg : build.all("ARG")) { // docker passes a stage's ARGs to RUN as env
            String[] kv = arg.arguments().strip().split("=", 2);
            runner.environment().put(kv[0], kv.length > 1 ? kv[1] : args.get(kv[0]));
        }
        Process builder = runner.start();
        builder.getOutputStream().close();
        assertThat(builder.waitFor(8, TimeUnit.MINUTES))
                .as("the build stage's RUN within 8 minutes")
                .isTrue();
        assertThat(builder.exitValue())
                .as("the build stage's RUN: %s%n%s", run.arguments(), TestProcesses.tail(buildLog))
                .isZero();

        // docker build: the runtime stage, its base stage having nothing to add for the cpu variant.
        Dockerfile.Stage runtime = DOCKERFILE.finalStage();
        String base = runtime.from().replace("${VARIANT}", args.get("VARIANT"));
        assertThat(DOCKERFILE.stage(base).instructions())
                .as("base stage %s adds nothing this test would have to emulate", base)
                .isEmpty();
        List<Dockerfile.Instruction> runs = runtime.all("RUN");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).arguments())
                .as("the runtime stage's first RUN creates the user, which this test does not emulate")
                .matches("groupadd .*&& useradd .*");
        assertThat(runs.get(1).arguments())
                .as("its second records the class-data-sharing archive with the ENTRYPOINT itself")
                .startsWith("GENSERVE_CDS=train bin/entrypoint.sh");
        Path root = work.resolve("image");
        assemble(runtime, root, Map.of("build", buildRoot));
        for (Dockerfile.Instruction volume : runtime.all("VOLUME")) {
            Files.createDirectories(under(root, volume.arguments().strip()));
        }
        Map<String, String> imageEnv = new HashMap<>();
        runtime.env()
                .forEach((k, v) ->
                        imageEnv.put(k, v.startsWith("/") ? under(root, v).toString() : v));
        Path training = work.resolve("cds-training.log");
        ProcessBuilder trainer = new ProcessBuilder("sh", "-c", runs.get(1).arguments())
                .directory(under(root, workdir(runtime)).toFile())
                .redirectErrorStream(true)
                .redirectOutput(training.toFile());
        scrub(trainer.environment());
        trainer.environment().putAll(imageEnv);
        Process train = trainer.start();
        train.getOutputStream().close();
        assertThat(train.waitFor(4, TimeUnit.MINUTES))
                .as("the CDS training run within 4 minutes")
                .isTrue();
        assertThat(train.exitValue())
                .as("the CDS training run%n%s", TestProcesses.tail(training))
                .isZero();
        Path archive = under(root, runtime.env().get("GENSERVE_HOME") + "/app/genserve.jsa");
        assertThat(archive).as("the class-data-sharing archive").isNotEmptyFile();
        Set<Path> before = files(root);

        // docker run -p PORT:PORT image: its ENV, with absolute paths relocated under the fake root.
        int port = TestProcesses.freePort();
        ProcessBuilder starter = new ProcessBuilder(
                        under(root, runtime.one("ENTRYPOINT").words().get(0)).toString())
                .directory(under(root, workdir(runtime)).toFile())
                .redirectErrorStream(true);
        Map<String, String> env = starter.environment();
        scrub(env);
        env.putAll(imageEnv);
        env.put("JAVA_OPTS", "-Xshare:on"); // fails the start, not just the gain, when the archive cannot be used
        int managementPort = TestProcesses.freePort();
        while (managementPort == port) {
            managementPort = TestProcesses.freePort();
        }
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("MANAGEMENT_SERVER_PORT", Integer.toString(managementPort));
        env.put(
                "GENSERVE_GRPC_PORT",
                Integer.toString(TestProcesses.freePort())); // not the default 8082: it may be taken
        Path log = work.resolve("genserve.log");
        starter.redirectOutput(log.toFile());
        List<String> healthcheck = new ArrayList<>(healthcheckCommand(runtime));
        healthcheck.set(0, under(root, healthcheck.get(0)).toString());

        Process genserve = starter.start();
        List<ProcessHandle> tree = new ArrayList<>(); // a java left behind by a non-exec entrypoint
        try {
            genserve.getOutputStream().close();
            TestProcesses.await("HEALTHCHECK passing", Duration.ofSeconds(120), genserve, log, () -> {
                genserve.descendants().forEach(tree::add);
                return passes(healthcheck, env);
            });
            String command = genserve.toHandle().info().command().orElseThrow();
            assertThat(Path.of(command).getFileName())
                    .as("entrypoint.sh exec's java, so that java itself gets SIGTERM")
                    .hasToString("java");

            TestHttp http = new TestHttp(port);
            HttpResponse<byte[]> image = http.postJson("/generate", "{\"seed\": 7}", null);
            assertThat(image.statusCode()).as(TestHttp.text(image)).isEqualTo(200);
            assertThat(image.headers().firstValue("Content-Type")).hasValue("image/png");
            // The request is counted once its answer is complete, which may be just after the client has it.
            double counted = 0;
            for (long until = System.nanoTime() + 5_000_000_000L; counted == 0 && System.nanoTime() < until; ) {
                counted = io.genserve.PromText.sum(
                        TestHttp.text(new TestHttp(managementPort).get("/actuator/prometheus")),
                        "genserve_requests_total",
                        "model",
                        "gen-nchw-rgb",
                        "outcome",
                        "success",
                        "task",
                        "generate");
                if (counted == 0) {
                    Thread.sleep(100);
                }
            }
            assertThat(counted).isPositive();

            int exit = TestProcesses.stop(genserve, Duration.ofSeconds(50));
            assertThat(exit)
                    .as("exit on SIGTERM (128 + 15)%n%s", TestProcesses.tail(log))
                    .isIn(0, 143);
            assertThat(Files.readString(log)).contains("Graceful shutdown complete");
        } finally {
            genserve.descendants().forEach(tree::add);
            tree.forEach(ProcessHandle::destroyForcibly);
            genserve.destroyForcibly();
        }
        Set<Path> written = files(root);
        written.removeAll(before);
        written.removeIf(p -> runtime.all("VOLUME").stream()
                .anyMatch(v -> p.startsWith(under(root, v.arguments().strip()))));
        assertThat(written)
                .as("files written outside the VOLUMEs: a read-only root filesystem would refuse them")
                .isEmpty();
    }

    /** What this JVM's environment says that docker run would not. */
    private static void scrub(Map<String, String> env) {
        env.keySet()
                .removeIf(k -> k.startsWith("GENSERVE_")
                        || k.startsWith("SPRING_")
                        || k.startsWith("SERVER_")
                        || k.startsWith("MANAGEMENT_")
                        || k.equals("JAVA_OPTS")
                        || k.equals("TMPDIR"));
    }

    /** Runs the stage's WORKDIR and COPY instructions into root; returns the final working directory. */
    private Path assemble(Dockerfile.Stage stage, Path root, Map<String, Path> stageRoots) throws IOException {
        String workdir = "/";
        for (Dockerfile.Instruction i : stage.instructions()) {
            switch (i.keyword()) {
                case "WORKDIR" -> {
                    workdir = i.arguments().strip();
                    Files.createDirectories(under(root, workdir));
                }
                case "COPY" -> copy(i, root, workdir, stageRoots);
                default -> {} // ARG, RUN, ENV, USER, ... are read where they matter
            }
        }
        return under(root, workdir);
    }

    private void copy(Dockerfile.Instruction copy, Path root, String workdir, Map<String, Path> stageRoots)
            throws IOException {
        List<String> words = copy.words();
        String dest = words.get(words.size() - 1);
        Path target = under(root, dest.startsWith("/") ? dest : workdir + "/" + dest);
        String from = copy.flags().get("from");
        for (String source : words.subList(0, words.size() - 1)) {
            Path src;
            if (from != null) {
                src = under(stageRoots.get(from), source);
            } else if (stripSlash(source).equals("models")) {
                src = mountedModels(); // the baked-in models, replaced by a volume
            } else {
                src = REPO.resolve(source);
            }
            if (Files.isDirectory(src)) {
                copyTree(src, target);
            } else {
                Path file =
                        dest.endsWith("/") ? target.resolve(src.getFileName().toString()) : target;
                Files.createDirectories(file.getParent());
                Files.copy(src, file, StandardCopyOption.COPY_ATTRIBUTES);
                if (copy.flags().containsKey("chmod")) {
                    file.toFile().setExecutable(true, false);
                }
            }
        }
    }

    private Path mountedModels() throws IOException {
        Path models = work.resolve("my-models");
        copyTree(FIXTURE_MODEL, models.resolve(FIXTURE_MODEL.getFileName().toString()));
        return models;
    }

    private static Map<String, Path> contextCopies(Dockerfile.Stage stage) {
        Map<String, Path> copied = new LinkedHashMap<>();
        String workdir = "/";
        for (Dockerfile.Instruction i : stage.instructions()) {
            if (i.keyword().equals("WORKDIR")) {
                workdir = i.arguments().strip();
            } else if (i.keyword().equals("COPY") && !i.flags().containsKey("from")) {
                List<String> words = i.words();
                String dest = words.get(words.size() - 1);
                String dir = dest.startsWith("/") ? dest : workdir + "/" + dest;
                for (String source : words.subList(0, words.size() - 1)) {
                    if (dest.endsWith("/")) {
                        copied.put(
                                Path.of(dir, Path.of(source).getFileName().toString())
                                        .toString(),
                                Path.of(source));
                    }
                }
            }
        }
        return copied;
    }

    private static List<String> healthcheckCommand(Dockerfile.Stage stage) {
        List<String> words = stage.one("HEALTHCHECK").words();
        assertThat(words.get(0)).isEqualTo("CMD");
        String json =
                stage.one("HEALTHCHECK").arguments().substring("CMD".length()).strip();
        return new Dockerfile.Instruction("CMD", Map.of(), json).words();
    }

    private static String workdir(Dockerfile.Stage stage) {
        List<Dockerfile.Instruction> workdirs = stage.all("WORKDIR");
        return workdirs.isEmpty()
                ? "/"
                : workdirs.get(workdirs.size() - 1).arguments().strip();
    }

    private static boolean passes(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder check = new ProcessBuilder(command).redirectErrorStream(true);
            check.environment().clear();
            check.environment().putAll(env);
            Process p = check.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An absolute image path, relocated under the fake root. */
    private static Path under(Path root, String imagePath) {
        return root.resolve(imagePath.replaceFirst("^/+", ""));
    }

    private static String stripSlash(String path) {
        return path.replaceFirst("^\\./", "").replaceFirst("/+$", "");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static Set<Path> files(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return new TreeSet<>(files.filter(Files::isRegularFile).toList());
        }
    }
}
