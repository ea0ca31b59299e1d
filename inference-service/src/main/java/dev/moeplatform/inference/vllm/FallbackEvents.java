package dev.moeplatform.inference.vllm;

import dev.moeplatform.inference.models.Backend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * How often a request was served by another backend than its model's first choice, and why: in-process counters,
 * meant to be bound to meters (one counter per key, e.g. {@code inference.fallbacks{model,from,to,reason}}).
 */
@Component
public class FallbackEvents {

    /** One kind of fallback: for {@code model}, backend {@code from} could not serve for {@code reason}. */
    public record Key(String model, Backend from, Backend to, String reason) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    public void record(String model, Backend from, Backend to, String reason) {
        counts.computeIfAbsent(new Key(model, from, to, reason), k -> new LongAdder()).increment();
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
