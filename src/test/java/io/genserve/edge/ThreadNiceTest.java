package io.genserve.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Future;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/** Request threads lower their own priority, and only their own: the kernel's view, from /proc. */
class ThreadNiceTest {
    @Test
    void aRequestThreadRunsAtTheConfiguredNiceValueAndOtherThreadsDoNot() throws Exception {
        int before = ThreadNice.current();
        ThreadPoolExecutor pool = RequestThreads.pool("test-exec-", 1, 2, before + 7);
        try {
            Future<Integer> seen = pool.submit(ThreadNice::current);
            assertThat(seen.get()).isEqualTo(before + 7);
        } finally {
            pool.shutdownNow();
        }
        assertThat(ThreadNice.current()).as("the calling thread is untouched").isEqualTo(before);
    }
}
