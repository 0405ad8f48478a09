package io.genserve.api;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
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

    /**
     * The API server's port, for the disconnect watch; the management server (its own namespace)
     * answers no task, and a test without a server (MockMvc) has no connections to watch.
     */
    @Bean
    ApplicationListener<WebServerInitializedEvent> disconnectWatchServerPort(DisconnectWatch watch) {
        return event -> {
            if (event.getApplicationContext().getServerNamespace() == null) {
                watch.serving(event.getWebServer().getPort());
            }
        };
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new MultipartFields());
    }
}
