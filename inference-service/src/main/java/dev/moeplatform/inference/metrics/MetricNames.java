package dev.moeplatform.inference.metrics;

/**
 * The names and tags of inference-service's own meters (dot names; Prometheus shows them with {@code _} and the usual
 * suffixes). Each corresponds to a vLLM metric, so that dashboards and alerts carry over; the table in
 * inference-service/README.md pairs them. Tags are bounded: model ids and backends come from configuration, layers
 * and experts from the model file, the rest are fixed sets. Never a request id or a user.
 */
public final class MetricNames {

    public static final String PREFIX = "platform.inference.";

    /** Gauge: requests whose sequences are in the engine's batch (vllm:num_requests_running). */
    public static final String REQUESTS_RUNNING = PREFIX + "requests.running";
    /** Gauge: sequences in the batch; an n-choice request counts n. */
    public static final String SEQUENCES_RUNNING = PREFIX + "sequences.running";
    /** Gauge: requests accepted and waiting for room in the batch (vllm:num_requests_waiting). */
    public static final String REQUESTS_WAITING = PREFIX + "requests.waiting";
    /** Timer (histogram): arrival to the request's first token (vllm:time_to_first_token_seconds). */
    public static final String TIME_TO_FIRST_TOKEN = PREFIX + "time.to.first.token";
    /** Timer (histogram): between two tokens of one choice (vllm:inter_token_latency_seconds). */
    public static final String INTER_TOKEN_LATENCY = PREFIX + "inter.token.latency";
    /** Timer (histogram): arrival to the last token of a completed request (vllm:e2e_request_latency_seconds). */
    public static final String REQUEST_LATENCY = PREFIX + "request.latency";
    /** Counter, tag kind=prompt|generation (vllm:prompt_tokens_total, vllm:generation_tokens_total). */
    public static final String TOKENS = PREFIX + "tokens";
    /**
     * Function counter (seconds): time the engine spent stepping batches since the model loaded. Tokens (prompt plus
     * generation) over this is the throughput billing prices a self-hosted model from. No vLLM counterpart.
     */
    public static final String ENGINE_BUSY = PREFIX + "engine.busy";
    /** Counter, tag outcome (vllm:request_success_total with finished_reason, plus the failures). */
    public static final String REQUESTS = PREFIX + "requests";
    /** Gauge 0..1: KV positions allocated to running sequences / max-tokens-in-flight (vllm:kv_cache_usage_perc). */
    public static final String KV_CACHE_USAGE = PREFIX + "kv.cache.usage";
    /** Gauge: bytes of KV cache allocated to running sequences. */
    public static final String KV_CACHE_BYTES = PREFIX + "kv.cache.bytes";
    /** Function counter: tokens routed to each expert of each layer since the model loaded. */
    public static final String MOE_EXPERT_TOKENS = PREFIX + "moe.expert.tokens";
    /** Gauge per layer: the busiest expert's tokens over the mean (1 = balanced), since the model loaded. */
    public static final String MOE_EXPERT_IMBALANCE = PREFIX + "moe.expert.imbalance";
    /** Counter: requests a backend handed to the next one, tag reason (bound by the vLLM routing code). */
    public static final String BACKEND_FALLBACKS = PREFIX + "backend.fallbacks";
    /** Gauge: a backend's circuit breaker, 0 closed, 0.5 half-open, 1 open (bound by the vLLM routing code). */
    public static final String BACKEND_CIRCUIT_STATE = PREFIX + "backend.circuit.state";

    public static final String TAG_MODEL = "model";
    public static final String TAG_BACKEND = "backend";
    public static final String TAG_KIND = "kind";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_REASON = "reason";
    public static final String TAG_LAYER = "layer";
    public static final String TAG_EXPERT = "expert";

    /** The backend tag of everything the native engine computes. */
    public static final String NATIVE = "native";

    private MetricNames() {
    }
}
