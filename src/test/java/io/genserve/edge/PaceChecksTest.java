package io.genserve.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.genserve.batching.MemoryBudget;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The pace checks' tick and the end of a refused body's linger, on Spring's servlet test doubles
 * (the container's side of an exchange) with a clock and a kernel table set by the test.
 */
class PaceChecksTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger tableReads = new AtomicInteger();
    /** Unread bytes the "kernel" holds, the same for every connection. */
    private final AtomicLong unread = new AtomicLong();

    private final PaceChecks checks = new PaceChecks(
            () -> {
                tableReads.incrementAndGet();
                long now = unread.get();
                return (local, remote) -> now;
            },
            Duration.ZERO);

    @Test
    void aTickReadsTheKernelsTableOnceForAllTheRefusedBodiesThatWentQuiet() {
        List<MockHttpServletResponse> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(refusedAsTooLarge(40_000 + i));
        }
        assertThat(checks.size()).isEqualTo(5);

        checks.tick();
        assertThat(tableReads).as("none quiet yet: no read").hasValue(0);
        assertThat(answers).allSatisfy(a -> assertThat(a.getStatus()).isEqualTo(200)); // not answered yet

        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
        checks.tick();

        assertThat(tableReads).as("one read, shared by the five").hasValue(1);
        assertThat(answers).allSatisfy(a -> {
            assertThat(a.getStatus()).isEqualTo(413);
            assertThat(a.getHeader("Connection")).isEqualTo("close");
        });
        assertThat(checks.size()).isZero();
    }

    @Test
    void bytesTheKernelHoldsUnreadAreNotSilence() {
        MockHttpServletResponse answer = refusedAsTooLarge(40_000);
        unread.set(512); // the service is short of CPU: the client's bytes wait in the kernel
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));

        checks.tick();
        assertThat(answer.getStatus()).as("still lingering").isEqualTo(200);
        assertThat(checks.size()).isEqualTo(1);

        unread.set(0);
        checks.tick();
        assertThat(answer.getStatus()).isEqualTo(413);
        assertThat(checks.size()).isZero();
    }

    @Test
    void theLingerEndsAtItsLimitEvenWhileBytesKeepComing() {
        MockHttpServletResponse answer = refusedAsTooLarge(40_000);
        unread.set(512);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(5));

        checks.tick();

        assertThat(answer.getStatus()).isEqualTo(413);
        assertThat(tableReads).as("over the limit: no need to look").hasValue(0);
    }

    /** A body refused from its Content-Length (over a 1 KB limit): it lingers on the rest, then is answered. */
    private MockHttpServletResponse refusedAsTooLarge(int remotePort) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/generate");
        request.setAsyncSupported(true);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AsyncContext async = request.startAsync(request, response);
        BodyBuffer buffer = new BodyBuffer(MemoryBudget.unlimited(), 1024);
        BodyIntake intake = new BodyIntake(
                async,
                new NothingYet(),
                buffer,
                "genserve.http.max-body.generate",
                "/generate",
                new BodyIntake.Pace(
                        16 * 1024,
                        TimeUnit.SECONDS.toNanos(5),
                        TimeUnit.SECONDS.toNanos(10),
                        TimeUnit.SECONDS.toNanos(5)),
                clock::get,
                clock.get(),
                checks,
                8080,
                remotePort,
                body -> {
                    throw new AssertionError("a refused body is never handed on");
                });
        intake.startRefused(buffer.expect(1_000_000), 1_000_000);
        return response;
    }

    /** A body whose next bytes have not arrived. */
    private static final class NothingYet extends ServletInputStream {
        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public void setReadListener(ReadListener listener) {}

        @Override
        public int read() {
            throw new IllegalStateException("not ready");
        }
    }
}
