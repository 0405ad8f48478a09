package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.genserve.GenserveKeys;
import io.genserve.batching.HeapShare;
import io.genserve.edge.HttpEdgeProperties;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;

/**
 * helm lint and helm template of helm/genserve through the real Helm library, with the default
 * values, with ci/gpu-values.yaml and with examples/prometheus-operator-values.yaml layered over
 * it, and the rendered objects checked as typed
 * Kubernetes objects: what the kubelet, the Service and Prometheus will do with them.
 */
class HelmChartTest {
    /** The actuator endpoints the service answers (PrometheusScrapeTest asks the running service). */
    static final String LIVENESS = "/actuator/health/liveness";

    static final String READINESS = "/actuator/health/readiness";
    static final String METRICS = "/actuator/prometheus";
    /** The Grafana dashboard: for manual import, and in the chart's ConfigMap. */
    static final Path DASHBOARD = HelmChart.CHART.resolve("dashboards/genserve.json");

    static final HelmChart.Manifests DEFAULTS = HelmChart.render();
    static final HelmChart.Manifests GPU = HelmChart.render(List.of(HelmChart.GPU_VALUES));
    static final HelmChart.Manifests MONITORED =
            HelmChart.render(List.of(HelmChart.GPU_VALUES, HelmChart.OPERATOR_VALUES));

    static Stream<Arguments> bothValueSets() {
        return Stream.of(
                Arguments.of("default values", DEFAULTS),
                Arguments.of("GPU values", GPU),
                Arguments.of("GPU + Prometheus Operator values", MONITORED));
    }

    @Test
    void lintsCleanWithDefaultValues() {
        assertLintClean(HelmChart.lint());
    }

    @Test
    void lintsCleanWithGpuValues(@TempDir Path scratch) {
        assertLintClean(HelmChart.lint(HelmChart.GPU_VALUES, scratch));
    }

    @Test
    void lintsCleanWithPrometheusOperatorValues(@TempDir Path scratch) {
        assertLintClean(HelmChart.lint(HelmChart.OPERATOR_VALUES, scratch));
    }

