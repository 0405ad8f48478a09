package io.genserve.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart in helm/genserve, linted and rendered by the real Helm library (helm-java bundles it),
 * and the rendered manifests read into fabric8's typed Kubernetes objects.
 */
final class HelmChart {
    static final Path CHART = Path.of("helm/genserve");
    /** Examples that must install on a bare cluster (chart-testing installs every ci/*.yaml). */
    static final Path CI_VALUES = CHART.resolve("ci");

    static final Path GPU_VALUES = CI_VALUES.resolve("gpu-values.yaml");
    /** Needs the Prometheus Operator's CRDs and Prometheus Adapter: layered over the others. */
    static final Path OPERATOR_VALUES = CHART.resolve("examples/prometheus-operator-values.yaml");

    static final String RELEASE = "genserve";
    static final String NAMESPACE = "ml";
    /**
     * helm template renders for this cluster version. The embedded Helm library otherwise assumes
     * v1.20, which the chart's kubeVersion (>= 1.25: autoscaling/v2, policy/v1) rightly refuses.
     */
    static final String KUBE_VERSION = "1.31.0";

    static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** Kinds the chart may render, and the typed class each one is read into. */
    private static final Map<String, Class<?>> KINDS = Map.of(
            "ServiceAccount", ServiceAccount.class,
            "ConfigMap", ConfigMap.class,
            "Service", Service.class,
            "Deployment", Deployment.class,
            "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "PodDisruptionBudget", PodDisruptionBudget.class,
            "ServiceMonitor", ServiceMonitor.class,
            "PrometheusRule", PrometheusRule.class,
            "Secret", io.fabric8.kubernetes.api.model.Secret.class);

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    private HelmChart() {}

    /** helm lint --strict of the chart with its own values. */
    static LintResult lint() {
        return new Helm(CHART).lint().strict().call();
    }

    /**
     * helm lint --strict of the chart with a values file layered over its own values. helm-java's
     * lint takes no values file, so this lints a copy of the chart whose values.yaml is the merge.
     */
    static LintResult lint(Path valuesFile, Path scratch) {
        try {
            Path copy = scratch.resolve("genserve");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(CHART.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            ObjectNode merged = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml"));
            merge(merged, YAML.readTree(valuesFile));
            YAML.writeValue(copy.resolve("values.yaml"), merged);
            return new Helm(copy).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** helm template of the chart with these values files and --set pairs (key, value, ...). */
    static Manifests render(List<Path> valuesFiles, String... sets) {
        TemplateCommand template = new Helm(CHART)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Path values : valuesFiles) {
            template = template.withValuesFile(values);
        }
        for (int i = 0; i < sets.length; i += 2) {
            template = template.set(sets[i], sets[i + 1]);
        }
        return parse(template.call());
    }

    static Manifests render(String... sets) {
        return render(List.of(), sets);
    }

    static Manifests parse(String rendered) {
        List<Object> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(rendered)) {
            JsonNode node = YAML.readTree(document);
            if (node == null || node.isMissingNode() || node.isNull()) {
                continue; // the comment-only preamble of the first document
            }
            String kind = node.path("kind").asString();
            Class<?> type = KINDS.get(kind);
            if (type == null) {
                throw new AssertionError("the chart rendered a kind these checks do not know: " + kind);
            }
            objects.add(YAML.treeToValue(node, type));
        }
        return new Manifests(List.copyOf(objects));
    }

    private static void merge(ObjectNode target, JsonNode overrides) {
        for (Map.Entry<String, JsonNode> e : overrides.properties()) {
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Rendered objects, typed. */
    record Manifests(List<Object> objects) {
        <T> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T> Optional<T> find(Class<T> type) {
            List<T> found = all(type);
            if (found.size() > 1) {
                throw new AssertionError("expected at most one " + type.getSimpleName() + ", got " + found.size());
            }
            return found.stream().findFirst();
        }

        <T> T one(Class<T> type) {
            return find(type).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " rendered"));
        }

        List<String> kinds() {
            return objects.stream()
                    .map(o -> o instanceof HasMetadata h
                            ? h.getKind()
                            : o instanceof PrometheusRule r ? r.kind() : ((ServiceMonitor) o).kind())
                    .toList();
        }
    }
}
