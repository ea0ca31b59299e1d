package dev.moeplatform.inference.scheduling;

import dev.moeplatform.engine.SampledToken;
import dev.moeplatform.engine.TextStream;
import dev.moeplatform.web.errors.ApiError;

/** What a running request hears from its scheduler, in order; the last event is {@link Completed} or {@link Failed}. */
public sealed interface GenerationEvent {

    /**
     * One sampled token of one choice.
     *
     * @param text what the token adds to the visible output (may be empty: held back until it is whole, or a stop)
     * @param finish non-null on the choice's last token
     */
    record Token(int choice, String text, SampledToken token, TextStream.Finish finish) implements GenerationEvent {
    }

    /** Every choice finished. */
    record Completed(int completionTokens) implements GenerationEvent {
    }

    /** The request was stopped (timeout, engine failure, shutdown); tokens already delivered stand. */
    record Failed(ApiError error) implements GenerationEvent {
    }
}
