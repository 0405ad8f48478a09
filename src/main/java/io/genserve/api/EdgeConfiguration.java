package io.genserve.api;

import io.genserve.batching.BatchingProperties;
import io.genserve.batching.MemoryBudget;
import io.genserve.edge.BodyIntakeFilter;
import io.genserve.edge.HttpEdgeProperties;
import io.genserve.edge.Shedding;
import io.genserve.edge.SheddingValve;
import io.genserve.edge.TomcatEdgeCustomizer;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Wires the HTTP edge (io.genserve.edge) into the API's server: body intake, load shedding, error reports. */
@Configuration(proxyBeanMethods = false)
class EdgeConfiguration {

    /**
     * Paces the bodies being read asynchronously; each check is a few comparisons. Its thread starts
     * with the service, at normal CPU priority: made by the first request thread that needs it, it
     * would inherit that thread's lower one (genserve.http.request-thread-nice).
     */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService bodyIntakeTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "genserve-body-intake");
            t.setDaemon(true);
            return t;
        });
        timer.prestartAllCoreThreads();
        return timer;
    }

    @Bean
    Shedding shedding(HttpEdgeProperties edge, ApiProperties api, BatchingProperties batching, MeterRegistry registry) {
        return new Shedding(
                edge.shedding(),
                api.overloadStatus().code,
                batching.retryAfter(),
                batching.timeout(),
                registry,
                System::nanoTime);
    }

    /**
     * Last of the filters, just before the DispatcherServlet: Spring's own filters (encoding,
     * observation) have seen the request; the async dispatch that follows a body read
     * asynchronously comes back through here with the body.
     */
    @Bean
    FilterRegistrationBean<BodyIntakeFilter> bodyIntakeFilter(
            HttpEdgeProperties edge,
            MemoryBudget memory,
            Shedding shedding,
            ScheduledExecutorService bodyIntakeTimer,
            ObjectProvider<MultipartConfigElement> multipart) {
        FilterRegistrationBean<BodyIntakeFilter> registration = new FilterRegistrationBean<>(new BodyIntakeFilter(
                edge,
                memory,
                shedding,
                bodyIntakeTimer,
                multipart.getIfAvailable(),
                System::nanoTime,
                TcpConnectionTable.ofThisProcess()::unread));
        registration.setOrder(Ordered.LOWEST_PRECEDENCE - 100);
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setAsyncSupported(true);
        return registration;
    }

    /**
     * Before every filter: while an endpoint is at its limit, its requests are refused from their
     * headers, for less CPU than a pass through the filters would take (see {@link SheddingValve}).
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> sheddingValve(
            Shedding shedding, HttpEdgeProperties edge) {
        return factory -> factory.addContextValves(new SheddingValve(shedding, edge));
    }

    @Bean
    TomcatEdgeCustomizer apiServerCustomizer(HttpEdgeProperties edge) {
        return new TomcatEdgeCustomizer(edge.apiRequestThreads(), false, edge.requestThreadNice());
    }
}
