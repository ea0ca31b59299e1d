package dev.moeplatform.engine.tokenizer;

import java.util.List;

/**
 * A tokenizer vocabulary as GGUF stores it under {@code tokenizer.*}: what the model builder writes and what the
 * tokenizer is built from when a model is loaded.
 *
 * @param model {@code tokenizer.ggml.model}: "gpt2" (byte-level BPE) or "llama" (SentencePiece-style BPE)
 * @param pre {@code tokenizer.ggml.pre}: the pre-tokenizer style, e.g. "gpt-2", "llama-bpe", "qwen2", "deepseek-llm"
 * @param tokens {@code tokenizer.ggml.tokens}, id order (byte-level BPE: in GPT-2's byte-to-unicode alphabet)
 * @param scores {@code tokenizer.ggml.scores}, or null (SentencePiece merge priorities)
 * @param tokenTypes {@code tokenizer.ggml.token_type}: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
 * @param merges {@code tokenizer.ggml.merges} ("left right", highest priority first), empty for "llama"
 * @param bosId {@code tokenizer.ggml.bos_token_id}, -1 if none
 * @param eosId {@code tokenizer.ggml.eos_token_id}, -1 if none
 * @param addBos {@code tokenizer.ggml.add_bos_token}
 * @param addEos {@code tokenizer.ggml.add_eos_token}
 * @param chatTemplate {@code tokenizer.chat_template}, or null
 */
public record Vocabulary(
        String model,
        String pre,
        List<String> tokens,
        float[] scores,
        int[] tokenTypes,
        List<String> merges,
        int bosId,
        int eosId,
        boolean addBos,
        boolean addEos,
        String chatTemplate) {

    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    public int size() {
        return tokens.size();
    }
}
