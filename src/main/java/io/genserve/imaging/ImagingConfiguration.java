package io.genserve.imaging;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ImagingConfiguration {
    @Bean
    ImageCodec imageCodec(ImagingProperties properties) {
        return new ImageCodec(properties);
    }
}
