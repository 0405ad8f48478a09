package io.genserve;

import io.genserve.error.EditDistance;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * The {@code genserve.*} property keys the application binds, read from its
 * {@code @ConfigurationProperties} records themselves (no list to keep), and the test of a key
 * against them with Spring Boot's relaxed binding: {@code max-batch-size}, {@code maxBatchSize} and
 * {@code max_batch_size} are one key, and so are the environment variables
 * {@code GENSERVE_BATCHING_MAX_BATCH_SIZE} and {@code GENSERVE_BATCHING_MAXBATCHSIZE}. A record
 * component that is itself a record Spring cannot convert from text is a group of keys (e.g.
 * {@code genserve.http.shedding.*}); a map takes any key below it ({@code genserve.http.max-body.*});
 * a list takes indexes. Immutable, thread-safe.
 */
public final class GenserveKeys {
    static final String PREFIX = "genserve";

    /**
     * Environment variables that start with {@code GENSERVE_} without being properties: the image's
     * own ({@code GENSERVE_HOME}, and {@code GENSERVE_CDS} for its class-data-sharing training run:
     * docker/entrypoint.sh), and the ones Kubernetes gives every pod for
     * each Service of its namespace (service links: a Service named genserve gives
     * {@code GENSERVE_SERVICE_HOST}, {@code GENSERVE_PORT_8080_TCP_ADDR}, ...).
     */
    static final Pattern NOT_PROPERTIES = Pattern.compile("GENSERVE_HOME|GENSERVE_CDS"
            + "|GENSERVE(_[A-Z0-9]+)*_SERVICE_(HOST|PORT(_[A-Z0-9_]+)?)"
            + "|GENSERVE(_[A-Z0-9]+)*_PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?");

    /** Keys in their documented (kebab-case) form, e.g. genserve.batching.max-batch-size. */
    private final Set<String> keys;
    /** Maps: any key below these is valid, e.g. genserve.http.max-body. */
    private final Set<String> maps;

    private GenserveKeys(Set<String> keys, Set<String> maps) {
        this.keys = Set.copyOf(keys);
        this.maps = Set.copyOf(maps);
    }

