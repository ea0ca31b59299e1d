package dev.moeplatform.inference.springai;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptionsBuilder;

/**
 * Spring AI chat options for the native engine: the portable ones (model, temperature, topP, topK, maxTokens,
 * stopSequences, presence and frequency penalties) plus what the OpenAI API of this service also takes: {@code seed}
 * (same seed, prompt and options give the same output), {@code user} (the tenant the scheduler serves
 * round-robin) and {@code logitBias}. Plain {@link ChatOptions} work too; they simply have no seed or user.
 */
public class NativeChatOptions extends DefaultChatOptions {

    private final Long seed;
    private final String user;
    private final Map<Integer, Float> logitBias;

    protected NativeChatOptions(String model, Double frequencyPenalty, Integer maxTokens, Double presencePenalty,
            List<String> stopSequences, Double temperature, Integer topK, Double topP, Long seed, String user,
            Map<Integer, Float> logitBias) {
        super(model, frequencyPenalty, maxTokens, presencePenalty,
                stopSequences == null ? null : List.copyOf(stopSequences), temperature, topK, topP);
        this.seed = seed;
        this.user = user;
        this.logitBias = logitBias == null ? null : Map.copyOf(logitBias);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Long getSeed() {
        return seed;
    }

    public String getUser() {
        return user;
    }

    /** Added to the logits of the given token ids (-100..100), as the HTTP API's {@code logit_bias}. */
    public Map<Integer, Float> getLogitBias() {
        return logitBias;
    }

    @Override
    public Builder mutate() {
        return builder().model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences()).temperature(getTemperature())
                .topK(getTopK()).topP(getTopP()).seed(seed).user(user).logitBias(logitBias);
    }

    /** {@code overrides}' values where it has them, this one's elsewhere. */
    public NativeChatOptions mergedWith(ChatOptions overrides) {
        if (overrides == null) {
            return this;
        }
        Builder merged = mutate();
        if (overrides.getModel() != null) {
            merged.model(overrides.getModel());
        }
        if (overrides.getFrequencyPenalty() != null) {
            merged.frequencyPenalty(overrides.getFrequencyPenalty());
        }
        if (overrides.getMaxTokens() != null) {
            merged.maxTokens(overrides.getMaxTokens());
        }
        if (overrides.getPresencePenalty() != null) {
            merged.presencePenalty(overrides.getPresencePenalty());
        }
        if (overrides.getStopSequences() != null) {
            merged.stopSequences(overrides.getStopSequences());
        }
        if (overrides.getTemperature() != null) {
            merged.temperature(overrides.getTemperature());
        }
        if (overrides.getTopK() != null) {
            merged.topK(overrides.getTopK());
        }
        if (overrides.getTopP() != null) {
            merged.topP(overrides.getTopP());
        }
        if (overrides instanceof NativeChatOptions own) {
            if (own.seed != null) {
                merged.seed(own.seed);
            }
            if (own.user != null) {
                merged.user(own.user);
            }
            if (own.logitBias != null) {
                merged.logitBias(own.logitBias);
            }
        }
        return merged.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NativeChatOptions other && super.equals(other) && Objects.equals(seed, other.seed)
                && Objects.equals(user, other.user) && Objects.equals(logitBias, other.logitBias);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, user, logitBias);
    }

    @Override
    public String toString() {
        return "NativeChatOptions[model=" + getModel() + ", temperature=" + getTemperature() + ", topP=" + getTopP()
                + ", topK=" + getTopK() + ", maxTokens=" + getMaxTokens() + ", stop=" + getStopSequences()
                + ", presencePenalty=" + getPresencePenalty() + ", frequencyPenalty=" + getFrequencyPenalty()
                + ", seed=" + seed + ", user=" + user + ", logitBias=" + logitBias + "]";
    }

    public static class Builder extends DefaultChatOptionsBuilder<Builder> {

        private Long seed;
        private String user;
        private Map<Integer, Float> logitBias;

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder logitBias(Map<Integer, Float> logitBias) {
            this.logitBias = logitBias;
            return this;
        }

        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder own) {
                if (own.seed != null) {
                    seed = own.seed;
                }
                if (own.user != null) {
                    user = own.user;
                }
                if (own.logitBias != null) {
                    logitBias = own.logitBias;
                }
            }
            return this;
        }

        @Override
        public NativeChatOptions build() {
            return new NativeChatOptions(model, frequencyPenalty, maxTokens, presencePenalty, stopSequences,
                    temperature, topK, topP, seed, user, logitBias);
        }
    }
}
