package dev.moeplatform.inference.models;

import jakarta.validation.constraints.Min;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the native engine runs the models it loads ({@code platform.inference.engine.*}).
 *
 * @param threads worker threads per model for its matrix products; 0 takes every core the JVM sees
 * @param kernels the engine's kernel path: "auto" (fastest the CPU has) or a name such as "avx2" to force one
 * @param kvCache the most memory each model's KV cache may take (whole pages; 0: no limit). The scheduler admits a
 *     request only when its worst case (prompt plus max_tokens for each choice) fits beside the running ones, so the
 *     engine never runs out mid-generation; a request whose worst case exceeds the whole budget is refused (400)
 */
@Validated
@ConfigurationProperties("platform.inference.engine")
public record EngineProperties(@DefaultValue("0") @Min(0) int threads, @DefaultValue("auto") String kernels,
        @DefaultValue("0") DataSize kvCache) {

    public EngineProperties {
        if (kvCache.isNegative()) {
            throw new IllegalArgumentException("platform.inference.engine.kv-cache must be >= 0, not " + kvCache);
        }
    }
}
