package io.genserve.api;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

    /** Closed (its ticker stopped) with the context. */
    @Bean
    DisconnectWatch disconnectWatch(ApiProperties properties) {
        return new DisconnectWatch(TcpConnectionTable.ofThisProcess(), properties.disconnectCheckInterval());
    }
}