    /** The keys of every {@code @ConfigurationProperties("genserve...")} record in io.genserve. */
    public static GenserveKeys ofApplication() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<Class<?>> records = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents(GenserveKeys.class.getPackageName())) {
            records.add(ClassUtils.resolveClassName(candidate.getBeanClassName(), GenserveKeys.class.getClassLoader()));
        }
        return of(records);
    }

    static GenserveKeys of(Collection<Class<?>> records) {
        Set<String> keys = new TreeSet<>();
        Set<String> maps = new TreeSet<>();
        for (Class<?> type : records) {
            ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            if (prefix.equals(PREFIX) || prefix.startsWith(PREFIX + ".")) {
                collect(prefix, type, keys, maps);
            }
        }
        return new GenserveKeys(keys, maps);
    }

    private static void collect(String prefix, Class<?> type, Set<String> keys, Set<String> maps) {
        if (!type.isRecord()) {
            throw new IllegalStateException(type + " binds " + prefix + ".* but is not a record");
        }
        for (RecordComponent c : type.getRecordComponents()) {
            String key = prefix + "." + dashed(c.getName());
            Class<?> t = c.getType();
            if (Map.class.isAssignableFrom(t)) {
                maps.add(key);
            } else if (t.isRecord() && !convertibleFromText(c.getGenericType())) {
                collect(key, t, keys, maps);
            } else {
                keys.add(key);
            }
        }
    }

    private static boolean convertibleFromText(Type type) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        return ApplicationConversionService.getSharedInstance().canConvert(String.class, raw);
    }

    /** maxBatchSize -> max-batch-size, as Spring Boot documents a record component. */
    static String dashed(String name) {
        StringBuilder b = new StringBuilder();
        for (char ch : name.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('-').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** Every key, documented form, maps as {@code prefix.*}. */
    public Set<String> all() {
        Set<String> all = new TreeSet<>(keys);
        maps.forEach(m -> all.add(m + ".*"));
        return all;
    }

    /** Whether {@code name} is a genserve.* property name at all (and so must be one of the keys). */
    static boolean inNamespace(String name, boolean environmentVariable) {
        return environmentVariable
                ? name.toUpperCase(Locale.ROOT).startsWith("GENSERVE_")
                        && !NOT_PROPERTIES
                                .matcher(name.toUpperCase(Locale.ROOT))
                                .matches()
                : name.toLowerCase(Locale.ROOT).startsWith(PREFIX + ".") || name.equalsIgnoreCase(PREFIX);
    }

    /**
     * Null when {@code name} (from a property file, the command line, or the environment when
     * {@code environmentVariable}) is one of the keys or is not a genserve.* name; else why not,
     * with the nearest key.
     */
    public String problem(String name, boolean environmentVariable) {
        if (!inNamespace(name, environmentVariable)) {
            return null;
        }
        List<String> elements = elements(name, environmentVariable);
        // Environment variables cannot tell a dash from a dot: compare them without either.
        String joiner = environmentVariable ? "" : ".";
        String given = String.join(joiner, elements);
        for (String key : keys) {
            if (String.join(joiner, elements(key, false)).equals(given)) {
                return null;
            }
        }
        for (String map : maps) {
            String m = String.join(joiner, elements(map, false));
            if (given.length() > m.length() && given.startsWith(m + joiner)) {
                return null;
            }
        }
        return "unknown property " + name + nearest(name, environmentVariable);
    }

    private String nearest(String name, boolean environmentVariable) {
        List<String> candidates = new ArrayList<>(keys);
        // a map's own key below the map, e.g. genserve.http.max-bdy.inpaint -> genserve.http.max-body.inpaint
        String[] given = name.split(environmentVariable ? "_" : "\\.");
        for (String map : maps) {
            int depth = map.split("\\.").length;
            if (given.length > depth) {
                candidates.add(map + "."
                        + String.join(".", List.of(given).subList(depth, given.length))
                                .toLowerCase(Locale.ROOT));
            }
        }
        if (environmentVariable) {
            List<String> variables =
                    candidates.stream().map(GenserveKeys::variable).toList();
            String nearest = nearestInGroup(name, variables, '_');
            return nearest == null
                    ? "; the genserve.* keys are " + String.join(", ", all())
                    : "; did you mean " + nearest + " (" + candidates.get(variables.indexOf(nearest)) + ")?";
        }
        String nearest = nearestInGroup(name, candidates, '.');
        if (nearest != null) {
            return "; did you mean " + nearest + "?";
        }
        String group = deepestGroup(name, all(), '.');
        return "; the " + group + "* keys are "
                + String.join(
                        ", ", all().stream().filter(k -> k.startsWith(group)).toList());
    }

    /**
     * The candidate nearest to {@code name} among those in the deepest group the name shares with
     * any (genserve.batching.), comparing what follows the group: a whole-key distance would find
     * "genserve.batching.timeout" close to "genserve.batching.colour".
     */
    private static String nearestInGroup(String name, Collection<String> candidates, char separator) {
        String group = deepestGroup(name, candidates, separator);
        List<String> rests = candidates.stream()
                .filter(c -> c.regionMatches(true, 0, group, 0, group.length()))
                .map(c -> c.substring(group.length()))
                .toList();
        String nearest = EditDistance.nearest(name.substring(group.length()), rests);
        return nearest == null
                ? null
                : candidates.stream()
                        .filter(c -> c.equalsIgnoreCase(group + nearest))
                        .findFirst()
                        .orElse(null);
    }

    /** The longest prefix of {@code name} ending with a separator that some candidate shares (case ignored). */
    private static String deepestGroup(String name, Collection<String> candidates, char separator) {
        String group = "";
        for (String c : candidates) {
            for (int i = name.indexOf(separator); i >= 0; i = name.indexOf(separator, i + 1)) {
                if (i + 1 > group.length()
                        && c.length() > i
                        && c.charAt(i) == separator
                        && c.regionMatches(true, 0, name, 0, i + 1)) {
                    group = name.substring(0, i + 1);
                }
            }
        }
        return group;
    }

    /** genserve.batching.max-batch-size -> GENSERVE_BATCHING_MAX_BATCH_SIZE. */
    static String variable(String key) {
        return key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * The elements of a name as Spring compares them: lower case, letters and digits only, without
     * list indexes ({@code [0]}, or a number of its own as in {@code GENSERVE_X_SIZES_0}).
     */
    private static List<String> elements(String name, boolean environmentVariable) {
        List<String> out = new ArrayList<>();
        for (String element : name.replaceAll("\\[[0-9]+]", "").split(environmentVariable ? "_" : "\\.")) {
            String e = element.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            if (!e.isEmpty() && !e.chars().allMatch(Character::isDigit)) {
                out.add(e);
            }
        }
        return out;
    }
}
