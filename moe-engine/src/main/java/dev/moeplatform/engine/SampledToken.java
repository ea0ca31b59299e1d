package dev.moeplatform.engine;

import java.util.List;

/**
 * A token a sequence produced, with its log-probability under the model (after logit bias and penalties, before
 * temperature and truncation) and, if asked for, the most likely alternatives.
 */
public record SampledToken(int id, float logprob, List<Alternative> topLogprobs) {

    public record Alternative(int id, float logprob) {
    }
}
