package dev.moeplatform.inference.vllm;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The vLLM server that models with the {@code vllm} backend are forwarded to ({@code platform.inference.vllm.*}).
 * Per model, {@code platform.inference.models[n].vllm-model} and {@code .vllm-base-url} override the served name
 * and the server.
 *
 * @param baseUrl vLLM's OpenAI-compatible root, e.g. {@code http://vllm:8000/v1}; null: no default server, so a
 *     model without its own {@code vllm-base-url} has no usable vLLM backend (503 {@code backend_unavailable})
 * @param apiKey sent as {@code Authorization: Bearer} when vLLM runs with {@code --api-key}; null: none
 * @param connectTimeout the longest a TCP connect to vLLM may take
 * @param readTimeout the longest wait for vLLM's answer: the whole response when not streaming; when streaming, the
 *     first chunk and then each next one (so also the time to first token)
 * @param retries further attempts after a connect failure (refused or timed out), made only while no byte of the
 *     request has been sent; a request that reached vLLM is never repeated
 */
@Validated
@ConfigurationProperties("platform.inference.vllm")
public record VllmProperties(
        URI baseUrl,
        String apiKey,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("60s") Duration readTimeout,
        @DefaultValue("1") @Min(0) @Max(5) int retries) {

    public VllmProperties {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("platform.inference.vllm: connect-timeout and read-timeout must be "
                    + "positive");
        }
    }
}
