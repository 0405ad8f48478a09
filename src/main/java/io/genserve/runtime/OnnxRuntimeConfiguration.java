package io.genserve.runtime;

import ai.onnxruntime.OrtEnvironment;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OnnxRuntimeConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OnnxRuntimeConfiguration.class);

    /**
     * The process-wide ORT environment; ORT owns it, so Spring must not close it (destroyMethod = "").
     * Its creation extracts and loads the native library: a part of the start-up worth naming.
     */
    @Bean(destroyMethod = "")
    OrtEnvironment ortEnvironment() {
        long t0 = System.nanoTime();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        log.info("start-up: ONNX Runtime environment in {} ms", (System.nanoTime() - t0) / 1_000_000);
        return env;
    }

    @Bean
    OnnxModelLoader onnxModelLoader(OrtEnvironment env, OnnxProperties properties) {
        return new OnnxModelLoader(env, properties, Runtime.getRuntime().availableProcessors());
    }

    @Bean
    MemoryReturn memoryReturn(MemoryProperties properties, MeterRegistry registry) {
        return new MemoryReturn(properties, registry);
    }

    /** Open sessions, all models and versions together: after a replacement it falls back, or a session leaked. */
    @Bean
    MeterBinder onnxSessionMeters(OnnxModelLoader loader) {
        return registry -> Gauge.builder("genserve.sessions.open", loader, OnnxModelLoader::openSessions)
                .description("ONNX Runtime sessions open: one per loaded model version")
                .register(registry);
    }
}
