package io.genserve.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The bench reads wrk's text output; this pins the format it expects (wrk 4.1). */
class WrkTest {
    static final String OUTPUT = """
            Running 8s test @ http://127.0.0.1:8099/generate
              2 threads and 32 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     9.48ms    2.10ms  35.27ms   71.50%
                Req/Sec     1.58k   167.55     2.11k    71.50%
              Latency Distribution
                 50%  586.00us
                 75%    1.45ms
                 90%    2.01ms
                 99%    1.20s
              27050 requests in 8.00s, 9.91MB read
              Socket errors: connect 0, read 1, write 0, timeout 2
              Non-2xx or 3xx responses: 19
            Requests/sec:   3376.96
            Transfer/sec:      1.24MB
            """;

    @Test
    void readsRequestsRateLatenciesAndErrors() {
        Wrk.Load load = Wrk.parse(OUTPUT);
        assertThat(load.requests()).isEqualTo(27050);
        assertThat(load.perSecond()).isEqualTo(3376.96);
        assertThat(load.p50()).isCloseTo(0.586, within(1e-9));
        assertThat(load.p99()).isCloseTo(1200, within(1e-9));
        assertThat(load.errors()).isEqualTo(22);
        assertThat(load.socketErrors()).isEqualTo(3);
        assertThat(load.socketErrorKinds()).isEqualTo("connect 0, read 1, write 0, timeout 2");
    }

    @Test
    void readsTheStatusAndProblemTypeCountsItsScriptPrints() {
        Wrk.Load load = Wrk.parse(OUTPUT + "status 200 27031\nstatus 429 12\nstatus 503 7\nproblem 429 overloaded 12\n"
                + "problem 503 memory-exhausted 7\n");
        assertThat(load.statuses())
                .containsEntry(200, 27031L)
                .containsEntry(429, 12L)
                .containsEntry(503, 7L);
        assertThat(load.problems())
                .containsExactly(
                        java.util.Map.entry("429 overloaded", 12L), java.util.Map.entry("503 memory-exhausted", 7L));
        assertThat(Wrk.parse(OUTPUT).problems()).isEmpty();
    }

    @Test
    void aRunWithoutErrorsHasNoErrorLines() {
        String clean = OUTPUT.replaceAll("(?m)^.*(Socket errors|Non-2xx).*\\n", "");
        assertThat(Wrk.parse(clean).errors()).isZero();
        assertThat(Wrk.parse(clean).socketErrorKinds()).isEmpty();
    }
}
