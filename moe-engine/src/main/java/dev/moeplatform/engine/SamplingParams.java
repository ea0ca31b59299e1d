package dev.moeplatform.engine;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a sequence picks its next token and when it stops, with the meanings OpenAI's API and llama.cpp give these
 * names.
 *
 * @param temperature 0 means greedy (always the most likely token)
 * @param topK keep the k most likely tokens (0 = off)
 * @param topP keep the smallest set whose probability reaches p (1 = off)
 * @param minP drop tokens less likely than {@code minP} times the most likely one (0 = off)
 * @param repetitionPenalty divides positive / multiplies negative logits of tokens in the last
 *     {@code penaltyLastN} tokens of prompt and output (1 = off)
 * @param penaltyLastN how many recent tokens the repetition penalty looks at
 * @param presencePenalty subtracted once from the logit of every token already generated (0 = off)
 * @param frequencyPenalty subtracted per occurrence from the logit of generated tokens (0 = off)
 * @param logitBias added to the logits of the given token ids
 * @param seed the random seed; the same seed, prompt and parameters give the same output. Null: a random seed
 * @param maxTokens the most tokens to generate
 * @param stopTokenIds tokens that end the output (not included in it); the model's end-of-sequence token always does
 * @param stopStrings texts that end the output (not included in it)
 * @param topLogprobs how many most-likely alternatives to report with each sampled token (0 = none)
 * @param responseFormat {@link ResponseFormat#JSON_OBJECT}: only tokens that keep the output a valid JSON object
 *     prefix are sampled, and a stop token only once the object is complete (see {@code JsonConstraint})
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        int penaltyLastN,
        float presencePenalty,
        float frequencyPenalty,
        Map<Integer, Float> logitBias,
        Long seed,
        int maxTokens,
        Set<Integer> stopTokenIds,
        List<String> stopStrings,
        int topLogprobs,
        ResponseFormat responseFormat) {

    /** What the output must be: free text, or (JSON mode) one JSON object. */
    public enum ResponseFormat { TEXT, JSON_OBJECT }

    public SamplingParams {
        requireRange("temperature", temperature, 0, 100);
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, not " + topK);
        }
        requireRange("topP", topP, 0, 1);
        if (topP == 0) {
            throw new IllegalArgumentException("topP must be greater than 0");
        }
        requireRange("minP", minP, 0, 1);
        requireRange("repetitionPenalty", repetitionPenalty, 0.01, 100);
        if (penaltyLastN < 0) {
            throw new IllegalArgumentException("penaltyLastN must be >= 0, not " + penaltyLastN);
        }
        requireRange("presencePenalty", presencePenalty, -2, 2);
        requireRange("frequencyPenalty", frequencyPenalty, -2, 2);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, not " + maxTokens);
        }
        if (topLogprobs < 0 || topLogprobs > 20) {
            throw new IllegalArgumentException("topLogprobs must be between 0 and 20, not " + topLogprobs);
        }
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (stopStrings.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
        responseFormat = responseFormat == null ? ResponseFormat.TEXT : responseFormat;
    }

    /** Free text output: the parameters as they were before JSON mode. */
    public SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
            int penaltyLastN, float presencePenalty, float frequencyPenalty, Map<Integer, Float> logitBias, Long seed,
            int maxTokens, Set<Integer> stopTokenIds, List<String> stopStrings, int topLogprobs) {
        this(temperature, topK, topP, minP, repetitionPenalty, penaltyLastN, presencePenalty, frequencyPenalty,
                logitBias, seed, maxTokens, stopTokenIds, stopStrings, topLogprobs, ResponseFormat.TEXT);
    }

    /** Greedy decoding of up to {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return builder().temperature(0).seed(0L).maxTokens(maxTokens).build();
    }

    /** Starts from OpenAI's defaults: temperature 1, top-p 1, no penalties, 16 tokens, a random seed. */
    public static Builder builder() {
        return new Builder();
    }

    /** Named settings for the many optional parameters; {@link #build()} validates them. */
    public static final class Builder {
        private float temperature = 1;
        private int topK;
        private float topP = 1;
        private float minP;
        private float repetitionPenalty = 1;
        private int penaltyLastN = 64;
        private float presencePenalty;
        private float frequencyPenalty;
        private Map<Integer, Float> logitBias = Map.of();
        private Long seed;
        private int maxTokens = 16;
        private Set<Integer> stopTokenIds = Set.of();
        private List<String> stopStrings = List.of();
        private int topLogprobs;
        private ResponseFormat responseFormat = ResponseFormat.TEXT;

        private Builder() {
        }

        public Builder temperature(float value) { temperature = value; return this; }
        public Builder topK(int value) { topK = value; return this; }
        public Builder topP(float value) { topP = value; return this; }
        public Builder minP(float value) { minP = value; return this; }
        public Builder repetitionPenalty(float value) { repetitionPenalty = value; return this; }
        public Builder penaltyLastN(int value) { penaltyLastN = value; return this; }
        public Builder presencePenalty(float value) { presencePenalty = value; return this; }
        public Builder frequencyPenalty(float value) { frequencyPenalty = value; return this; }
        public Builder logitBias(Map<Integer, Float> value) { logitBias = value; return this; }
        public Builder seed(Long value) { seed = value; return this; }
        public Builder maxTokens(int value) { maxTokens = value; return this; }
        public Builder stopTokenIds(Set<Integer> value) { stopTokenIds = value; return this; }
        public Builder stopStrings(List<String> value) { stopStrings = value; return this; }
        public Builder topLogprobs(int value) { topLogprobs = value; return this; }
        public Builder responseFormat(ResponseFormat value) { responseFormat = value; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, penaltyLastN,
                    presencePenalty, frequencyPenalty, logitBias, seed, maxTokens, stopTokenIds, stopStrings,
                    topLogprobs, responseFormat);
        }
    }

    private static void requireRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value);
        }
    }
}
