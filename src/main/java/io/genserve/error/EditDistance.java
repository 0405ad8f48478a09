package io.genserve.error;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;

/** Levenshtein distance, for "did you mean" hints on misspelt field, key and property names. Stateless. */
public final class EditDistance {
    private EditDistance() {}

    /** The known name closest to {@code name}, ignoring case, when it is close enough to be a typo; else null. */
    public static String nearest(String name, Collection<String> known) {
        if (name == null || name.length() > 64) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        return known.stream()
                .min(Comparator.comparingInt((String k) -> of(n, k.toLowerCase(Locale.ROOT))))
                .filter(k -> of(n, k.toLowerCase(Locale.ROOT)) <= Math.max(2, k.length() / 3))
                .orElse(null);
    }

    public static int of(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
