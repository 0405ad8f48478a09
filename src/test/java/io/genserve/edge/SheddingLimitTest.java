package io.genserve.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * How the adaptive limit moves, on a clock of its own: latency that grows with the queue (as a
 * batching model's does) is not a reason to refuse; refusals and deadline failures from deeper
 * in are, and the limit comes back once answers succeed again.
 */
class SheddingLimitTest {
    final AtomicLong now = new AtomicLong();
    final Shedding shedding = new Shedding(
            new HttpEdgeProperties.Shedding(true, 64, 1024, 8),
            429,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            new SimpleMeterRegistry(),
            now::get);
    final MockHttpServletRequest generate = new MockHttpServletRequest("POST", "/generate");

    @Test
    void aQueueThatGrowsButIsServedIsNeverRefused() {
        Deque<Shedding.Ticket> inProgress = new ArrayDeque<>();
        for (int i = 0; i < 64; i++) {
            inProgress.add(admit());
        }
        // 2,000 answers, each replaced at once by a new request, latency rising from 5 ms to 3 s.
        for (int i = 0; i < 2000; i++) {
            now.addAndGet(Duration.ofMillis(5 + i * 3L / 2).toNanos() / 64);
            inProgress.poll().close(200);
            inProgress.add(admit());
        }
        assertThat(inProgress).hasSize(64).doesNotContainNull();
    }

    @Test
    void refusalsFromDeeperInShrinkTheLimitAndSuccessesGrowItBack() {
        Deque<Shedding.Ticket> inProgress = new ArrayDeque<>();
        for (int i = 0; i < 64; i++) {
            inProgress.add(admit());
        }
        for (int i = 0; i < 20; i++) {
            now.addAndGet(1_000_000);
            inProgress.poll().close(429); // the model's queue was full
        }
        // 44 in progress, and the limit fell well below 64: most new requests are refused at the edge.
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            Shedding.Ticket t = shedding.tryEnter(generate);
            if (t != null) {
                inProgress.add(t);
                admitted++;
            }
        }
        assertThat(admitted).isZero();
        for (int i = 0; i < 400; i++) {
            now.addAndGet(1_000_000);
            Shedding.Ticket done = inProgress.poll();
            if (done != null) {
                done.close(200);
            }
            Shedding.Ticket t = shedding.tryEnter(generate);
            if (t != null) {
                inProgress.add(t);
            }
            t = shedding.tryEnter(generate);
            if (t != null) {
                inProgress.add(t);
            }
        }
        assertThat(inProgress.size())
                .as("the limit grew back past where it started")
                .isGreaterThan(64);
    }

    private Shedding.Ticket admit() {
        Shedding.Ticket t = shedding.tryEnter(generate);
        assertThat(t).as("admitted").isNotNull();
        return t;
    }
}
