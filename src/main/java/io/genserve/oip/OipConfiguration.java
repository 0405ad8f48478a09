package io.genserve.oip;

import io.genserve.tasks.TaskRunner;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OipConfiguration {

    /** The server version is the build's (application.yaml fills it in from the pom). */
    @Bean
    OipService oipService(
            TaskRunner tasks,
            @Value("${spring.application.version:unknown}") String version,
            @Value("${genserve.management.enabled:false}") boolean management) {
        return new OipService(tasks, version, management);
    }
}
