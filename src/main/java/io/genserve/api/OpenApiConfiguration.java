package io.genserve.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    @Bean
    OpenAPI genserveOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Genserve")
                        .version("0.1.0")
                        .description(
                                "Serves exported ONNX generative image models: generation, inpainting and style transfer, "
                                        + "with dynamic batching. Errors are RFC 9457 application/problem+json.")
                        .license(new License().name("Apache-2.0")));
    }

    @Bean
    TaskErrorResponses taskErrorResponses() {
        return new TaskErrorResponses();
    }
}
