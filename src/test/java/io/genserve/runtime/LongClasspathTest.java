package io.genserve.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ORT 1.29.0's Java binding segfaults while creating its environment when java.class.path is
 * longer than about 4,000 characters, which is what {@code mvn spring-boot:run} and IDEs produce.
 * This guards the ORT version in pom.xml: a child JVM with a 6,000-character classpath must start it.
 */
class LongClasspathTest {
    /** Creates the ORT environment and exits 0; a crash exits 139. */
    public static void main(String[] args) {
        System.out.println("ORT " + OrtEnvironment.getEnvironment().getVersion());
    }

    @Test
    void ortStartsWithALongClasspath() throws Exception {
        String ortJar = Path.of(OrtEnvironment.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        String testClasses = Path.of(LongClasspathTest.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        String padding = System.getProperty("java.io.tmpdir") + File.separator + "x".repeat(6000);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        String.join(File.pathSeparator, testClasses, padding, ortJar),
                        LongClasspathTest.class.getName())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("ORT ");
    }
}
