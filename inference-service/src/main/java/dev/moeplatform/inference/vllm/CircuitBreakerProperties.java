package dev.moeplatform.inference.vllm;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The circuit breaker every backend gets ({@code platform.inference.circuit-breaker.*}): one per vLLM server and one
 * per native model. Over the last {@code sliding-window-size} calls (once at least {@code minimum-number-of-calls}
 * were made), a failure rate at or above the threshold opens it; open, the backend is skipped without being called
 * for {@code wait-in-open-state}; then {@code permitted-calls-in-half-open-state} trial calls decide whether it
 * closes again. Only backend failures count; errors caused by the request (4xx), overload (429) and a client's own
 * time limit do not.
 */
@Validated
@ConfigurationProperties("platform.inference.circuit-breaker")
public record CircuitBreakerProperties(
        @DefaultValue("50") @Min(1) @Max(100) float failureRateThreshold,
        @DefaultValue("20") @Positive int slidingWindowSize,
        @DefaultValue("10") @Positive int minimumNumberOfCalls,
        @DefaultValue("30s") Duration waitInOpenState,
        @DefaultValue("2") @Positive int permittedCallsInHalfOpenState) {
}
