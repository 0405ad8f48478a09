package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files the deployment material sends its reader to exist: the Dockerfile, the chart (NOTES.txt,
 * values, examples) and the README once named a docs/deploy.md nobody had written.
 */
class DocumentReferencesTest {
    /** A repository path ending in a document or values file, as these files write them. */
    private static final Pattern REFERENCE =
            Pattern.compile("(?<![\\w/.-])((?:docs|helm/genserve)/[\\w./-]+\\.(?:md|yaml|json|png))");

    static Stream<Path> files() throws IOException {
        List<Path> chart;
        try (Stream<Path> walk = Files.walk(HelmChart.CHART)) {
            chart = walk.filter(p -> p.toString().matches(".*\\.(ya?ml|txt|tpl)$"))
                    .toList();
        }
        return Stream.concat(Stream.of(Path.of("Dockerfile"), Path.of("README.md")), chart.stream());
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyReferencedFileExists(Path file) throws IOException {
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
            assertThat(Path.of(m.group(1))).as("named in " + file).exists();
        }
    }
}
