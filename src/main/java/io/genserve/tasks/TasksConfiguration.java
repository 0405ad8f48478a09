package io.genserve.tasks;

import io.genserve.batching.BatchingProperties;
import io.genserve.batching.MemoryBudget;
import io.genserve.runtime.GraphLoader;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TasksConfiguration {
    private static final Logger log = LoggerFactory.getLogger(TasksConfiguration.class);

    /** Fires request deadlines; the work it does is tiny (complete a future, flag a run). */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("deadlines"));
        timer.setRemoveOnCancelPolicy(true); // every answered request cancels its deadline: don't keep them queued
        timer.prestartAllCoreThreads(); // at normal priority, not that of the request thread that would start it
        return timer;
    }

    /**
     * Decodes outputs into images off the batcher threads, so the next batch starts at once, and
     * renders (encodes) the answers of the HTTP API (AsyncAnswers), at inference's priority. Its
     * threads start with the service: a thread inherits its creator's CPU priority, and one made
     * later by an API request thread would run at that thread's lower one.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService postprocessingPool() {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("postprocess"));
        pool.prestartAllCoreThreads();
        return pool;
    }

    /**
     * Decodes and encodes the images of admitted requests (TaskRunner), at inference's priority
     * rather than the API request threads' low one. Its queue is bounded by what is admitted: the
     * edge's concurrency limit and the memory budget, checked before a request gets here.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService preprocessingPool() {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("preprocess"));
        pool.prestartAllCoreThreads(); // now, at normal priority (a thread inherits its creator's)
        return pool;
    }

    /** Shared by the HTTP edge and every model's batcher: what requests in progress hold, all models together. */
    @Bean
    MemoryBudget memoryBudget(BatchingProperties batching) {
        long bytes = batching.maxQueuedMemory().bytesOf(Runtime.getRuntime().maxMemory());
        log.info(
                "memory budget for requests in progress: {} MiB (genserve.batching.max-queued-memory={}, max heap {} MiB)",
                bytes >> 20,
                batching.maxQueuedMemory(),
                Runtime.getRuntime().maxMemory() >> 20);
        return new MemoryBudget(bytes);
    }

    @Bean
    ItemDispatcher itemDispatcher(ExecutorService postprocessingPool) {
        return new ItemDispatcher(postprocessingPool);
    }

    @Bean
    ModelLoader modelLoader(
            CatalogProperties properties,
            BatchingProperties batching,
            GraphLoader graphs,
            MeterRegistry registry,
            ScheduledExecutorService deadlineTimer,
            ItemDispatcher dispatcher,
            List<TaskCodec<?, ?, ?>> codecs,
            MemoryBudget memoryBudget) {
        return new ModelLoader(properties, batching, graphs, registry, deadlineTimer, dispatcher, codecs, memoryBudget);
    }

    @Bean
    ModelCatalog modelCatalog(
            CatalogProperties properties, BatchingProperties batching, ModelLoader loader, MeterRegistry registry) {
        return new ModelCatalog(properties, batching, loader, registry);
    }

    @Bean
    ModelManagement modelManagement(ModelCatalog catalog) {
        return new ModelManagement(catalog);
    }

    /** Looks at the repository only with genserve.model-repository-poll above 0. */
    @Bean
    RepositoryPoller repositoryPoller(ModelCatalog catalog, CatalogProperties properties, BatchingProperties batching) {
        return new RepositoryPoller(catalog, properties, batching.drainTimeout());
    }

    @Bean
    TaskRunner taskRunner(
            ModelCatalog catalog,
            ItemDispatcher dispatcher,
            TaskMeters meters,
            MemoryBudget memoryBudget,
            ExecutorService preprocessingPool,
            List<TaskCodec<?, ?, ?>> codecs) {
        return new TaskRunner(catalog, dispatcher, meters, memoryBudget, preprocessingPool, codecs);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "genserve-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
