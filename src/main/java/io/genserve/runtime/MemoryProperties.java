package io.genserve.runtime;

import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How memory a burst took goes back to the system ({@code genserve.memory.*}; see {@link MemoryReturn}).
 *
 * @param returnInterval how often the process gives back what it no longer uses: the Java heap
 *     shrinks after this long without a collection, and glibc's free native memory (ONNX Runtime's
 *     tensors, image buffers) is trimmed this often; 0 turns both off
 */
@Validated
@ConfigurationProperties("genserve.memory")
public record MemoryProperties(
        @DurationMin(millis = 0) @DefaultValue("5s") Duration returnInterval) {}
