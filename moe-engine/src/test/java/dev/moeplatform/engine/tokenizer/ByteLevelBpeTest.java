package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class ByteLevelBpeTest {

    private static final Vocabulary VOCABULARY = Vocabularies.defaultByteLevel();
    private static final Tokenizer TOKENIZER = Tokenizer.of(VOCABULARY);

    @ParameterizedTest
    @FieldSource("dev.moeplatform.engine.tokenizer.TestTexts#ROUND_TRIP")
    void roundTrips(String text) {
        assertThat(TOKENIZER.decode(TOKENIZER.encode(text, false, false))).isEqualTo(text);
        assertThat(TOKENIZER.decode(TOKENIZER.encode(text, true, true))).isEqualTo(text);
    }

    @Test
    void picksTheByteLevelKindForGpt2() {
        assertThat(TOKENIZER).isInstanceOf(ByteLevelBpe.class);
        assertThat(TOKENIZER.vocabSize()).isEqualTo(VOCABULARY.size());
    }

    @Test
    void mergesWhatTheCorpusRepeats() {
        int[] ids = TOKENIZER.encode(" the lighthouse keeper", false, false);
        assertThat(ids.length).isLessThan(" the lighthouse keeper".length() / 2);
        assertThat(TOKENIZER.tokenText(ids[0])).isEqualTo("Ġthe");
    }

    @Test
    void specialTokensAreParsedOnlyWhenAsked() {
        String text = "<|im_start|>user\nhi<|im_end|>";
        int start = TOKENIZER.tokenId("<|im_start|>").orElseThrow();
        int end = TOKENIZER.tokenId("<|im_end|>").orElseThrow();

        int[] parsed = TOKENIZER.encode(text, false, true);
        assertThat(parsed[0]).isEqualTo(start);
        assertThat(parsed[parsed.length - 1]).isEqualTo(end);
        assertThat(TOKENIZER.decode(parsed)).isEqualTo("user\nhi");
        assertThat(TOKENIZER.decode(parsed, true)).isEqualTo(text);

        int[] plain = TOKENIZER.encode(text, false, false);
        assertThat(plain).doesNotContain(start, end);
        assertThat(Arrays.stream(plain).noneMatch(TOKENIZER::isControl)).isTrue();
        assertThat(TOKENIZER.decode(plain)).isEqualTo(text);
    }

    @Test
    void addsBosAndEosOnlyWhereTheVocabularySaysAndWhenAsked() {
        int[] ids = TOKENIZER.encode("hello", true, false);
        assertThat(ids).doesNotContain(TOKENIZER.bosId(), TOKENIZER.eosId()); // addBos and addEos are false

        Tokenizer both = Tokenizer.of(withAddSpecial(VOCABULARY, true, true));
        int[] framed = both.encode("hello", true, false);
        assertThat(framed[0]).isEqualTo(both.bosId());
        assertThat(framed[framed.length - 1]).isEqualTo(both.eosId());
        assertThat(both.encode("hello", false, false)).isEqualTo(ids);
        assertThat(both.encode("", true, false)).containsExactly(both.bosId(), both.eosId());
        assertThat(both.decode(framed)).isEqualTo("hello");
    }

    @Test
    void mergesByRankNotByOrderOfAppearance() {
        List<String> tokens = List.of("a", "b", "c", "ab", "bc");
        Tokenizer bcFirst = Tokenizer.of(tiny(tokens, List.of("b c", "a b")));
        Tokenizer abFirst = Tokenizer.of(tiny(tokens, List.of("a b", "b c")));
        assertThat(bcFirst.encode("abc", false, false)).containsExactly(0, 4);
        assertThat(abFirst.encode("abc", false, false)).containsExactly(3, 2);
        assertThat(abFirst.encode("abababcbc", false, false)).containsExactly(3, 3, 3, 2, 4);
    }

    @Test
    void invalidUtf8DecodesToReplacementCharacters() {
        int e2 = byteToken(0xE2);
        int a = byteToken('a');
        assertThat(TOKENIZER.decode(new int[] {e2, a})).isEqualTo("\uFFFDa");
        assertThat(TOKENIZER.decode(new int[] {byteToken(0xFF)})).isEqualTo("\uFFFD");
        assertThat(TOKENIZER.decode(new int[] {a, e2})).isEqualTo("a\uFFFD");
    }

    @Test
    void invalidIdsAreRefusedWithTheIdAndTheVocabularySize() {
        int size = TOKENIZER.vocabSize();
        for (int bad : new int[] {-1, size, Integer.MAX_VALUE}) {
            String message = "token id " + bad + " is outside the vocabulary of " + size + " tokens";
            assertThatThrownBy(() -> TOKENIZER.decode(new int[] {0, bad})).hasMessage(message)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> TOKENIZER.tokenText(bad)).hasMessage(message);
            assertThatThrownBy(() -> TOKENIZER.isControl(bad)).hasMessage(message);
            assertThatThrownBy(() -> TOKENIZER.streamingDecoder().next(bad)).hasMessage(message);
        }
    }

    @Test
    void unsupportedModelsAndStylesAreRefusedWithTheSupportedOnes() {
        Vocabulary bert = new Vocabulary("bert", null, List.of("a"), null, new int[] {1}, List.of(), -1, -1,
                false, false, null);
        assertThatThrownBy(() -> Tokenizer.of(bert)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bert'").hasMessageContaining("gpt2").hasMessageContaining("llama");
        Vocabulary falcon = new Vocabulary("gpt2", "falcon", VOCABULARY.tokens(), null, VOCABULARY.tokenTypes(),
                VOCABULARY.merges(), -1, -1, false, false, null);
        assertThatThrownBy(() -> Tokenizer.of(falcon)).hasMessageContaining("falcon").hasMessageContaining("qwen2");
    }

    @Test
    void looksUpTokens() {
        int space = TOKENIZER.tokenId("Ġ").orElseThrow();
        assertThat(space).isEqualTo(' ');
        assertThat(TOKENIZER.tokenText(space)).isEqualTo("Ġ");
        assertThat(TOKENIZER.tokenId("no such token")).isEmpty();
        assertThat(TOKENIZER.isControl(TOKENIZER.eosId())).isTrue();
        assertThat(TOKENIZER.isControl(space)).isFalse();
        assertThat(TOKENIZER.tokenText(TOKENIZER.eosId())).isEqualTo("<|im_end|>");
    }

    @Test
    void encodesLongPromptsTheSameEveryTime() {
        String prompt = String.join("\n", java.util.Collections.nCopies(20, Vocabularies.defaultCorpus()));
        int[] ids = TOKENIZER.encode(prompt, false, false);
        assertThat(ids.length).isGreaterThan(50_000);
        assertThat(TOKENIZER.encode(prompt, false, false)).isEqualTo(ids); // now from the cache
        assertThat(TOKENIZER.decode(ids)).isEqualTo(prompt);
    }

    @Test
    void isSafeToShareBetweenThreads() {
        String text = Vocabularies.defaultCorpus();
        int[] expected = Tokenizer.of(VOCABULARY).encode(text, false, false);
        Tokenizer shared = Tokenizer.of(VOCABULARY);
        IntStream.range(0, 8).parallel().forEach(i ->
                assertThat(shared.encode(text, false, false)).isEqualTo(expected));
    }

    static int byteToken(int b) {
        return TOKENIZER.tokenId(String.valueOf(ByteAlphabet.charOf(b))).orElseThrow();
    }

    static Vocabulary withAddSpecial(Vocabulary v, boolean addBos, boolean addEos) {
        return new Vocabulary(v.model(), v.pre(), v.tokens(), v.scores(), v.tokenTypes(), v.merges(), v.bosId(),
                v.eosId(), addBos, addEos, v.chatTemplate());
    }

    private static Vocabulary tiny(List<String> tokens, List<String> merges) {
        int[] types = new int[tokens.size()];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        return new Vocabulary("gpt2", "gpt-2", tokens, null, types, merges, -1, -1, false, false, null);
    }
}
