package io.genserve.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * The Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1), the fields the chart sets.
 * fabric8 publishes its typed model only with the OpenShift models (openshift-model-monitoring),
 * which Maven Central does not serve for the 8.0.0 line used here; so this small record, built
 * on fabric8's own ObjectMeta and LabelSelector. Fields that no check reads are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Spec(LabelSelector selector, NamespaceSelector namespaceSelector, List<Endpoint> endpoints) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record NamespaceSelector(Boolean any, List<String> matchNames) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Endpoint(String port, String path, String scheme, String interval, String scrapeTimeout) {}
}
