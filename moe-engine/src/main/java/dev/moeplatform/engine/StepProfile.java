package dev.moeplatform.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the engine's steps spent their time: matrix products by weight type (the kernels that read the weights),
 * attention over the KV cache, and everything else. The benchmark names the part that dominates prefill with it.
 *
 * @param stepNanos time inside steps
 * @param tokens tokens those steps processed
 * @param attentionNanos attention (scores, softmax, weighted sums; for MLA also the absorbed products it runs itself)
 * @param matmulNanos matrix products by weight type ("Q4_K", "Q8_0", "F32", ...), types with no time left out
 */
public record StepProfile(long stepNanos, long tokens, long attentionNanos, Map<String, Long> matmulNanos) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static StepProfile parse(String json) {
        JsonNode node = JSON.readTree(json);
        Map<String, Long> matmul = new LinkedHashMap<>();
        node.properties().forEach(field -> {
            if (field.getKey().startsWith("matmul_ns_") && field.getValue().asLong() > 0) {
                matmul.put(field.getKey().substring("matmul_ns_".length()), field.getValue().asLong());
            }
        });
        return new StepProfile(node.get("step_ns").asLong(), node.get("tokens").asLong(),
                node.get("attention_ns").asLong(), matmul);
    }

    /** Time in neither matrix products nor attention. */
    public long otherNanos() {
        return stepNanos - attentionNanos - matmulNanos.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The part that took the most time: "matmul Q4_K", "attention" or "other". */
    public String dominant() {
        String name = "attention";
        long most = attentionNanos;
        for (Map.Entry<String, Long> e : matmulNanos.entrySet()) {
            if (e.getValue() > most) {
                name = "matmul " + e.getKey();
                most = e.getValue();
            }
        }
        return otherNanos() > most ? "other" : name;
    }

    /** Share of step time, 0..1. */
    public double share(long nanos) {
        return stepNanos == 0 ? 0 : (double) nanos / stepNanos;
    }
}
