package io.genserve.api;

import io.genserve.batching.BatchingProperties;
import io.genserve.batching.MemoryBudget;
import io.genserve.edge.BodyIntakeFilter;
import io.genserve.edge.HttpEdgeProperties;
import io.genserve.edge.PaceChecks;
import io.genserve.edge.Shedding;
import io.genserve.edge.SheddingValve;
import io.genserve.edge.TomcatEdgeCustomizer;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import java.time.Duration;
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

    /** Paces the bodies being read asynchronously, on a timer thread of its own, every 250 ms. */
    @Bean(destroyMethod = "close")
    PaceChecks paceChecks() {
        return new PaceChecks(TcpConnectionTable.ofThisProcess()::unreadSnapshot, Duration.ofMillis(250));
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
            PaceChecks paceChecks,
            ObjectProvider<MultipartConfigElement> multipart) {
        FilterRegistrationBean<BodyIntakeFilter> registration = new FilterRegistrationBean<>(
                new BodyIntakeFilter(edge, memory, shedding, paceChecks, multipart.getIfAvailable(), System::nanoTime));
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
