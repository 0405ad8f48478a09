package io.genserve.api;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Guards the management routes with the bearer token, when management is on. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("genserve.management.enabled")
class ManagementConfiguration implements WebMvcConfigurer {
    private final ManagementProperties properties;

    ManagementConfiguration(ManagementProperties properties) {
        this.properties = properties;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new BearerTokenCheck(properties.token())).addPathPatterns("/v2/repository/**");
    }
}
