package dev.moeplatform.engine;

import dev.moeplatform.engine.tokenizer.StreamingDecoder;
import dev.moeplatform.engine.tokenizer.Tokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one sequence's sampled tokens into text as a client should see it: only whole UTF-8 characters, nothing of a
 * stop string or after it, no text for stop tokens, and the reason the output ended.
 */
public final class TextStream {

    /** Why an output ended, with OpenAI's names. */
    public enum Finish { STOP, LENGTH }

    /** What one token adds: text that is safe to show now (possibly empty), and the finish reason if it ended. */
    public record Delta(String text, Finish finish) {
        public boolean finished() {
            return finish != null;
        }
    }

    private final StreamingDecoder decoder;
    private final Set<Integer> stopTokens;
    private final List<String> stopStrings;
    private final int maxTokens;
    private final StringBuilder held = new StringBuilder();
    private int tokens;
    private Finish finish;

    public TextStream(Tokenizer tokenizer, SamplingParams params) {
        this.decoder = tokenizer.streamingDecoder();
        this.stopStrings = params.stopStrings();
        this.maxTokens = params.maxTokens();
        HashSet<Integer> stops = new HashSet<>(params.stopTokenIds());
        if (tokenizer.eosId() >= 0) {
            stops.add(tokenizer.eosId());
        }
        this.stopTokens = Set.copyOf(stops);
    }

    public Delta accept(int token) {
        if (finish != null) {
            throw new IllegalStateException("output already finished (" + finish + ")");
        }
        tokens++;
        if (stopTokens.contains(token)) {
            return end(Finish.STOP, drain(decoder.finish()));
        }
        held.append(decoder.next(token));
        for (String stop : stopStrings) {
            int at = held.indexOf(stop);
            if (at >= 0) {
                String before = held.substring(0, at);
                held.setLength(0);
                return end(Finish.STOP, before);
            }
        }
        if (tokens >= maxTokens) {
            return end(Finish.LENGTH, drain(decoder.finish()));
        }
        // Hold back the longest tail that could still become a stop string.
        int keep = 0;
        for (String stop : stopStrings) {
            for (int n = Math.min(stop.length() - 1, held.length()); n > keep; n--) {
                if (stop.startsWith(held.substring(held.length() - n))) {
                    keep = n;
                    break;
                }
            }
        }
        String ready = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return new Delta(ready, null);
    }

    public int tokens() {
        return tokens;
    }

    public Finish finish() {
        return finish;
    }

    private String drain(String tail) {
        held.append(tail);
        String all = held.toString();
        held.setLength(0);
        return all;
    }

    private Delta end(Finish reason, String text) {
        finish = reason;
        return new Delta(text, reason);
    }
}
