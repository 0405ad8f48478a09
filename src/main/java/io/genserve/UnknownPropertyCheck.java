package io.genserve;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

/**
 * Fails the start when any property source (command line, environment variables, application.yaml,
 * the chart's ConfigMap, system properties) holds a {@code genserve.*} key that no configuration
 * record binds: Spring Boot ignores such a key, so a typo would silently leave the default in
 * force. Runs as a bean factory post-processor, before any bean is created: a typo fails the start
 * before the models load. {@link StartupFailureAnalyzer} explains it.
 */
@Component
final class UnknownPropertyCheck implements BeanFactoryPostProcessor, EnvironmentAware {
    private final GenserveKeys keys = GenserveKeys.ofApplication();
    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (environment instanceof ConfigurableEnvironment configurable) {
            check(configurable, keys);
        }
    }

    /** @throws UnknownPropertyException naming every unknown key, where it came from, and the nearest key */
    static void check(ConfigurableEnvironment environment, GenserveKeys keys) {
        List<String> problems = new ArrayList<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)) {
                continue;
            }
            boolean variables = source instanceof SystemEnvironmentPropertySource;
            for (String name : enumerable.getPropertyNames()) {
                String problem = keys.problem(name, variables);
                if (problem != null) {
                    problems.add(problem + " (" + where(source, name) + ")");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new UnknownPropertyException(problems);
        }
    }

    private static String where(PropertySource<?> source, String name) {
        Origin origin = source instanceof OriginLookup<?> lookup ? originOf(lookup, name) : null;
        if (origin != null && !(source instanceof SystemEnvironmentPropertySource)) {
            return "set in " + origin;
        }
        return switch (source.getName()) {
            case "commandLineArgs" -> "set on the command line";
            case "systemEnvironment" -> "an environment variable";
            case "systemProperties" -> "a JVM system property";
            default -> "set in " + source.getName();
        };
    }

    @SuppressWarnings("unchecked")
    private static Origin originOf(OriginLookup<?> lookup, String name) {
        return ((OriginLookup<String>) lookup).getOrigin(name);
    }

    /** One or more genserve.* keys that nothing binds. */
    static final class UnknownPropertyException extends RuntimeException {
        private final List<String> problems;

        UnknownPropertyException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        List<String> problems() {
            return problems;
        }
    }
}
