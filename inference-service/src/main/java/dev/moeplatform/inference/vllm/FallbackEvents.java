package dev.moeplatform.inference.vllm;

import dev.moeplatform.inference.metrics.BackendMetrics;
import dev.moeplatform.inference.models.Backend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * How often a request was served by another backend than its model's first choice, and why: in-process counters
 * (for tests and diagnostics) and the {@code platform.inference.backend.fallbacks} meter.
 */
@Component
public class FallbackEvents {

    private final BackendMetrics metrics;

    public FallbackEvents(BackendMetrics metrics) {
        this.metrics = metrics;
    }

    /** One kind of fallback: for {@code model}, backend {@code from} could not serve for {@code reason}. */
    public record Key(String model, Backend from, Backend to, String reason) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    public void record(String model, Backend from, Backend to, String reason) {
        counts.computeIfAbsent(new Key(model, from, to, reason), k -> new LongAdder()).increment();
        metrics.fallback(model, from.wireName(), reason);
    }

    /** How many fallbacks of this kind happened since start-up. */
    public long count(String model, Backend from, Backend to, String reason) {
        LongAdder adder = counts.get(new Key(model, from, to, reason));
        return adder == null ? 0 : adder.sum();
    }

    /** Every kind seen so far with its count (a copy). */
    public Map<Key, Long> snapshot() {
        Map<Key, Long> copy = new LinkedHashMap<>();
        counts.forEach((key, adder) -> copy.put(key, adder.sum()));
        return copy;
    }
}
