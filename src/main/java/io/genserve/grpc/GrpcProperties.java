package io.genserve.grpc;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The Open Inference Protocol over gRPC ({@code genserve.grpc.*}), on its own port.
 *
 * @param enabled whether the gRPC server starts at all
 * @param port its port; 0 takes a free one (tests)
 * @param maxMessageSize the largest request a client may send (gRPC's default of 4 MB is one
 *     1024x1024 RGB float image)
 */
@Validated
@ConfigurationProperties("genserve.grpc")
record GrpcProperties(
        @DefaultValue("true") boolean enabled,
        @Min(0) @Max(65535) @DefaultValue("8082") int port,
        @NotNull @DefaultValue("64MB") DataSize maxMessageSize) {}
