package dev.moeplatform.engine;

import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.util.Arrays;
import java.util.List;

/** Reads a model's {@code tokenizer.*} metadata (already validated by the native GGUF reader) into a Vocabulary. */
final class GgufVocabulary {

    private GgufVocabulary() {
    }

    static Vocabulary read(long model, int vocabSize) {
        String kind = NativeEngine.metaString(model, "tokenizer.ggml.model");
        String[] tokens = NativeEngine.metaStringArray(model, "tokenizer.ggml.tokens");
        if (kind == null || tokens == null) {
            throw new GgufFormatException("model has no tokenizer: tokenizer.ggml.model and tokenizer.ggml.tokens"
                    + " are required");
        }
        if (tokens.length != vocabSize) {
            throw new GgufFormatException("tokenizer.ggml.tokens has " + tokens.length
                    + " entries but the embedding has " + vocabSize + " rows");
        }
        float[] scores = NativeEngine.metaFloatArray(model, "tokenizer.ggml.scores");
        int[] types = NativeEngine.metaIntArray(model, "tokenizer.ggml.token_type");
        String[] merges = NativeEngine.metaStringArray(model, "tokenizer.ggml.merges");
        requireLength("tokenizer.ggml.scores", scores == null ? -1 : scores.length, vocabSize);
        requireLength("tokenizer.ggml.token_type", types == null ? -1 : types.length, vocabSize);
        if (types == null) {
            types = new int[vocabSize];
            Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        }
        String pre = NativeEngine.metaString(model, "tokenizer.ggml.pre");
        return new Vocabulary(kind, pre == null ? "default" : pre, List.of(tokens), scores, types,
                merges == null ? List.of() : List.of(merges),
                tokenId(model, "tokenizer.ggml.bos_token_id", vocabSize),
                tokenId(model, "tokenizer.ggml.eos_token_id", vocabSize),
                NativeEngine.metaBool(model, "tokenizer.ggml.add_bos_token", false),
                NativeEngine.metaBool(model, "tokenizer.ggml.add_eos_token", false),
                NativeEngine.metaString(model, "tokenizer.chat_template"));
    }

    private static void requireLength(String key, int length, int vocabSize) {
        if (length >= 0 && length != vocabSize) {
            throw new GgufFormatException(key + " has " + length + " entries for a vocabulary of " + vocabSize);
        }
    }

    private static int tokenId(long model, String key, int vocabSize) {
        long id = NativeEngine.metaLong(model, key, -1);
        if (id < -1 || id >= vocabSize) {
            throw new GgufFormatException(key + " = " + id + " is outside the vocabulary of " + vocabSize);
        }
        return (int) id;
    }
}
