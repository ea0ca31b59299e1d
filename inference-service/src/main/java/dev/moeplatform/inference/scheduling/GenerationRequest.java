package dev.moeplatform.inference.scheduling;

import dev.moeplatform.engine.SamplingParams;
import java.time.Duration;
import java.util.List;

/**
 * What a client asked one model to generate: one or more choices (n per prompt), each a prompt with its own
 * sampling parameters, on behalf of a tenant, within a time limit.
 */
public record GenerationRequest(String tenant, List<Choice> choices, Duration timeout) {

    public GenerationRequest {
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a request needs at least one choice");
        }
        choices = List.copyOf(choices);
    }

    /** One sequence to run: its prompt tokens and how to sample it. */
    public record Choice(int[] prompt, SamplingParams params) {

        /** The positions this choice may occupy: its prompt and everything it may generate. */
        public int tokensNeeded() {
            return prompt.length + params.maxTokens();
        }
    }

    /** What this request counts against {@code max-tokens-in-flight}. */
    public long tokensNeeded() {
        return choices.stream().mapToLong(Choice::tokensNeeded).sum();
    }
}
