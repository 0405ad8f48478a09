package io.genserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every jq filter in the README compiles with the jq users have (Debian's, 1.6 on bookworm, where
 * {@code label} is a keyword and {@code {seed, label}} a syntax error). The filter is compiled,
 * not run, so no service is needed: {@code if false then (FILTER) else empty end} parses FILTER
 * and never evaluates it. .ci/setup.sh installs jq.
 */
class ReadmeJqTest {
    /** jq, its options, then the single-quoted filter, as the README's commands write it. */
    private static final Pattern JQ = Pattern.compile("\\bjq(?: -[A-Za-z]+)* '([^']+)'");

    /** The filters of the README's commands (Readme extracts the commands). */
    static Stream<String> filters() {
        Stream.Builder<String> out = Stream.builder();
        for (Readme.Command c : Readme.commands()) {
            Matcher m = JQ.matcher(c.text());
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out.build();
    }

    @Test
    void theReadmeHasJqCommands() {
        assertThat(filters()).hasSizeGreaterThanOrEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("filters")
    void compilesWithTheInstalledJq(String filter) throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/jq")), "/usr/bin/jq is not installed (apt-get install jq)");
        Process jq = new ProcessBuilder("/usr/bin/jq", "-n", "if false then (" + filter + ") else empty end")
                .redirectErrorStream(true)
                .start();
        assertThat(jq.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(jq.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jq.exitValue()).as(output).isZero();
    }
}
