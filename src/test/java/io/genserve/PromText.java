package io.genserve;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Prometheus's text format: the sum of the series of one name whose labels include the
 * given ones. Matching on a subset of labels keeps a check true when a meter gains a tag.
 */
public final class PromText {
    private static final Pattern LINE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PromText() {}

    /** @param labels name, value, name, value... */
    public static double sum(String scrape, String name, String... labels) {
        double total = 0;
        boolean found = false;
        Matcher m = LINE.matcher(scrape);
        while (m.find()) {
            if (m.group(1).equals(name) && matches(m.group(2), labels)) {
                total += Double.parseDouble(m.group(3));
                found = true;
            }
        }
        return found ? total : 0;
    }

    /** Waits up to 10 s for the sum of those series on the service's scrape to reach {@code value}. */
    public static double await(TestHttp http, double value, String name, String... labels) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        double now = sum(TestHttp.text(http.get("/actuator/prometheus")), name, labels);
        while (now != value && System.nanoTime() < until) {
            Thread.sleep(20);
            now = sum(TestHttp.text(http.get("/actuator/prometheus")), name, labels);
        }
        return now;
    }

    /** Whether at least one series of that name has those labels. */
    public static boolean has(String scrape, String name, String... labels) {
        Matcher m = LINE.matcher(scrape);
        while (m.find()) {
            if (m.group(1).equals(name) && matches(m.group(2), labels)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String labelBlock, String[] wanted) {
        Map<String, String> have = new HashMap<>();
        if (labelBlock != null) {
            Matcher l = LABEL.matcher(labelBlock);
            while (l.find()) {
                have.put(l.group(1), l.group(2));
            }
        }
        for (int i = 0; i < wanted.length; i += 2) {
            if (!wanted[i + 1].equals(have.get(wanted[i]))) {
                return false;
            }
        }
        return true;
    }
}
