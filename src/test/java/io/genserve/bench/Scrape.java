package io.genserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

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

    /** Summed over the model's versions (a meter carries model and version). */
    private double value(String text, String series) {
        return io.genserve.PromText.sum(text, series, "model", model);
    }
}
