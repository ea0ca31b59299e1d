package dev.moeplatform.inference.models;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the native engine runs the models it loads ({@code platform.inference.engine.*}).
 *
 * @param threads worker threads per model for its matrix products; 0 takes every core the JVM sees
 * @param kernels the engine's kernel path: "auto" (fastest the CPU has) or a name such as "avx2" to force one
 */
@Validated
@ConfigurationProperties("platform.inference.engine")
public record EngineProperties(@DefaultValue("0") @Min(0) int threads, @DefaultValue("auto") String kernels) {
}
