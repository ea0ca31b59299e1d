package dev.moeplatform.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** What the engine read from a model file and what running it costs, as the native side reports it. */
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
        @JsonProperty("file_bytes") long fileBytes) {

    public boolean isMixtureOfExperts() {
        return experts > 0;
    }
}
