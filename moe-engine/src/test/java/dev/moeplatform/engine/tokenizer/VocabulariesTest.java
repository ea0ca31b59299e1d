package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class VocabulariesTest {

    @Test
    void defaultByteLevelVocabularyIsLaidOutAsDocumented() {
        Vocabulary v = Vocabularies.defaultByteLevel();
        assertThat(v.model()).isEqualTo("gpt2");
        assertThat(v.pre()).isEqualTo("qwen2");
        assertThat(v.size()).isBetween(1000, Vocabularies.DEFAULT_BYTE_LEVEL_SIZE);
        for (int b = 0; b < 256; b++) {
            assertThat(v.tokens().get(b)).isEqualTo(String.valueOf(ByteAlphabet.charOf(b)));
        }
        assertThat(v.tokens().subList(v.size() - 3, v.size())).containsExactly("<|endoftext|>", "<|im_start|>", "<|im_end|>");
        assertThat(Arrays.stream(v.tokenTypes()).skip(v.size() - 3)).containsOnly(Vocabulary.TYPE_CONTROL);
        assertThat(Arrays.stream(v.tokenTypes()).limit(v.size() - 3)).containsOnly(Vocabulary.TYPE_NORMAL);
        assertThat(v.merges()).hasSizeGreaterThanOrEqualTo(v.size() - 256 - 3);
        assertThat(v.tokens()).doesNotHaveDuplicates();
        assertThat(v.bosId()).isEqualTo(v.size() - 3);
        assertThat(v.eosId()).isEqualTo(v.size() - 1);
        assertThat(v.chatTemplate()).isEqualTo(Vocabularies.CHATML_TEMPLATE);
        // every merge joins two tokens into a third, and each token after the bytes comes from a merge
        for (String merge : v.merges()) {
            String[] parts = merge.split(" ");
            assertThat(v.tokens()).contains(parts[0], parts[1], parts[0] + parts[1]);
        }
    }

    @Test
    void defaultSentencePieceVocabularyIsLaidOutLikeLlamas() {
        Vocabulary v = Vocabularies.defaultSentencePiece();
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.size()).isEqualTo(Vocabularies.DEFAULT_SENTENCE_PIECE_SIZE);
        assertThat(v.tokens().subList(0, 4)).containsExactly("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(v.tokens().get(3 + 255)).isEqualTo("<0xFF>");
        assertThat(v.tokenTypes()[0]).isEqualTo(Vocabulary.TYPE_UNKNOWN);
        assertThat(IntStream.range(3, 259).map(i -> v.tokenTypes()[i])).containsOnly(Vocabulary.TYPE_BYTE);
        assertThat(v.bosId()).isEqualTo(1);
        assertThat(v.eosId()).isEqualTo(2);
        assertThat(v.addBos()).isTrue();
        assertThat(v.merges()).isEmpty();
        assertThat(v.tokens()).contains("▁the").doesNotHaveDuplicates().doesNotContain("\n");
        int the = v.tokens().indexOf("▁the");
        int thes = v.tokens().indexOf("▁lighthouse");
        assertThat(v.scores()[the]).isLessThanOrEqualTo(0f);
        if (thes >= 0) {
            assertThat(v.scores()[the]).isGreaterThan(v.scores()[thes]); // learnt earlier, merges first
        }
    }

    @Test
    void trainingIsDeterministic() {
        String corpus = Vocabularies.defaultCorpus();
        Vocabulary a = Vocabularies.trainByteLevelBpe(corpus, 800, List.of("<|endoftext|>"), "gpt-2", null,
                null, "<|endoftext|>");
        Vocabulary b = Vocabularies.trainByteLevelBpe(corpus, 800, List.of("<|endoftext|>"), "gpt-2", null,
                null, "<|endoftext|>");
        assertThat(b.tokens()).isEqualTo(a.tokens());
        assertThat(b.merges()).isEqualTo(a.merges());
        assertThat(b.tokenTypes()).isEqualTo(a.tokenTypes());
        assertThat(a.size()).isEqualTo(800);

        Vocabulary c = Vocabularies.trainSentencePiece(corpus, 900, null);
        Vocabulary d = Vocabularies.trainSentencePiece(corpus, 900, null);
        assertThat(d.tokens()).isEqualTo(c.tokens());
        assertThat(d.scores()).isEqualTo(c.scores());

        assertThat(Vocabularies.defaultByteLevel().tokens()).isEqualTo(Vocabularies.trainByteLevelBpe(corpus,
                Vocabularies.DEFAULT_BYTE_LEVEL_SIZE, Vocabularies.DEFAULT_SPECIAL_TOKENS, "qwen2",
                Vocabularies.CHATML_TEMPLATE, "<|endoftext|>", "<|im_end|>").tokens());
    }

    @Test
    void mergesTheMostFrequentPairAndBreaksTiesByTheOlderSymbols() {
        // pieces "ab", " ab", " ba", " ba": (a,b), (Ġ,b) and (b,a) occur twice each; 'Ġ' (byte 32) is the oldest
        Vocabulary v = Vocabularies.trainByteLevelBpe("ab ab ba ba", 300, List.of(), "gpt-2", null, null, null);
        assertThat(v.merges().getFirst()).isEqualTo("Ġ b");
        assertThat(v.merges()).containsExactly("Ġ b", "a b", "Ġb a"); // then (a,b) and (Ġb,a) tie: 'a' is older

        Vocabulary frequent = Vocabularies.trainByteLevelBpe("xy xy xy zw zw", 300, List.of(), "gpt-2", null, null,
                null);
        assertThat(frequent.merges().getFirst()).isEqualTo("x y"); // three times, beating the older (Ġ,x) twice
    }

    @Test
    void stopsWhenNoPairOccursTwiceAndKeepsSpecialsOutOfMerges() {
        Vocabulary v = Vocabularies.trainByteLevelBpe("one<|sep|>one", 10_000, List.of("<|sep|>"), "gpt-2", null,
                null, null);
        assertThat(v.merges()).containsExactly("n e", "o ne"); // (n,e) and (o,n) tie: 'n' is older
        assertThat(v.tokens()).containsOnlyOnce("<|sep|>");
        assertThat(Tokenizer.of(v).encode("one<|sep|>one", false, true)).containsExactly(257, 258, 257);
    }

    @Test
    void refusesSizesAndTokensThatCannotWork() {
        assertThatThrownBy(() -> Vocabularies.trainByteLevelBpe("abc", 257, List.of("<a>", "<b>"), "gpt-2", null,
                null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("258");
        assertThatThrownBy(() -> Vocabularies.trainByteLevelBpe("abc", 300, List.of("<a>"), "gpt-2", null,
                "<s>", null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'<s>'");
        assertThatThrownBy(() -> Vocabularies.trainByteLevelBpe("abc", 300, List.of(), "bloom", null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bloom");
        assertThatThrownBy(() -> Vocabularies.trainSentencePiece("abc", 260, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultsAreFreshCopies() {
        Vocabulary a = Vocabularies.defaultByteLevel();
        a.tokenTypes()[0] = Vocabulary.TYPE_UNUSED;
        assertThat(Vocabularies.defaultByteLevel().tokenTypes()[0]).isEqualTo(Vocabulary.TYPE_NORMAL);
    }

    @Test
    void trainedVocabulariesCompressTheirCorpus() {
        String corpus = Vocabularies.defaultCorpus();
        int bytes = corpus.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(Tokenizer.of(Vocabularies.defaultByteLevel()).encode(corpus, false, false).length)
                .isLessThan(bytes / 2);
        assertThat(Tokenizer.of(Vocabularies.defaultSentencePiece()).encode(corpus, false, false).length)
                .isLessThan(bytes / 2);
    }
}
