package dev.moeplatform.inference.vllm;

import dev.moeplatform.inference.metrics.InferenceMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * Tokens vLLM reported per model ({@code usage} of whole responses, the usage chunk of streams; vLLM is always asked
 * for it, even when the client did not ask and the chunk is dropped from its stream): in-process totals, and the
 * {@code platform.inference.tokens} meter with {@code backend=vllm}.
 */
@Component
public class VllmUsage {

    private final InferenceMetrics metrics;

    public VllmUsage(InferenceMetrics metrics) {
        this.metrics = metrics;
    }

    /** Totals of one model. */
    public record Totals(long responses, long promptTokens, long completionTokens) {
    }

    private final Map<String, LongAdder[]> byModel = new ConcurrentHashMap<>();

    void record(String model, long promptTokens, long completionTokens) {
        LongAdder[] adders = byModel.computeIfAbsent(model,
                m -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
        adders[0].increment();
        adders[1].add(promptTokens);
        adders[2].add(completionTokens);
        metrics.usage(model, "vllm", promptTokens, completionTokens);
    }

    public Totals totals(String model) {
        LongAdder[] adders = byModel.get(model);
        return adders == null ? new Totals(0, 0, 0) : new Totals(adders[0].sum(), adders[1].sum(), adders[2].sum());
    }
}
