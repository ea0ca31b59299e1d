package dev.moeplatform.inference.vllm;

import dev.moeplatform.inference.metrics.BackendMetrics;
import dev.moeplatform.web.errors.ApiException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Resilience4j circuit breakers, one per backend instance: {@code native:<model>} for a native model's engine,
 * {@code vllm:<base-url>} for a vLLM server. Each breaker's state is exported as
 * {@code platform.inference.backend.circuit.state} (tag {@code model}: the model id, or the vLLM server's base URL).
 */
@Component
public class BackendBreakers {

    private static final Logger log = LoggerFactory.getLogger(BackendBreakers.class);

    private final CircuitBreakerRegistry registry;

    public BackendBreakers(CircuitBreakerProperties properties, BackendMetrics metrics) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(properties.slidingWindowSize())
                .minimumNumberOfCalls(properties.minimumNumberOfCalls())
                .failureRateThreshold(properties.failureRateThreshold())
                .waitDurationInOpenState(properties.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(properties.permittedCallsInHalfOpenState())
                .ignoreException(causedByTheRequest())
                .build();
        this.registry = CircuitBreakerRegistry.of(config);
        registry.getEventPublisher().onEntryAdded(added -> {
            CircuitBreaker breaker = added.getAddedEntry();
            breaker.getEventPublisher().onStateTransition(event -> log.warn("Circuit breaker '{}': {}",
                    event.getCircuitBreakerName(), event.getStateTransition()));
            String[] backendAndSubject = breaker.getName().split(":", 2);
            metrics.circuitBreaker(backendAndSubject[1], backendAndSubject[0], () -> switch (breaker.getState()) {
                case OPEN, FORCED_OPEN -> BackendMetrics.CircuitState.OPEN;
                case HALF_OPEN -> BackendMetrics.CircuitState.HALF_OPEN;
                default -> BackendMetrics.CircuitState.CLOSED;
            });
        });
    }

    /** Errors that say nothing about the backend's health: the request's own (4xx, incl. 429) and its time limit. */
    private static Predicate<Throwable> causedByTheRequest() {
        return e -> e instanceof ApiException api && !(e instanceof BackendFailure)
                && (api.error().status() < 500 || "request_timeout".equals(api.error().code()));
    }

    public CircuitBreaker forNative(String modelId) {
        return registry.circuitBreaker("native:" + modelId);
    }

    public CircuitBreaker forVllm(String baseUrl) {
        return registry.circuitBreaker("vllm:" + baseUrl);
    }

    public CircuitBreakerRegistry registry() {
        return registry;
    }
}
