package io.genserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The training pipeline cannot rot: every training script runs a few steps on a tiny subset and
 * exports (training/smoke.sh), then the service loads the exported folders and serves each once.
 * Needs Debian's python3-torch (installed by .ci/setup.sh); in CI it always runs.
 */
class TrainingSmokeTest {
    @Test
    void everyTrainingScriptExportsAModelTheServiceServes() throws Exception {
        boolean torch = new ProcessBuilder("/usr/bin/python3", "-c", "import torch, onnx")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor()
                == 0;
        Assumptions.assumeTrue(torch || System.getenv("CI") != null, "Debian python3-torch is not installed");
        Path out = Files.createTempDirectory("genserve-smoke");
        Path log = out.resolveSibling(out.getFileName() + ".log");
        ProcessBuilder smoke = new ProcessBuilder("bash", "training/smoke.sh", out.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        smoke.environment().put("TRAINING_DEPS", "check"); // a missing package fails, named; never apt-get here
        Process p = smoke.start();
        boolean finished = p.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        assertThat(finished && p.exitValue() == 0)
                .as("training/smoke.sh failed; log " + log + ":\n" + tail(log))
                .isTrue();
        ServeEveryModel.check(out);
    }

    private static String tail(Path log) throws Exception {
        String all = Files.readString(log);
        return all.substring(Math.max(0, all.length() - 3000));
    }
}
