package io.genserve;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The README's commands that no test runs, and why. Every other command of a ```bash block is run
 * by ReadmeCommandsTest or ReadmeManagementCommandsTest against a service the test started, so a new
 * block is either run or has to be listed here. What is listed is still checked, as far as it can
 * be without running it, by deploy.ReadmeCommandChecksTest (one check per constant: a switch the
 * compiler holds to all of them) and with {@code bash -n}.
 */
public enum ReadmeNotRun {
    /** It would start a second service on the API's port; the tests start the same application themselves. */
    SPRING_BOOT_RUN("mvn -q spring-boot:run\\b", "starts a second service; the test starts the application itself"),
    /** The test command itself: it would run this test again. */
    VERIFY("mvn -B verify$", "the test command itself (it would recurse); checked against .ci/run"),
    /** A second full build, against ONNX Runtime's GPU jar. */
    CUDA_PACKAGE("mvn -Pcuda\\b", "a second full build, with ONNX Runtime's GPU jar"),
    /** The GPU build needs CUDA 12 and a GPU, neither of which CI has. */
    CUDA_JAR("java -jar\\b", "the GPU build, which needs CUDA 12 and a GPU"),
    /** Not packaged in Debian; OipGrpcTest makes the same calls with a client generated from the same .proto. */
    GRPCURL("grpcurl\\b", "grpcurl is not packaged in Debian (OipGrpcTest makes the same calls)"),
    /** Load and fuzz drivers: bench/run.sh takes about 4 minutes an endpoint, bench/fuzz.sh 10 a fuzz test. */
    BENCH("(\\w+=(\"[^\"]*\"|\\S+)\\s+)*bench/[\\w.-]+\\.sh\\b", "load and fuzz drivers that run for minutes"),
    /** No Docker engine in CI (DockerfileDriftTest does what the build and a start would, without one). */
    DOCKER("docker\\b", "no Docker engine in CI"),
    /** No Kubernetes cluster in CI; the chart is rendered with the same values instead. */
    HELM_INSTALL("helm install\\b", "no Kubernetes cluster in CI"),
    /** No Kubernetes cluster in CI; checked against what the block's helm install renders. */
    KUBECTL("kubectl\\b", "no Kubernetes cluster in CI");

    private final Pattern command;
    private final String why;

    ReadmeNotRun(String command, String why) {
        this.command = Pattern.compile(command);
        this.why = why;
    }

    /** Which entry lists this command, if any (by what it does: its text without comments). */
    public static Optional<ReadmeNotRun> of(Readme.Command c) {
        return Arrays.stream(values())
                .filter(n -> n.command.matcher(c.code()).lookingAt())
                .findFirst();
    }

    public String why() {
        return why;
    }
}
