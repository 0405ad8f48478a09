package io.genserve.runtime;

import ai.onnxruntime.OrtEnvironment;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OnnxRuntimeConfiguration {

    /** The process-wide ORT environment; ORT owns it, so Spring must not close it (destroyMethod = ""). */
    @Bean(destroyMethod = "")
    OrtEnvironment ortEnvironment() {
        return OrtEnvironment.getEnvironment();
    }

    @Bean
    OnnxModelLoader onnxModelLoader(OrtEnvironment env, OnnxProperties properties) {
        return new OnnxModelLoader(env, properties, Runtime.getRuntime().availableProcessors());
    }
}