    static Stream<Path> ciValues() throws IOException {
        try (Stream<Path> files = Files.list(HelmChart.CI_VALUES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /**
     * chart-testing installs every ci/*.yaml on a fresh cluster, and a new user tries them on
     * theirs: they may render only built-in kinds (no Prometheus Operator CRDs), an HPA only on
     * resource metrics with a target above 0 (no metrics adapter), and no RuntimeClass, which
     * would have to exist before a pod could be created.
     */
    @ParameterizedTest
    @MethodSource("ciValues")
    void everyCiExampleInstallsOnABareCluster(Path values) {
        HelmChart.Manifests m = HelmChart.render(List.of(values));
        assertThat(m.objects()).allSatisfy(o -> assertThat(o).isInstanceOf(HasMetadata.class));
        assertThat(m.all(HasMetadata.class))
                .extracting(HasMetadata::getApiVersion)
                .allMatch(v ->
                        List.of("v1", "apps/v1", "autoscaling/v2", "policy/v1").contains(v));
        m.find(HorizontalPodAutoscaler.class)
                .ifPresent(hpa -> assertThat(hpa.getSpec().getMetrics())
                        .isNotEmpty()
                        .allSatisfy(metric -> {
                            assertThat(metric.getType()).isEqualTo("Resource");
                            assertThat(metric.getResource().getTarget().getAverageUtilization())
                                    .isPositive();
                        }));
        assertThat(podSpec(m).getRuntimeClassName()).isNull();
        assertThat(container(m).getImage())
                .as("the repository to push to is named")
                .contains("/");
    }

    @Test
    void defaultValuesRenderTheCoreObjectsOnly() {
        assertThat(DEFAULTS.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Deployment");
        assertThat(DEFAULTS.one(Deployment.class).getSpec().getReplicas()).isEqualTo(1);
        PodTemplateSpec pod = DEFAULTS.one(Deployment.class).getSpec().getTemplate();
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", METRICS)
                .containsEntry("prometheus.io/port", Integer.toString(port(container(DEFAULTS), "management")));
        assertThat(executionProvider(DEFAULTS)).isEqualTo("auto");
        assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactlyInAnyOrder("config", "tmp");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void probesAskTheActuatorHealthGroupsOnTheNamedContainerPort(String name, HelmChart.Manifests m) {
        Container c = container(m);
        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo(LIVENESS);
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo(LIVENESS);
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo(READINESS);
        for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal())
                    .as("probes on the management port: no API traffic can starve them")
                    .isEqualTo("management");
        }
        assertThat(port(c, "management"))
                .isEqualTo(applicationYaml(m).at("/management/server/port").asInt());
        assertThat(port(c, "http"))
                .isEqualTo(applicationYaml(m).at("/server/port").asInt());
        // The startup probe must give model loading and warm-up time before liveness may kill the pod.
        Probe startup = c.getStartupProbe();
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).isGreaterThanOrEqualTo(120);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void runsNonRootWithoutPrivilegesOnAReadOnlyRootFilesystem(String name, HelmChart.Manifests m) {
        PodSpec pod = podSpec(m);
        Container c = container(m);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        // The one writable place: /tmp on an emptyDir.
        VolumeMount tmp = mount(c, "/tmp");
        assertThat(volume(pod, tmp.getName()).getEmptyDir()).isNotNull();
        assertThat(tmp.getReadOnly()).isNotEqualTo(Boolean.TRUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void setsRequestsAndLimits(String name, HelmChart.Manifests m) {
        Map<String, Quantity> requests = container(m).getResources().getRequests();
        Map<String, Quantity> limits = container(m).getResources().getLimits();
        assertThat(requests).containsKeys("cpu", "memory");
        assertThat(limits).containsKey("memory");
        assertThat(Quantity.getAmountInBytes(limits.get("memory")))
                .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void queuedRequestsFitWellInsideTheHeapTheImageGivesTheJvm(String name, HelmChart.Manifests m) throws IOException {
        Matcher percent = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)")
                .matcher(Files.readString(Path.of("docker/entrypoint.sh")));
        assertThat(percent.find())
                .as("docker/entrypoint.sh sets -XX:MaxRAMPercentage")
                .isTrue();
        BigDecimal memory = Quantity.getAmountInBytes(
                container(m).getResources().getLimits().get("memory"));
        double heap = memory.doubleValue() * Double.parseDouble(percent.group(1)) / 100;
        HeapShare queued = HeapShare.valueOf(
                applicationYaml(m).at("/genserve/batching/max-queued-memory").asString());
        assertThat((double) queued.bytesOf((long) heap)).isLessThanOrEqualTo(heap / 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void readsApplicationYamlFromTheConfigMap(String name, HelmChart.Manifests m) {
        Container c = container(m);
        ConfigMap config = m.one(ConfigMap.class);
        assertThat(config.getData()).containsKey("application.yaml");
        String location = env(c, "SPRING_CONFIG_ADDITIONAL_LOCATION");
        assertThat(location).startsWith("file:").endsWith("/");
        VolumeMount mount = mount(c, location.substring("file:".length()).replaceFirst("/$", ""));
        assertThat(volume(podSpec(m), mount.getName()).getConfigMap().getName())
                .isEqualTo(config.getMetadata().getName());
        assertThat(applicationYaml(m).at("/server/port").asInt()).isEqualTo(port(c, "http"));
    }

    /**
     * The service fails its start on a genserve.* key nothing binds: every key the chart writes
     * into the ConfigMap, and every GENSERVE_ variable it sets, must be one the service knows.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void everyGenserveKeyTheChartSetsIsOneTheServiceBinds(String name, HelmChart.Manifests m) {
        GenserveKeys keys = GenserveKeys.ofApplication();
        List<String> set = new ArrayList<>();
        flatten("", applicationYaml(m), set);
        assertThat(set).contains("genserve.batching.max-queued-memory");
        assertThat(set).allSatisfy(key -> assertThat(keys.problem(key, false)).isNull());
        assertThat(container(m).getEnv())
                .extracting(EnvVar::getName)
                .contains("GENSERVE_MODEL_REPOSITORY")
                .allSatisfy(variable -> assertThat(keys.problem(variable, true)).isNull());

        // and a typo in genserve.config reaches the service, which names it
        JsonNode typo = applicationYaml(HelmChart.render("genserve.config.genserve.batching.max-batch-sise", "8"));
        List<String> typoKeys = new ArrayList<>();
        flatten("", typo, typoKeys);
        assertThat(typoKeys).contains("genserve.batching.max-batch-sise");
        assertThat(keys.problem("genserve.batching.max-batch-sise", false))
                .endsWith("did you mean genserve.batching.max-batch-size?");
    }

    private static void flatten(String prefix, JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties()
                    .forEach(
                            e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            out.add(prefix);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void terminationOutlastsThePreStopSleepAndTheDrain(String name, HelmChart.Manifests m) {
        Container c = container(m);
        Duration drain = DurationStyle.detectAndParse(
                applicationYaml(m).at("/genserve/batching/drain-timeout").asString());
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        long sleep = Long.parseLong(preStop.get(1));
        assertThat(sleep).isPositive();
        assertThat(podSpec(m).getTerminationGracePeriodSeconds()).isGreaterThan(sleep + drain.toSeconds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void serviceSelectsThePodsAndTargetsTheNamedPort(String name, HelmChart.Manifests m) {
        Service service = m.one(Service.class);
        assertThat(m.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(m.one(Deployment.class).getSpec().getSelector().getMatchLabels())
                .isEqualTo(service.getSpec().getSelector());
        ServicePort http = service.getSpec().getPorts().get(0);
        assertThat(http.getName()).isEqualTo("http");
        assertThat(container(m).getPorts())
                .extracting(ContainerPort::getName)
                .contains(http.getTargetPort().getStrVal());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothValueSets")
    void serviceExposesGrpcOnThePortTheServiceListensOn(String name, HelmChart.Manifests m) {
        ServicePort grpc = m.one(Service.class).getSpec().getPorts().stream()
                .filter(p -> "grpc".equals(p.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(grpc.getTargetPort().getStrVal()).isEqualTo("grpc");
        assertThat(grpc.getAppProtocol()).isEqualTo("grpc");
        assertThat(applicationYaml(m).at("/genserve/grpc/enabled").asBoolean()).isTrue();
        assertThat(applicationYaml(m).at("/genserve/grpc/port").asInt()).isEqualTo(port(container(m), "grpc"));
    }

    @Test
    void modelManagementIsOffByDefault() {
        assertThat(DEFAULTS.find(io.fabric8.kubernetes.api.model.Secret.class)).isEmpty();
        assertThat(container(DEFAULTS).getEnv())
                .extracting(EnvVar::getName)
                .doesNotContain("GENSERVE_MANAGEMENT_TOKEN");
        assertThat(applicationYaml(DEFAULTS).at("/genserve/management/enabled").asBoolean())
                .isFalse();
        assertThat(applicationYaml(DEFAULTS).has("model-repository-poll")).isFalse();
    }

    @Test
    void modelManagementTakesItsTokenFromASecretNeverFromTheConfigMap() {
        String token = "0123456789abcdef-token";
        HelmChart.Manifests own = HelmChart.render(
                "modelManagement.enabled", "true",
                "modelManagement.token.value", token,
                "modelManagement.repositoryPoll", "30s");
        io.fabric8.kubernetes.api.model.Secret secret = own.one(io.fabric8.kubernetes.api.model.Secret.class);
        EnvVar env = tokenEnv(own);
        assertThat(env.getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(secret.getMetadata().getName());
        assertThat(new String(java.util.Base64.getDecoder()
                        .decode(secret.getData()
                                .get(env.getValueFrom().getSecretKeyRef().getKey()))))
                .isEqualTo(token);
        assertThat(own.one(ConfigMap.class).getData().get("application.yaml")).doesNotContain(token);
        assertThat(applicationYaml(own).at("/genserve/management/enabled").asBoolean())
                .isTrue();
        assertThat(applicationYaml(own).at("/genserve/model-repository-poll").asString())
                .isEqualTo("30s");

        HelmChart.Manifests existing = HelmChart.render(
                "modelManagement.enabled", "true",
                "modelManagement.token.existingSecret", "ops-genserve-token",
                "modelManagement.token.key", "bearer");
        assertThat(existing.find(io.fabric8.kubernetes.api.model.Secret.class)).isEmpty();
        assertThat(tokenEnv(existing).getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("ops-genserve-token");
        assertThat(tokenEnv(existing).getValueFrom().getSecretKeyRef().getKey()).isEqualTo("bearer");

        assertThatThrownBy(() -> HelmChart.render("modelManagement.enabled", "true"))
                .hasMessageContaining("modelManagement.token");
        assertThatThrownBy(() ->
                        HelmChart.render("modelManagement.enabled", "true", "modelManagement.token.value", "short"))
                .hasMessageContaining("value");
    }

    private static EnvVar tokenEnv(HelmChart.Manifests m) {
        return container(m).getEnv().stream()
                .filter(e -> e.getName().equals("GENSERVE_MANAGEMENT_TOKEN"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void serviceMonitorSelectsTheServiceAndScrapesItsMetricsPort() {
        assertThat(GPU.find(ServiceMonitor.class))
                .as("not in the bare-cluster example")
                .isEmpty();
        Service service = MONITORED.one(Service.class);
        ServiceMonitor monitor = MONITORED.one(ServiceMonitor.class);
        assertThat(monitor.apiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(service.getMetadata().getLabels())
                .containsAllEntriesOf(monitor.spec().selector().getMatchLabels());
        assertThat(monitor.spec().namespaceSelector().matchNames()).containsExactly(HelmChart.NAMESPACE);
        assertThat(monitor.spec().endpoints()).hasSize(1);
        ServiceMonitor.Endpoint endpoint = monitor.spec().endpoints().get(0);
        assertThat(service.getSpec().getPorts())
                .extracting(ServicePort::getName)
                .contains(endpoint.port());
        assertThat(endpoint.path()).isEqualTo(METRICS);
        // The same path as the prometheus.io annotations, so that both kinds of scraping agree.
        assertThat(MONITORED
                        .one(Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("prometheus.io/path", endpoint.path());
    }

    @Test
    void gpuValuesAskForAGpuNodeAndTheCudaProvider() {
        PodSpec pod = podSpec(GPU);
        Container c = container(GPU);
        assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(pod.getRuntimeClassName()).isNull();
        assertThat(HelmChart.render(
                        List.of(HelmChart.GPU_VALUES),
                        "gpu.runtimeClassName",
                        "nvidia",
                        "gpu.nodeSelector.nvidia\\.com/gpu\\.product",
                        "NVIDIA-L4"))
                .satisfies(m -> {
                    assertThat(podSpec(m).getRuntimeClassName()).isEqualTo("nvidia");
                    assertThat(podSpec(m).getNodeSelector()).containsEntry("nvidia.com/gpu.product", "NVIDIA-L4");
                });
        assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(executionProvider(GPU)).isEqualTo("cuda");
        assertThat(c.getImage()).endsWith("-cuda");
        // The default values ask for none of it.
        assertThat(container(DEFAULTS).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(podSpec(DEFAULTS).getRuntimeClassName()).isNull();
        assertThat(podSpec(DEFAULTS).getTolerations()).isNullOrEmpty();
    }

    @Test
    void autoscalerScalesTheDeploymentOnQueuedRequestsAndOwnsItsReplicas() {
        Deployment deployment = MONITORED.one(Deployment.class);
        HorizontalPodAutoscaler hpa = MONITORED.one(HorizontalPodAutoscaler.class);
        assertThat(deployment.getSpec().getReplicas())
                .as("the HPA, not the chart, sets replicas")
                .isNull();
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName())
                .isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas())
                .isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
        MetricSpec queue = hpa.getSpec().getMetrics().stream()
                .filter(metric -> metric.getType().equals("Pods"))
                .findFirst()
                .orElseThrow();
        assertThat(queue.getType()).isEqualTo("Pods");
        assertThat(queue.getPods().getMetric().getName()).isEqualTo("genserve_queue_depth");
        assertThat(queue.getPods().getTarget().getType()).isEqualTo("AverageValue");
    }

    @Test
    void autoscalerDefaultsToCpuUtilisation() {
        HorizontalPodAutoscaler hpa =
                HelmChart.render("autoscaling.enabled", "true").one(HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(metric -> {
            assertThat(metric.getType()).isEqualTo("Resource");
            assertThat(metric.getResource().getName()).isEqualTo("cpu");
            assertThat(metric.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        });
    }

    @Test
    void disruptionBudgetSelectsThePods() {
        PodDisruptionBudget pdb = GPU.one(PodDisruptionBudget.class);
        assertThat(GPU.one(Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void modelsCanComeFromAPersistentVolumeClaim() {
        HelmChart.Manifests m = HelmChart.render("models.source", "pvc", "models.pvc.claimName", "my-models");
        Container c = container(m);
        VolumeMount models = mount(c, env(c, "GENSERVE_MODEL_REPOSITORY"));
        assertThat(models.getReadOnly()).isTrue();
        assertThat(volume(podSpec(m), models.getName())
                        .getPersistentVolumeClaim()
                        .getClaimName())
                .isEqualTo("my-models");
    }

    @Test
    void modelsCanBeUnpackedByAnInitContainerIntoAnEmptyDir() {
        HelmChart.Manifests m = HelmChart.render(
                "models.source", "init", "models.init.url", "https://models.example/genserve-models.tar.gz");
        PodSpec pod = podSpec(m);
        Container c = container(m);
        VolumeMount models = mount(c, env(c, "GENSERVE_MODEL_REPOSITORY"));
        assertThat(volume(pod, models.getName()).getEmptyDir()).isNotNull();
        Container init = pod.getInitContainers().get(0);
        assertThat(init.getVolumeMounts()).extracting(VolumeMount::getName).contains(models.getName());
        assertThat(init.getEnv())
                .contains(new EnvVar("MODELS_URL", "https://models.example/genserve-models.tar.gz", null));
        assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(init.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }

    @Test
    void chartAndImageAgreeOnPortUserModelsAndTmp() {
        Dockerfile.Stage image = Dockerfile.read().finalStage();
        Container c = container(DEFAULTS);
        assertThat(image.all("EXPOSE"))
                .extracting(Dockerfile.Instruction::arguments)
                .contains(port(c, "http") + " " + port(c, "management") + " " + port(c, "grpc"));
        String uid = image.one("USER").arguments().split(":")[0];
        assertThat(podSpec(DEFAULTS).getSecurityContext().getRunAsUser()).isEqualTo(Long.parseLong(uid));
        assertThat(env(c, "GENSERVE_MODEL_REPOSITORY")).isEqualTo(image.env().get("GENSERVE_MODEL_REPOSITORY"));
        assertThat(image.env().get("TMPDIR")).isEqualTo(mount(c, "/tmp").getMountPath());
        assertThat(image.all("VOLUME"))
                .extracting(Dockerfile.Instruction::arguments)
                .contains("/tmp");
    }

    @Test
    void theChartRestatesTheServicesBodyLimitsExactly() {
        JsonNode limits = applicationYaml(DEFAULTS).at("/genserve/http/max-body");
        Map<String, Long> chart = new java.util.TreeMap<>();
        limits.properties()
                .forEach(e -> chart.put(
                        e.getKey(), DataSize.parse(e.getValue().asString()).toBytes()));
        Map<String, Long> service = new java.util.TreeMap<>();
        HttpEdgeProperties.DEFAULT_MAX_BODY.forEach((k, v) -> service.put(k, v.toBytes()));
        assertThat(chart).isEqualTo(service);
    }

    @Test
    void wrongValuesFailAtInstallTime() {
        assertThatThrownBy(() -> HelmChart.render("genserve.onnx.executionProvider", "tpu"))
                .hasMessageContaining("executionProvider");
        assertThatThrownBy(() -> HelmChart.render("replicas", "3")).hasMessageContaining("replicas");
        assertThatThrownBy(() -> HelmChart.render("models.source", "pvc")).hasMessageContaining("claimName");
        assertThatThrownBy(() -> HelmChart.render("models.source", "init")).hasMessageContaining("url");
        assertThatThrownBy(() -> HelmChart.render("terminationGracePeriodSeconds", "20"))
                .hasMessageContaining("terminationGracePeriodSeconds");
    }

    @Test
    void grafanaDashboardIsTheRepositorysJsonInAConfigMapTheSidecarLoads() throws IOException {
        assertThat(DEFAULTS.all(ConfigMap.class)).as("off by default").hasSize(1);
        HelmChart.Manifests m = HelmChart.render("grafanaDashboard.enabled", "true");
        ConfigMap dashboard = m.all(ConfigMap.class).stream()
                .filter(c -> c.getData().containsKey("genserve.json"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no dashboard ConfigMap"));
        assertThat(dashboard.getMetadata().getLabels())
                .containsEntry("grafana_dashboard", "1")
                .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE);
        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(HelmChart.NAMESPACE);
        // The same file as the one for manual import, byte for byte.
        assertThat(dashboard.getData().get("genserve.json"))
                .isEqualTo(Files.readString(DASHBOARD).stripTrailing());
        JsonNode json = HelmChart.YAML.readTree(Files.readString(DASHBOARD));
        assertThat(json.path("uid").asString()).isEqualTo("genserve");
        assertThat(json.path("panels").size()).isGreaterThan(10);

        // The sidecar's label, the folder annotation and the namespace are the user's to choose.
        ConfigMap custom = HelmChart.render(
                        "grafanaDashboard.enabled", "true",
                        "grafanaDashboard.labels.grafana_dashboard", "null",
                        "grafanaDashboard.labels.dashboards", "genserve",
                        "grafanaDashboard.annotations.grafana_folder", "Inference",
                        "grafanaDashboard.namespace", "monitoring")
                .all(ConfigMap.class)
                .stream()
                .filter(c -> c.getData().containsKey("genserve.json"))
                .findFirst()
                .orElseThrow();
        assertThat(custom.getMetadata().getLabels())
                .containsEntry("dashboards", "genserve")
                .doesNotContainKey("grafana_dashboard");
        assertThat(custom.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Inference");
        assertThat(custom.getMetadata().getNamespace()).isEqualTo("monitoring");
    }

    @Test
    void prometheusRuleAlertsOnThisReleasesSeriesWithTheConfiguredThresholds() {
        assertThat(DEFAULTS.find(PrometheusRule.class)).as("off by default").isEmpty();
        PrometheusRule rule = HelmChart.render(
                        "prometheusRule.enabled", "true",
                        "prometheusRule.labels.release", "kube-prometheus-stack",
                        "prometheusRule.errorRatio.threshold", "0.2",
                        "prometheusRule.latencyP99.seconds", "1.5",
                        "prometheusRule.noReadyPods.for", "3m")
                .one(PrometheusRule.class);
        assertThat(rule.apiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.metadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        Map<String, PrometheusRule.Rule> alerts =
                rule.rules().stream().collect(java.util.stream.Collectors.toMap(PrometheusRule.Rule::alert, r -> r));
        assertThat(alerts)
                .containsOnlyKeys(
                        "GenserveErrorRatioHigh",
                        "GenserveLatencyOverSlo",
                        "GenserveQueueSaturated",
                        "GenserveShedding",
                        "GenserveModelFailed",
                        "GenserveNoReadyPods");
        // Every expression selects the ServiceMonitor's job in the release's namespace.
        String selector = "job=\"" + HelmChart.RELEASE + "\", namespace=\"" + HelmChart.NAMESPACE + "\"";
        assertThat(alerts.values()).allSatisfy(r -> {
            assertThat(r.expr()).contains(selector);
            assertThat(r.labels()).containsKey("severity");
            assertThat(r.annotations()).containsKeys("summary", "description");
        });
        assertThat(alerts.get("GenserveErrorRatioHigh").expr()).endsWith("> 0.2");
        assertThat(alerts.get("GenserveLatencyOverSlo").expr()).endsWith("> 1.5");
        assertThat(alerts.get("GenserveQueueSaturated").expr()).endsWith("> 0.01");
        assertThat(alerts.get("GenserveShedding").expr())
                .contains("genserve_http_shed_total")
                .endsWith("> 1");
        assertThat(alerts.get("GenserveNoReadyPods").pendingFor()).isEqualTo("3m");
        assertThat(alerts.get("GenserveNoReadyPods").labels()).containsEntry("severity", "critical");

        PrometheusRule scraped = HelmChart.render(
                        "prometheusRule.enabled",
                        "true",
                        "prometheusRule.selector",
                        "job=\"kubernetes-pods\", app=\"genserve\"")
                .one(PrometheusRule.class);
        assertThat(scraped.rules())
                .allSatisfy(r -> assertThat(r.expr())
                        .contains("job=\"kubernetes-pods\", app=\"genserve\"")
                        .doesNotContain(selector));
    }

    @Test
    void lintsCleanWithTheDashboardAndTheAlertsOn(@TempDir Path scratch) throws IOException {
        Path values = scratch.resolve("monitoring.yaml");
        Files.writeString(values, "grafanaDashboard: {enabled: true}\nprometheusRule: {enabled: true}\n");
        assertLintClean(HelmChart.lint(values, scratch));
    }

    @Test
    void wrongMonitoringValuesFailAtInstallTime() {
        assertThatThrownBy(() -> HelmChart.render("grafanaDashboard.enable", "true"))
                .hasMessageContaining("enable");
        assertThatThrownBy(() -> HelmChart.render("prometheusRule.errorRatio.threshold", "5"))
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> HelmChart.render(
                        "prometheusRule.enabled", "true", "prometheusRule.rejectedRatio.threshold", "1.5"))
                .hasMessageContaining("prometheusRule.rejectedRatio.threshold must be a ratio 0..1, got 1.5");
        assertThatThrownBy(() -> HelmChart.render("prometheusRule.latencyP99.seconds", "0"))
                .hasMessageContaining("seconds");
        assertThatThrownBy(() ->
                        HelmChart.render("prometheusRule.enabled", "true", "prometheusRule.latencyP99.seconds", "0.0"))
                .hasMessageContaining("prometheusRule.latencyP99.seconds must be above 0");
        assertThatThrownBy(() -> HelmChart.render("prometheusRule.latencyP99.seconds", "fast"))
                .hasMessageContaining("seconds");
        assertThatThrownBy(() -> HelmChart.render("prometheusRule.modelFailed.for", "one minute"))
                .hasMessageContaining("for");
    }

    private static void assertLintClean(LintResult result) {
        assertThat(result.isFailed())
                .as(String.join("\n", result.getMessages()))
                .isFalse();
        assertThat(result.getMessages())
                .allSatisfy(message -> assertThat(message).doesNotContain("[WARNING]", "[ERROR]"));
    }

    static PodSpec podSpec(HelmChart.Manifests m) {
        return m.one(Deployment.class).getSpec().getTemplate().getSpec();
    }

    static Container container(HelmChart.Manifests m) {
        return podSpec(m).getContainers().stream()
                .filter(c -> c.getName().equals("genserve"))
                .findFirst()
                .orElseThrow();
    }

    static JsonNode applicationYaml(HelmChart.Manifests m) {
        return HelmChart.YAML.readTree(m.one(ConfigMap.class).getData().get("application.yaml"));
    }

    private static String executionProvider(HelmChart.Manifests m) {
        return applicationYaml(m).at("/genserve/onnx/execution-provider").asString();
    }

    static int port(Container c, String name) {
        return c.getPorts().stream()
                .filter(p -> name.equals(p.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name))
                .getContainerPort();
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name))
                .getValue();
    }

    private static VolumeMount mount(Container c, String path) {
        return c.getVolumeMounts().stream()
                .filter(v -> v.getMountPath().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }
}
