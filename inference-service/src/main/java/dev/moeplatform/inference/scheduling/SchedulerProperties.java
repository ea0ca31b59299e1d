package dev.moeplatform.inference.scheduling;

import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of each native model's scheduler ({@code platform.inference.scheduler.*}). A request that would exceed
 * them is refused at once with 429 and {@code Retry-After}: queueing without bound only turns overload into
 * timeouts and memory exhaustion.
 *
 * @param maxRunningSequences sequences advanced together in one engine step (the batch); an n-choice request
 *     takes n
 * @param maxQueuedRequests requests admitted but not yet running
 * @param maxTokensInFlight the sum over running and queued requests of prompt plus max_tokens, per choice: bounds
 *     the KV cache the engine may have to hold
 * @param maxStepTokens tokens one engine step may process: every running sequence's decoded token first, then chunks
 *     of waiting prompts, so a long prompt is prefilled over several steps that keep the others decoding
 * @param requestTimeout the longest a request may take, queueing included; a request may ask for less
 * @param retryAfter what {@code Retry-After} tells a refused client
 */
@Validated
@ConfigurationProperties("platform.inference.scheduler")
public record SchedulerProperties(
        @DefaultValue("8") @Positive int maxRunningSequences,
        @DefaultValue("64") @Positive int maxQueuedRequests,
        @DefaultValue("65536") @Positive long maxTokensInFlight,
        @DefaultValue("512") @Positive int maxStepTokens,
        @DefaultValue("5m") Duration requestTimeout,
        @DefaultValue("1s") Duration retryAfter) {

    public SchedulerProperties {
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("platform.inference.scheduler.request-timeout must be positive");
        }
    }
}
