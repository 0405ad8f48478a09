package io.genserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one model's batch and inference counters from the service's own Prometheus endpoint. */
final class Scrape {
    /** Counters at one moment, with the process CPU time taken alongside. */
    record Snapshot(double runs, double items, double inferenceSeconds, long cpuNanos) {}

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI uri;
    private final String model;

    Scrape(int port, String model) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/actuator/prometheus");
        this.model = model;
    }

    Snapshot snapshot(long cpuNanos) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return new Snapshot(
                value(text, "genserve_batch_size_count"),
                value(text, "genserve_batch_size_sum"),
                value(text, "genserve_inference_seconds_sum"),
                cpuNanos);
    }

    private double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + "\\{model=\"" + Pattern.quote(model) + "\"} (\\S+)$")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
