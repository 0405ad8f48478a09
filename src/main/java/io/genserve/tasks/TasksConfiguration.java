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
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TasksConfiguration {

    /** Fires request deadlines; the work it does is tiny (complete a future, flag a run). */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("deadlines"));
        timer.setRemoveOnCancelPolicy(true); // every answered request cancels its deadline: don't keep them queued
        return timer;
    }

    /** Decodes outputs into images off the batcher threads, so the next batch starts at once. */
    @Bean(destroyMethod = "shutdown")
    ExecutorService postprocessingPool() {
        return Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("postprocess"));
    }

    /** Shared by every model's batcher: the tensors of admitted requests, all models together. */
    @Bean
    MemoryBudget memoryBudget(BatchingProperties batching) {
        return new MemoryBudget(batching.maxQueuedMemory().toBytes());
    }

    @Bean
    PreparedExecutor preparedExecutor(ExecutorService postprocessingPool) {
        return new PreparedExecutor(postprocessingPool);
    }

    @Bean
    ModelLoader modelLoader(
            CatalogProperties properties,
            BatchingProperties batching,
            GraphLoader graphs,
            MeterRegistry registry,
            ScheduledExecutorService deadlineTimer,
            PreparedExecutor executor,
            List<TaskCodec<?, ?>> codecs,
            MemoryBudget memoryBudget) {
        return new ModelLoader(properties, batching, graphs, registry, deadlineTimer, executor, codecs, memoryBudget);
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
            ModelCatalog catalog, PreparedExecutor executor, TaskMeters meters, List<TaskCodec<?, ?>> codecs) {
        return new TaskRunner(catalog, executor, meters, codecs);
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
