package io.genserve.model;

import io.genserve.error.EditDistance;
import io.genserve.error.JacksonText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Parses {@code genserve.yaml}. Unknown keys are errors (a typo must not silently keep a
 * default); every failure becomes one {@link ManifestException} line naming the key and the
 * position. Thread-safe.
 */
public final class ManifestReader {
    private final ObjectMapper yaml = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Jackson 3 refuses absent primitives by default; an absent boolean key means false here.
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    public ModelManifest read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        } catch (IOException e) {
            throw new ManifestException("cannot read " + file.getFileName() + ": " + e.getMessage());
        }
    }

    public ModelManifest read(InputStream in) {
        try {
            ModelManifest manifest = yaml.readValue(in, ModelManifest.class);
            if (manifest == null) {
                throw new ManifestException("genserve.yaml is empty");
            }
            return manifest;
        } catch (JacksonException e) {
            throw new ManifestException("genserve.yaml: " + describe(e));
        }
    }

    /** One readable line: the innermost reason, where it is, without Jackson's class names. */
    private static String describe(JacksonException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason =
                root instanceof JacksonException j ? JacksonText.reason(j) : JacksonText.clean(root.getMessage());
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            // Records are bound through their constructor, so Jackson's location is the end of the object: leave it
            // out.
            List<String> known = u.getKnownPropertyIds() == null
                    ? List.of()
                    : u.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .sorted()
                            .toList();
            String nearest = EditDistance.nearest(u.getPropertyName(), known);
            // Jackson's path ends with the unknown key itself: say where it sits instead.
            String at = path.toString();
            at = at.endsWith(u.getPropertyName())
                    ? at.substring(
                            0, Math.max(0, at.length() - u.getPropertyName().length() - 1))
                    : at;
            return "unknown key '" + u.getPropertyName() + "' at " + (at.isEmpty() ? "the top" : at)
                    + (nearest == null ? "" : "; did you mean '" + nearest + "'?") + "; known keys: " + known;
        }
        TokenStreamLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0
                ? ""
                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        String firstLine = reason == null
                ? root.getClass().getSimpleName()
                : reason.lines().findFirst().orElse(reason);
        return firstLine + (path.isEmpty() ? "" : " at " + path) + where;
    }
}
