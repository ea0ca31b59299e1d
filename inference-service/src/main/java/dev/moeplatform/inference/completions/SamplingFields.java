package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.SamplingParams;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The request fields chat completions and completions share: sampling, stop, n, seed, user and streaming.
 *
 * @param seed null: each choice draws its own random seed
 */
record SamplingFields(
        SamplingParams.Builder sampling,
        int n,
        Long seed,
        boolean stream,
        boolean includeUsage,
        String tenant) {

    /** OpenAI's own upper bound for n; the scheduler's batch size may be lower. */
    private static final int MAX_N = 128;

    static SamplingFields read(RequestFields fields, int vocabSize) {
        SamplingParams.Builder sampling = SamplingParams.builder();
        fields.number("temperature", 0, 2).ifPresent(t -> sampling.temperature((float) t));
        // top_p 0 is legal in OpenAI's API and means "only the most likely token"; the engine wants p > 0.
        fields.number("top_p", 0, 1).ifPresent(p -> sampling.topP((float) Math.max(p, 1e-9)));
        fields.number("presence_penalty", -2, 2).ifPresent(p -> sampling.presencePenalty((float) p));
        fields.number("frequency_penalty", -2, 2).ifPresent(p -> sampling.frequencyPenalty((float) p));
        sampling.stopStrings(fields.stringOrStrings("stop", 4));
        sampling.logitBias(logitBias(fields, vocabSize));
        int n = fields.integer("n", 1, MAX_N).orElse(1);
        Long seed = fields.longInteger("seed").isPresent() ? fields.longInteger("seed").getAsLong() : null;
        boolean stream = fields.bool("stream", false);
        boolean includeUsage = false;
        if (fields.node("stream_options").isPresent()) {
            JsonNode options = fields.node("stream_options").get();
            if (!options.isObject()) {
                throw RequestFields.wrongType("stream_options", "an object");
            }
            JsonNode include = options.get("include_usage");
            if (include != null && !include.isNull()) {
                if (!include.isBoolean()) {
                    throw RequestFields.wrongType("stream_options.include_usage", "a boolean");
                }
                includeUsage = include.booleanValue();
            }
        }
        String tenant = fields.string("user").filter(u -> !u.isBlank()).orElse("anonymous");
        return new SamplingFields(sampling, n, seed, stream, includeUsage, tenant);
    }

    private static Map<Integer, Float> logitBias(RequestFields fields, int vocabSize) {
        var node = fields.node("logit_bias");
        if (node.isEmpty()) {
            return Map.of();
        }
        if (!node.get().isObject()) {
            throw RequestFields.wrongType("logit_bias", "an object mapping token ids to numbers");
        }
        Map<Integer, Float> bias = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.get().properties()) {
            int token;
            try {
                token = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                throw RequestFields.invalid("logit_bias", "Invalid key in 'logit_bias': '" + entry.getKey()
                        + "' is not a token id.");
            }
            if (token < 0 || token >= vocabSize) {
                throw RequestFields.invalid("logit_bias", "Invalid key in 'logit_bias': token id " + token
                        + " is outside this model's vocabulary of " + vocabSize + " tokens.");
            }
            if (!entry.getValue().isNumber()) {
                throw RequestFields.wrongType("logit_bias", "numbers as values");
            }
            bias.put(token, (float) RequestFields.inRange("logit_bias", entry.getValue().doubleValue(), -100, 100));
        }
        return bias;
    }

    /** The choices' sampling parameters: choice i of a prompt samples with seed + i, so n choices differ. */
    List<SamplingParams> perChoice(int maxTokens, int topLogprobs) {
        sampling.maxTokens(maxTokens).topLogprobs(topLogprobs);
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> sampling.seed(seed == null ? null : seed + i).build())
                .toList();
    }

    /** A request may shorten its time limit with this header (milliseconds); the configured one is the most. */
    static Duration timeout(Long headerMillis) {
        if (headerMillis == null) {
            return null;
        }
        if (headerMillis <= 0) {
            throw RequestFields.invalid(null, "The x-platform-timeout-ms header must be a positive number of "
                    + "milliseconds.");
        }
        return Duration.ofMillis(headerMillis);
    }
}
