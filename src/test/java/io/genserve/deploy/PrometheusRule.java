package io.genserve.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus Operator's PrometheusRule (monitoring.coreos.com/v1), the fields the chart sets;
 * a small record for the same reason as {@link ServiceMonitor}. Its groups are exactly a
 * Prometheus rule file's, which is how promtool and the test's Prometheus read them.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Spec(List<Group> groups) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Group(String name, List<Rule> rules) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Rule(
            String alert,
            String expr,
            @JsonProperty("for") String pendingFor,
            Map<String, String> labels,
            Map<String, String> annotations) {}

    List<Rule> rules() {
        return spec.groups().stream().flatMap(g -> g.rules().stream()).toList();
    }

    /** The groups as a Prometheus rule file (rule_files:, promtool check rules). */
    String ruleFile() {
        return HelmChart.YAML.writeValueAsString(Map.of("groups", spec.groups()));
    }
}
