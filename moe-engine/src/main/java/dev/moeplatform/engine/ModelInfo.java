package dev.moeplatform.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the engine read from a model file and what running it costs, as the native side reports it. The fields from
 * {@code kvLoraRank} on are deepseek2's (multi-head latent attention, DeepSeekMoE); other architectures report 0,
 * "none" or the neutral defaults (softmax gating, one group, scale 1).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelInfo(
        String architecture,
        @JsonProperty("n_vocab") int vocabSize,
        @JsonProperty("n_embd") int embeddingLength,
        @JsonProperty("n_layer") int layers,
        @JsonProperty("n_head") int heads,
        @JsonProperty("n_head_kv") int kvHeads,
        @JsonProperty("head_dim_k") int keyLength,
        @JsonProperty("head_dim_v") int valueLength,
        @JsonProperty("n_ff") int feedForwardLength,
        @JsonProperty("n_expert") int experts,
        @JsonProperty("n_expert_used") int expertsUsed,
        @JsonProperty("n_ff_exp") int expertFeedForwardLength,
        @JsonProperty("n_ff_shexp") int sharedExpertFeedForwardLength,
        @JsonProperty("context_length") int contextLength,
        @JsonProperty("rope_theta") double ropeTheta,
        @JsonProperty("rope_pairing") String ropePairing,
        double eps,
        @JsonProperty("expert_weights_norm") boolean expertWeightsNorm,
        String kernels,
        int threads,
        @JsonProperty("weight_bytes") long weightBytes,
        @JsonProperty("active_weight_bytes_per_token") long activeWeightBytesPerToken,
        @JsonProperty("kv_bytes_per_token") long kvBytesPerToken,
        @JsonProperty("kv_bytes_per_token_mha") long kvBytesPerTokenMultiHead,
        @JsonProperty("kv_page_positions") int kvPagePositions,
        @JsonProperty("expert_bytes") long expertBytes,
        @JsonProperty("file_bytes") long fileBytes,
        @JsonProperty("kv_lora_rank") int kvLoraRank,
        @JsonProperty("q_lora_rank") int qLoraRank,
        @JsonProperty("n_leading_dense") int leadingDenseLayers,
        @JsonProperty("n_expert_shared") int sharedExperts,
        @JsonProperty("expert_gating") String expertGating,
        @JsonProperty("n_expert_group") int expertGroups,
        @JsonProperty("n_expert_group_used") int expertGroupsUsed,
        @JsonProperty("expert_weights_scale") double expertWeightsScale,
        @JsonProperty("rope_scaling") String ropeScaling,
        @JsonProperty("rope_scaling_factor") double ropeScalingFactor,
        @JsonProperty("mla_layout") String mlaLayout) {

    public boolean isMixtureOfExperts() {
        return experts > 0;
    }

    /** How many times smaller this model's KV cache is than a plain multi-head cache of the same heads (1 unless MLA). */
    public double kvCacheCompression() {
        return (double) kvBytesPerTokenMultiHead / kvBytesPerToken;
    }
}
