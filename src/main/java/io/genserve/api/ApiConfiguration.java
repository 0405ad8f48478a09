package io.genserve.api;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class ApiConfiguration implements WebMvcConfigurer {

    /** Closed (its ticker stopped) with the context. */
    @Bean
    DisconnectWatch disconnectWatch(ApiProperties properties) {
        return new DisconnectWatch(TcpConnectionTable.ofThisProcess(), properties.disconnectCheckInterval());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new MultipartFields());
    }
}
