package dev.moeplatform.engine.tools;

import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small byte-level BPE vocabulary for synthetic models until the tokenizer factories provide real ones: the 256
 * byte tokens (id = byte value) in GPT-2's byte-to-unicode alphabet, a handful of merges, and the ChatML control
 * tokens with a ChatML chat template. Tokenization with it is valid but barely compresses, which is all a model with
 * random weights needs.
 */
public final class StandInVocabulary {

    static final List<String> MERGES = List.of(
            "Ġ t", "h e", "Ġt he", "i n", "e r", "Ġ a", "o n", "r e", "Ġ s", "a n", "l l", "Ġ w", "o u", "Ġ Ġ");
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    static final String CHAT_TEMPLATE = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}""";

    private StandInVocabulary() {
    }

    /** 256 byte tokens, one token per merge, then {@code <|endoftext|>} (bos), {@code <|im_start|>}, {@code <|im_end|>} (eos). */
    public static Vocabulary create() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(byteToUnicode(b)));
        }
        for (String merge : MERGES) {
            tokens.add(merge.replace(" ", ""));
        }
        tokens.addAll(SPECIALS);
        int[] types = new int[tokens.size()];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        Arrays.fill(types, tokens.size() - SPECIALS.size(), tokens.size(), Vocabulary.TYPE_CONTROL);
        int endOfText = tokens.indexOf("<|endoftext|>");
        int imEnd = tokens.indexOf("<|im_end|>");
        return new Vocabulary("gpt2", "gpt-2", List.copyOf(tokens), null, types, MERGES, endOfText, imEnd, false,
                false, CHAT_TEMPLATE);
    }

    /** GPT-2's alphabet: printable Latin-1 bytes stand for themselves, the rest map to U+0100 upwards in order. */
    static char byteToUnicode(int b) {
        if (printable(b)) {
            return (char) b;
        }
        int before = 0;
        for (int i = 0; i < b; i++) {
            before += printable(i) ? 0 : 1;
        }
        return (char) (256 + before);
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
}
