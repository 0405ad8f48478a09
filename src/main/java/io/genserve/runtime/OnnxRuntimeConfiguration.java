package io.genserve.runtime;

import ai.onnxruntime.OrtEnvironment;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
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

    /** Open sessions, all models and versions together: after a replacement it falls back, or a session leaked. */
    @Bean
    MeterBinder onnxSessionMeters(OnnxModelLoader loader) {
        return registry -> Gauge.builder("genserve.sessions.open", loader, OnnxModelLoader::openSessions)
                .description("ONNX Runtime sessions open: one per loaded model version")
                .register(registry);
    }
}
