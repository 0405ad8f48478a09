package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * training/deps.sh in the mode the smoke test uses (TRAINING_DEPS=check) never installs: a missing
 * package fails naming it and the command that installs it. A package cannot be uninstalled here,
 * so dpkg-query, apt-get and sudo are stand-ins on PATH that report one package missing and record
 * any call.
 */
class TrainingDepsTest {
    @Test
    void theCheckModeNamesMissingPackagesAndInstallsNothing(@TempDir Path bin) throws Exception {
        Path calls = bin.resolve("calls");
        script(bin, "dpkg-query", "[ \"$3\" = opencv-doc ] && exit 1; printf 'install ok installed'");
        script(bin, "apt-get", "echo \"apt-get $*\" >> " + calls);
        script(bin, "sudo", "echo \"sudo $*\" >> " + calls + "; \"$@\"");
        ProcessBuilder b =
                new ProcessBuilder("bash", "-c", ". training/deps.sh && echo sourced").redirectErrorStream(true);
        b.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        b.environment().put("TRAINING_DEPS", "check");
        Process p = b.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(output).isNotZero();
        assertThat(output)
                .contains("missing Debian packages: opencv-doc")
                .contains("sudo apt-get install -y --no-install-recommends opencv-doc")
                .doesNotContain("sourced");
        assertThat(calls).as("nothing was installed").doesNotExist();
    }

    private static void script(Path bin, String name, String body) throws Exception {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
