package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.error.ClientText;
import java.util.List;
import java.util.Locale;

/**
 * Resolves a request's {@code label} (a class name or index) or {@code prompt} (free text that
 * mentions a class name) to a class index. Names match ignoring case, spaces, hyphens and
 * underscores, so "Ankle boot", "ankle-boot" and "ankle_boot" are one class. Stateless.
 */
final class ClassLabels {
    private ClassLabels() {}

    static int fromLabel(String label, List<String> classes) {
        requireVisible("label", label);
        String wanted = normalise(label);
        for (int i = 0; i < classes.size(); i++) {
            if (normalise(classes.get(i)).equals(wanted)) {
                return i;
            }
        }
        if (label.strip().matches("\\d{1,9}")) {
            int index = Integer.parseInt(label.strip());
            if (index < classes.size()) {
                return index;
            }
            throw new BadInputException(
                    "label",
                    "label index " + index + " is out of range: the model has " + classes.size() + " classes (0.."
                            + (classes.size() - 1) + "): " + classes);
        }
        throw new BadInputException("label", "unknown label " + ClientText.quote(label) + "; classes are " + classes);
    }

    /** The class whose name the prompt mentions; the longest name wins ("ankle boot" over "boot"). */
    static int fromPrompt(String prompt, List<String> classes) {
        requireVisible("prompt", prompt);
        String text = " " + normalise(prompt) + " ";
        int best = -1;
        for (int i = 0; i < classes.size(); i++) {
            String name = normalise(classes.get(i));
            if (text.contains(" " + name + " ") || text.contains(" " + name + "s ")) {
                if (best < 0 || name.length() > normalise(classes.get(best)).length()) {
                    best = i;
                }
            }
        }
        if (best < 0) {
            throw new BadInputException(
                    "prompt", "prompt " + ClientText.quote(prompt) + " names none of the model's classes: " + classes);
        }
        return best;
    }

    /**
     * Refuses control, zero-width, bidi and other invisible characters: matching would silently
     * ignore them (names are compared on letters and digits), so "squ\u200Bare" would pass for
     * "square" while meaning something else to whoever wrote it.
     */
    private static void requireVisible(String field, String value) {
        int cp = ClientText.firstInvisible(value);
        if (cp >= 0) {
            throw new BadInputException(
                    field,
                    "'" + field + "' contains an invisible or control character (U+" + String.format("%04X", cp) + "): "
                            + ClientText.quote(value));
        }
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
    }
}
