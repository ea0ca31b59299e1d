package dev.moeplatform.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One sequence's sampler: turns the logits of a step into the next token. It keeps the sequence's random state and
 * the counts the penalties need, so that the same seed gives the same tokens whatever else runs in the batch.
 *
 * <p>Order, as in llama.cpp and vLLM: logit bias, repetition penalty, presence/frequency penalties, (log-probabilities
 * are taken here), temperature, top-k, top-p, min-p, draw.
 */
final class Sampler {

    static final int CONSTRAINED_RETRIES = 8;

    private final SamplingParams params;
    private final JsonConstraint constraint;
    private final SplittableRandom random;
    private final Map<Integer, Integer> generatedCounts = new HashMap<>();
    private final int[] recent;
    private int recentSize;
    private int recentNext;

    Sampler(SamplingParams params) {
        this(params, null);
    }

    /** @param constraint JSON mode's constraint, or null for free text */
    Sampler(SamplingParams params, JsonConstraint constraint) {
        this.params = params;
        this.constraint = constraint;
        this.random = params.seed() != null ? new SplittableRandom(params.seed()) : new SplittableRandom();
        this.recent = new int[params.penaltyLastN()];
    }

    /** Prompt tokens count for the repetition penalty, not for presence/frequency (those look at the output). */
    void acceptPrompt(int[] tokens) {
        for (int token : tokens) {
            remember(token);
        }
    }

    SampledToken sample(float[] allLogits, int offset, int vocab) {
        return sample(allLogits, offset, vocab, JsonConstraint.UNLIMITED);
    }

    /** @param tokensLeftAfter how many tokens may still be generated after this one (JSON mode steers by it) */
    SampledToken sample(float[] allLogits, int offset, int vocab, int tokensLeftAfter) {
        float[] logits = Arrays.copyOfRange(allLogits, offset, offset + vocab);
        applyBiasAndPenalties(logits);
        float[] logprobs = logSoftmax(logits);
        int token = pick(logits);
        if (constraint != null) {
            token = constrain(logits, token, tokensLeftAfter);
        }
        SampledToken sampled = new SampledToken(token, logprobs[token], top(logprobs, params.topLogprobs()));
        generatedCounts.merge(token, 1, Integer::sum);
        remember(token);
        return sampled;
    }

    private int pick(float[] logits) {
        return params.temperature() == 0 ? argmax(logits) : draw(logits);
    }

    /** The token JSON mode lets through: the drawn one if allowed, else a draw from the allowed ones. */
    private int constrain(float[] logits, int token, int tokensLeftAfter) {
        float[] original = null;
        for (int retry = 0; retry < CONSTRAINED_RETRIES && logits[token] != Float.NEGATIVE_INFINITY; retry++) {
            if (constraint.allows(token, tokensLeftAfter, true)) {
                constraint.accept(token);
                return token;
            }
            if (original == null) {
                original = logits.clone();
            }
            logits[token] = Float.NEGATIVE_INFINITY;
            token = pick(logits);
        }
        float[] unmasked = original != null ? original : logits;
        float[] masked = unmasked.clone();
        if (constraint.mask(masked, tokensLeftAfter, true) == 0) {
            // Cannot finish within the limit: keep the output valid and let the limit end it ("length").
            masked = unmasked.clone();
            if (constraint.mask(masked, tokensLeftAfter, false) == 0) {
                return token; // no token continues the JSON at all (e.g. complete, and no stop token exists)
            }
        }
        token = pick(masked);
        if (!constraint.accept(token)) {
            token = argmax(masked); // rounding in the draw landed on a masked token
            constraint.accept(token);
        }
        return token;
    }

    private void applyBiasAndPenalties(float[] logits) {
        params.logitBias().forEach((token, bias) -> {
            if (token >= 0 && token < logits.length) {
                logits[token] += bias;
            }
        });
        if (params.repetitionPenalty() != 1f) {
            boolean[] seen = new boolean[logits.length];
            for (int i = 0; i < recentSize; i++) {
                int token = recent[i];
                if (!seen[token]) {
                    seen[token] = true;
                    logits[token] = logits[token] > 0
                            ? logits[token] / params.repetitionPenalty()
                            : logits[token] * params.repetitionPenalty();
                }
            }
        }
        if (params.presencePenalty() != 0 || params.frequencyPenalty() != 0) {
            generatedCounts.forEach((token, count) ->
                    logits[token] -= params.presencePenalty() + params.frequencyPenalty() * count);
        }
    }

    private int draw(float[] logits) {
        int[] order = params.topK() == 0 && params.topP() >= 1 && params.minP() == 0
                ? null // nothing truncates: draw from the whole distribution, no sorting needed
                : byDescendingLogit(logits, params.topK());
        int candidates = order == null ? logits.length : order.length;
        double[] probs = new double[candidates];
        double max = logits[order == null ? argmax(logits) : order[0]] / params.temperature();
        double sum = 0;
        for (int i = 0; i < candidates; i++) {
            probs[i] = Math.exp(logits[order == null ? i : order[i]] / params.temperature() - max);
            sum += probs[i];
        }
        int cut = candidates;
        if (order != null) {
            // top-p: the smallest prefix whose mass reaches p; min-p: relative to the most likely token.
            double cumulative = 0;
            double first = probs[0];
            for (int i = 0; i < candidates; i++) {
                if (i > 0 && probs[i] < params.minP() * first) {
                    cut = i;
                    break;
                }
                cumulative += probs[i] / sum;
                if (cumulative >= params.topP()) {
                    cut = i + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < cut; i++) {
            mass += probs[i];
        }
        double target = random.nextDouble() * mass;
        for (int i = 0; i < cut; i++) {
            target -= probs[i];
            if (target < 0) {
                return order == null ? i : order[i];
            }
        }
        return order == null ? cut - 1 : order[cut - 1];
    }

    /** Token ids by descending logit (ties: lower id first), only the first {@code limit} when limit > 0. */
    private static int[] byDescendingLogit(float[] logits, int limit) {
        long[] keys = new long[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int descending = ~(bits >= 0 ? bits : bits ^ 0x7fffffff); // larger float -> smaller key
            keys[i] = ((long) descending << 32) | i;
        }
        Arrays.sort(keys);
        int n = limit > 0 ? Math.min(limit, keys.length) : keys.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    private void remember(int token) {
        if (recent.length == 0) {
            return;
        }
        recent[recentNext] = token;
        recentNext = (recentNext + 1) % recent.length;
        recentSize = Math.min(recentSize + 1, recent.length);
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] - logSum);
        }
        return out;
    }

    private static List<SampledToken.Alternative> top(float[] logprobs, int n) {
        if (n == 0) {
            return List.of();
        }
        List<SampledToken.Alternative> best = new ArrayList<>(n + 1);
        for (int i = 0; i < logprobs.length; i++) {
            if (best.size() < n || logprobs[i] > best.getLast().logprob()) {
                int at = 0;
                while (at < best.size() && best.get(at).logprob() >= logprobs[i]) {
                    at++;
                }
                best.add(at, new SampledToken.Alternative(i, logprobs[i]));
                if (best.size() > n) {
                    best.removeLast();
                }
            }
        }
        return List.copyOf(best);
    }
}
