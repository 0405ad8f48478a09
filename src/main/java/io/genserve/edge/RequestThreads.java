package io.genserve.edge;

import java.util.concurrent.TimeUnit;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;

/**
 * The API connector's request threads, as Tomcat would make them (same pool and queue classes,
 * same sizes), except that each lowers its own CPU priority when it starts. Why: under a flood of
 * clients that ignore Retry-After, hundreds of request threads answering refusals outnumber the
 * few inference threads, and the kernel shares the CPU per thread: the refusals took the CPU and
 * successful answers fell to a tenth. At a lower priority, request threads get what inference
 * leaves; without contention nothing changes.
 */
final class RequestThreads {
    private RequestThreads() {}

    static ThreadPoolExecutor pool(String namePrefix, int minSpare, int max, int nice) {
        TaskThreadFactory tomcats = new TaskThreadFactory(namePrefix, true, Thread.NORM_PRIORITY);
        TaskQueue queue = new TaskQueue();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                minSpare,
                max,
                60,
                TimeUnit.SECONDS,
                queue,
                work -> tomcats.newThread(() -> {
                    ThreadNice.lowerCurrentThread(nice);
                    work.run();
                }));
        queue.setParent(pool);
        return pool;
    }
}
