package io.genserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * A genserve.* key that nothing binds fails the start, naming the key, where it was set and the
 * nearest valid key, whatever the property source; the valid keys are the records' own.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownPropertyTest {
    static final GenserveKeys KEYS = GenserveKeys.ofApplication();

    @TempDir
    Path emptyRepository;

    @Test
    void theValidKeysAreReadFromTheConfigurationRecords() {
        assertThat(KEYS.all())
                .contains(
                        "genserve.model-repository",
                        "genserve.batching.max-batch-size",
                        "genserve.batching.max-queued-memory",
                        "genserve.http.shedding.initial-limit",
                        "genserve.http.max-body.*",
                        "genserve.onnx.execution-provider",
                        "genserve.upscale.tile-pad")
                .noneMatch(k -> k.contains("shedding") && k.endsWith(".shedding"))
                .allMatch(k -> k.equals(k.toLowerCase()));
    }

    /** The README's configuration table is where the failure analysis sends people: it lists every key. */
    @Test
    void theReadmeConfigurationTableListsEveryKey() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table =
                readme.substring(readme.indexOf("## Configuration"), readme.indexOf("## Batching, backpressure"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `(genserve\\.[a-z.*<>-]+)`").matcher(table);
        while (m.find()) {
            documented.add(m.group(1).replaceAll("<[a-z-]+>", "*"));
        }
        assertThat(documented).isEqualTo(KEYS.all());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "genserve.batching.max-batch-size",
                "genserve.batching.maxBatchSize",
                "genserve.batching.max_batch_size",
                "genserve.batching.preferred-batch-sizes[0]",
                "genserve.http.max-body.inpaint",
                "genserve.http.shedding.min-limit",
                "genserve.model-repository",
                "spring.main.banner-mode",
                "genserveish.anything"
            })
    void propertyNamesSpringBindsPass(String name) {
        assertThat(KEYS.problem(name, false)).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "GENSERVE_MODEL_REPOSITORY",
                "GENSERVE_BATCHING_MAX_BATCH_SIZE",
                "GENSERVE_BATCHING_MAXBATCHSIZE",
                "GENSERVE_BATCHING_PREFERRED_BATCH_SIZES_0",
                "GENSERVE_HTTP_MAX_BODY_INPAINT",
                "GENSERVE_HTTP_SHEDDING_ENABLED",
                // not properties: the image's own variable, and Kubernetes service links of a Service named genserve
                "GENSERVE_HOME",
                "GENSERVE_CDS",
                "GENSERVE_SERVICE_HOST",
                "GENSERVE_SERVICE_PORT_MANAGEMENT",
                "GENSERVE_PORT",
                "GENSERVE_PORT_8080_TCP_ADDR",
                "GENSERVE_METRICS_SERVICE_PORT",
                "PATH"
            })
    void environmentVariablesSpringBindsPass(String name) {
        assertThat(KEYS.problem(name, true)).isNull();
    }

    @Test
    void aTypoNamesTheNearestKey() {
        assertThat(KEYS.problem("genserve.batching.max-batch-sise", false))
                .isEqualTo("unknown property genserve.batching.max-batch-sise;"
                        + " did you mean genserve.batching.max-batch-size?");
        assertThat(KEYS.problem("genserve.batching.maxBatchSise", false))
                .endsWith("did you mean genserve.batching.max-batch-size?");
        assertThat(KEYS.problem("GENSERVE_BATCHING_MAX_BATCH_SISE", true))
                .isEqualTo("unknown property GENSERVE_BATCHING_MAX_BATCH_SISE;"
                        + " did you mean GENSERVE_BATCHING_MAX_BATCH_SIZE (genserve.batching.max-batch-size)?");
        assertThat(KEYS.problem("genserve.http.max-bdy.inpaint", false))
                .endsWith("did you mean genserve.http.max-body.inpaint?");
        assertThat(KEYS.problem("genserve.model-repositry", false)).endsWith("did you mean genserve.model-repository?");
        assertThat(KEYS.problem("genserve.batching.colour", false))
                .startsWith("unknown property genserve.batching.colour; the genserve.batching.* keys are ")
                .contains("genserve.batching.max-delay");
    }

    @Test
    void aTypoOnTheCommandLineFailsTheStartInOneLine(CapturedOutput output) {
        assertThatThrownBy(() ->
                        start(new SpringApplication(GenserveApplication.class), "--genserve.batching.max-batch-sise=8"))
                .hasMessageContaining("genserve.batching.max-batch-sise");
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("unknown property genserve.batching.max-batch-sise;"
                        + " did you mean genserve.batching.max-batch-size? (set on the command line)")
                .doesNotContain("model repository"); // it failed before the models were looked at
    }

    @Test
    void aTypoInAnEnvironmentVariableFailsTheStart(CapturedOutput output) {
        SpringApplication app = new SpringApplication(GenserveApplication.class);
        StandardEnvironment environment = new StandardEnvironment();
        Map<String, Object> variables = new HashMap<>(System.getenv());
        variables.put("GENSERVE_BATCHING_MAX_BATCH_SISE", "8");
        variables.put("GENSERVE_HOME", "/opt/genserve");
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        app.setEnvironment(environment);
        assertThatThrownBy(() -> start(app)).hasMessageContaining("GENSERVE_BATCHING_MAX_BATCH_SISE");
        assertThat(output)
                .contains(
                        "unknown property GENSERVE_BATCHING_MAX_BATCH_SISE; did you mean"
                                + " GENSERVE_BATCHING_MAX_BATCH_SIZE (genserve.batching.max-batch-size)? (an environment variable)")
                .doesNotContain("GENSERVE_HOME");
    }

    /** application.yaml, or the chart's ConfigMap, which is loaded the same way (spring.config.additional-location). */
    @Test
    void aTypoInAConfigurationFileFailsTheStartNamingTheFileAndLine(CapturedOutput output, @TempDir Path config)
            throws Exception {
        Files.writeString(
                config.resolve("application.yaml"),
                "genserve:\n  batching:\n    max-batch-size: 8\n    max-dealy: 5ms\n");
        assertThatThrownBy(() -> start(
                        new SpringApplication(GenserveApplication.class),
                        "--spring.config.additional-location=file:" + config + "/"))
                .hasMessageContaining("genserve.batching.max-dealy");
        assertThat(output)
                .contains("unknown property genserve.batching.max-dealy; did you mean genserve.batching.max-delay?"
                        + " (set in ")
                .contains("application.yaml] - 4:");
    }

    @Test
    void everySourceIsCheckedAndEveryUnknownKeyListed() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "test",
                        Map.of(
                                "genserve.imaging.max-pixel", "4",
                                "genserve.upscale.tile", "64",
                                "genserve.onnx.spining", "true")));
        assertThatThrownBy(() -> UnknownPropertyCheck.check(environment, KEYS))
                .isInstanceOfSatisfying(
                        UnknownPropertyCheck.UnknownPropertyException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "unknown property genserve.imaging.max-pixel;"
                                                + " did you mean genserve.imaging.max-pixels? (set in test)",
                                        "unknown property genserve.onnx.spining;"
                                                + " did you mean genserve.onnx.spinning? (set in test)"));
    }

    private ConfigurableApplicationContext start(SpringApplication app, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "--genserve.model-repository=" + emptyRepository;
        all[1] = "--server.port=0";
        all[2] = "--management.server.port=0";
        System.arraycopy(args, 0, all, 3, args.length);
        ConfigurableApplicationContext context = app.run(all);
        context.close(); // only reached when the start did not fail
        return context;
    }
}
