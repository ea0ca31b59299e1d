package dev.moeplatform.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Runs one prompt to completion on a model: the simple, single-sequence use of {@link Model#step}. */
public final class Generator {

    /** The outcome of one generation, with the time spent on the prompt and on the output. */
    public record Result(int promptTokens, List<SampledToken> tokens, String text, TextStream.Finish finish,
            long prefillNanos, long decodeNanos) {

        /** Prompt tokens per second. */
        public double prefillTokensPerSecond() {
            return promptTokens / (prefillNanos / 1e9);
        }

        /** Output tokens per second after the first (the first comes with the prompt's step). */
        public double decodeTokensPerSecond() {
            return tokens.size() <= 1 ? 0 : (tokens.size() - 1) / (decodeNanos / 1e9);
        }
    }

    private Generator() {
    }

    /**
     * @param onText receives text as soon as it is safe to show (whole characters, no part of a stop string)
     */
    public static Result generate(Model model, int[] prompt, SamplingParams params, Consumer<String> onText) {
        int context = Math.min(model.info().contextLength(), prompt.length + params.maxTokens());
        TextStream stream = new TextStream(model.tokenizer(), params);
        StringBuilder text = new StringBuilder();
        List<SampledToken> sampled = new ArrayList<>();
        try (Sequence sequence = model.newSequence(context, params)) {
            sequence.append(prompt);
            long start = System.nanoTime();
            long prefill = 0;
            while (true) {
                model.step(List.of(sequence));
                if (prefill == 0) {
                    prefill = System.nanoTime() - start;
                }
                SampledToken token = sequence.lastSampled();
                sampled.add(token);
                TextStream.Delta delta = stream.accept(token.id());
                if (!delta.text().isEmpty()) {
                    text.append(delta.text());
                    onText.accept(delta.text());
                }
                if (delta.finished() || !sequence.canStep()) {
                    TextStream.Finish finish = delta.finished() ? delta.finish() : TextStream.Finish.LENGTH;
                    return new Result(prompt.length, List.copyOf(sampled), text.toString(), finish, prefill,
                            System.nanoTime() - start - prefill);
                }
            }
        }
    }
}
