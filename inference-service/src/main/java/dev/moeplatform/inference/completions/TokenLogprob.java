package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.SampledToken;
import dev.moeplatform.engine.tokenizer.Tokenizer;
import java.util.List;

/** One sampled token with its log-probability and the most likely alternatives, as text. */
record TokenLogprob(String token, float logprob, List<Alternative> top) {

    record Alternative(String token, float logprob) {
    }

    static TokenLogprob of(SampledToken sampled, Tokenizer tokenizer) {
        List<Alternative> top = sampled.topLogprobs() == null ? List.of() : sampled.topLogprobs().stream()
                .map(a -> new Alternative(text(a.id(), tokenizer), a.logprob())).toList();
        return new TokenLogprob(text(sampled.id(), tokenizer), sampled.logprob(), top);
    }

    // A token on its own may be part of a character: such bytes decode to U+FFFD here.
    private static String text(int id, Tokenizer tokenizer) {
        return tokenizer.decode(new int[] {id});
    }
}
