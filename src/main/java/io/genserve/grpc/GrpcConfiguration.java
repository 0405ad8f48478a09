package io.genserve.grpc;

import io.genserve.batching.BatchingProperties;
import io.genserve.oip.OipService;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * grpc-java directly, not a Spring gRPC integration: Spring Boot's own gRPC support starts with
 * 4.1 (this service is on 4.0), and one service on one port needs a dozen lines of lifecycle.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "genserve.grpc.enabled", matchIfMissing = true)
class GrpcConfiguration {

    @Bean
    GrpcServer grpcServer(GrpcProperties properties, OipService oip, BatchingProperties batching) {
        return new GrpcServer(
                properties, new InferenceService(oip, batching.maxTimeout()).bindService(), batching.drainTimeout());
    }
}
