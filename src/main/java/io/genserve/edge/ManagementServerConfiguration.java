package io.genserve.edge;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The management port's server (probes, metrics): its own small thread pool, so that no API
 * traffic can starve liveness, and problem+json for its errors. Loaded into the management child
 * context through META-INF/spring/…ManagementContextConfiguration.imports; the condition keeps
 * the application's component scan from applying it to the API's server too.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@Conditional(ManagementServerConfiguration.InChildContext.class)
public class ManagementServerConfiguration {

    @Bean
    TomcatEdgeCustomizer managementServerCustomizer(HttpEdgeProperties properties) {
        return new TomcatEdgeCustomizer(properties.managementThreads(), true, 0);
    }

    /** True only in a context that has a parent: the management child context. */
    static final class InChildContext implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return context.getBeanFactory() != null && context.getBeanFactory().getParentBeanFactory() != null;
        }
    }
}
