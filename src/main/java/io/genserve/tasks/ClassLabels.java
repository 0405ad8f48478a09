package io.genserve.tasks;

import io.genserve.error.BadInputException;
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
        throw new BadInputException("label", "unknown label '" + label + "'; classes are " + classes);
    }

    /** The class whose name the prompt mentions; the longest name wins ("ankle boot" over "boot"). */
    static int fromPrompt(String prompt, List<String> classes) {
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
                    "prompt", "prompt '" + prompt + "' names none of the model's classes: " + classes);
        }
        return best;
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
    }
}
