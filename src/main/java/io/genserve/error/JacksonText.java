package io.genserve.error;

import tools.jackson.core.JacksonException;

/**
 * Jackson's view of a bad JSON body, put into words for a client: where in the document
 * ({@code images[2].seed}) and why, without Jackson's class names, Java types or token names.
 * Stateless.
 */
public final class JacksonText {
    private JacksonText() {}

    /** The path to the bad value, e.g. {@code count} or {@code items[2].seed}; empty for the document itself. */
    public static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The first line of Jackson's reason, without back-quoted Java types, class notes or token names. */
    public static String reason(JacksonException e) {
        return clean(e.getOriginalMessage());
    }

    /** The first line of a message, without back-quoted Java types, class notes or token names. */
    public static String clean(String message) {
        if (message == null) {
            return "";
        }
        return message.lines()
                .findFirst()
                .orElse("")
                .replaceAll("`[^`]*`", "")
                .replaceAll(" \\(class [^)]*\\)", "")
                .replaceAll("JsonToken\\.([A-Z_]+)", "$1")
                .replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*", "")
                .replaceAll("\\s{2,}", " ")
                .strip();
    }
}
