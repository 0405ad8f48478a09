package io.genserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart's monitoring as PromQL: every query of the Grafana dashboard (with Grafana's variables
 * replaced by what they stand for on one job), the template variables' label_values() queries, and
 * a Prometheus HTTP API client that says why a query failed.
 */
final class Monitoring {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

    private Monitoring() {}

    /** A query of the dashboard: where it is, and the PromQL Prometheus gets. */
    record Query(String where, String promql) {}

    /**
     * Every panel target of the dashboard, for the job {@code job} and every pod and model (the
     * "All" of the multi-value variables is .*), with $__rate_interval as 1m.
     */
    static List<Query> dashboardQueries(String job) {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String promql = target.path("expr")
                        .asString()
                        .replace("$__rate_interval", "1m")
                        .replace("$job", job)
                        .replace("$instance", ".*")
                        .replace("$model", ".*");
                assertThat(promql)
                        .as("%s: a Grafana variable the test does not know", panel.path("title"))
                        .doesNotContain("$");
                queries.add(new Query(
                        "panel '" + panel.path("title").asString() + "' "
                                + target.path("refId").asString(),
                        promql));
            }
        }
        return queries;
    }

    /** The query variables' label_values(selector, label), as PromQL that lists the label's values. */
    static List<Query> variableQueries(String job) {
        List<Query> queries = new ArrayList<>();
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if (!variable.path("type").asString().equals("query")) {
                continue;
            }
            Matcher m = LABEL_VALUES.matcher(variable.path("definition").asString());
            assertThat(m.matches())
                    .as("variable %s is a label_values() query", variable.path("name"))
                    .isTrue();
            String selector = m.group(1).replace("$job", job).replace("$instance", ".*");
            queries.add(new Query(
                    "variable " + variable.path("name").asString(),
                    "group by (" + m.group(2) + ") (" + selector + ")"));
        }
        return queries;
    }

    static JsonNode dashboard() {
        try {
            return JSON.readTree(Files.readString(HelmChartTest.DASHBOARD));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prometheus's HTTP API at base (…/api/v1/). */
    record Api(String base, HttpClient client) {
        Api(String base) {
            this(
                    base,
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(5))
                            .build());
        }

        /** An instant query's result vector; fails with Prometheus's error when it does not evaluate. */
        JsonNode query(String promql) {
            JsonNode body = get("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            assertThat(body.path("status").asString())
                    .as("%s\n%s", promql, body)
                    .isEqualTo("success");
            return body.at("/data/result");
        }

        JsonNode get(String path) {
            try {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Whether a result vector holds at least one sample that is a number (not NaN, not ±Inf). */
    static boolean hasFiniteSample(JsonNode result) {
        for (JsonNode series : result) {
            double v = Double.parseDouble(series.at("/value/1").asString());
            if (Double.isFinite(v)) {
                return true;
            }
        }
        return false;
    }
}
