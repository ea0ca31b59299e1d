package dev.moeplatform.inference.metrics;

import static dev.moeplatform.inference.metrics.MetricNames.*;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Meters of backend routing, for the code that falls back from one backend to the next (vLLM): it calls these; this
 * package knows nothing of its classes. Reasons and states are small fixed sets the caller chooses (e.g.
 * {@code overloaded}, {@code unavailable}, {@code timeout}, {@code circuit_open}); never free text.
 */
@Component
public class BackendMetrics {

    /** A circuit breaker's state, exported as 0 (closed), 0.5 (half-open) or 1 (open). */
    public enum CircuitState {
        CLOSED(0), HALF_OPEN(0.5), OPEN(1);

        private final double value;

        CircuitState(double value) {
            this.value = value;
        }

        public double value() {
            return value;
        }
    }

    private final MeterRegistry registry;

    public BackendMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One request for {@code model} left {@code backend} for the next backend, because of {@code reason}. */
    public void fallback(String model, String backend, String reason) {
        Counter.builder(BACKEND_FALLBACKS).description("Requests a backend handed to the next one, by reason")
                .tags(TAG_MODEL, model, TAG_BACKEND, backend, TAG_REASON, reason).register(registry).increment();
    }

    /** Exports a backend's circuit breaker, read at scrape time from {@code state}. */
    public void circuitBreaker(String model, String backend, Supplier<CircuitState> state) {
        Gauge.builder(BACKEND_CIRCUIT_STATE, state, s -> s.get().value())
                .description("Circuit breaker of a backend: 0 closed, 0.5 half-open, 1 open")
                .tags(TAG_MODEL, model, TAG_BACKEND, backend).strongReference(true).register(registry);
    }
}
