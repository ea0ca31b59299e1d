package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class SentencePieceBpeTest {

    private static final Vocabulary VOCABULARY = Vocabularies.defaultSentencePiece();
    private static final Tokenizer TOKENIZER = Tokenizer.of(VOCABULARY);

    @ParameterizedTest
    @FieldSource("dev.moeplatform.engine.tokenizer.TestTexts#ROUND_TRIP")
    void roundTrips(String text) {
        assertThat(TOKENIZER.decode(TOKENIZER.encode(text, false, false))).isEqualTo(text);
        assertThat(TOKENIZER.decode(TOKENIZER.encode(text, true, true))).isEqualTo(text);
    }

    @Test
    void writesSpacesAsLowerBlocksWithADummyPrefix() {
        assertThat(TOKENIZER).isInstanceOf(SentencePieceBpe.class);
        int[] ids = TOKENIZER.encode("the lighthouse keeper", false, false);
        assertThat(Arrays.stream(ids).mapToObj(TOKENIZER::tokenText).reduce("", String::concat))
                .isEqualTo("▁the▁lighthouse▁keeper");
        assertThat(TOKENIZER.tokenText(ids[0])).isEqualTo("▁the");
        assertThat(ids.length).isLessThan(6);
        assertThat(TOKENIZER.tokenText(TOKENIZER.encode(" x", false, false)[0])).isEqualTo("▁");
    }

    @Test
    void fallsBackToByteTokensForCharactersWithoutAToken() {
        assertThat(TOKENIZER.tokenId("𓀀")).isEmpty();
        int[] ids = TOKENIZER.encode("𓀀", false, false);
        assertThat(Arrays.stream(ids).mapToObj(TOKENIZER::tokenText))
                .containsExactly("▁", "<0xF0>", "<0x93>", "<0x80>", "<0x80>");
        assertThat(Arrays.stream(ids).skip(1).map(id -> VOCABULARY.tokenTypes()[id]))
                .containsOnly(Vocabulary.TYPE_BYTE);
        assertThat(TOKENIZER.decode(ids)).isEqualTo("𓀀");
        int[] newline = TOKENIZER.encode("a\nb", false, false); // control characters are never tokens here
        assertThat(Arrays.stream(newline).mapToObj(TOKENIZER::tokenText)).contains("<0x0A>");
    }

    @Test
    void usesTheUnknownTokenWhenThereAreNoByteTokens() {
        List<String> tokens = List.of("<unk>", "<s>", "</s>", "▁", "a", "b", "▁a");
        Tokenizer tokenizer = Tokenizer.of(new Vocabulary("llama", null, tokens, new float[7],
                new int[] {2, 3, 3, 1, 1, 1, 1}, List.of(), 1, 2, true, false, null));
        int[] ids = tokenizer.encode("a€b", true, false);
        assertThat(ids).containsExactly(1, 6, 0, 5);
        assertThat(tokenizer.decode(ids)).isEqualTo("a\uFFFDb");
        assertThat(tokenizer.decode(ids, true)).isEqualTo("<s>a<unk>b");
    }

    @Test
    void refusesCharactersItCannotRepresentAtAll() {
        Tokenizer tokenizer = Tokenizer.of(new Vocabulary("llama", null, List.of("▁", "a"), null, new int[] {1, 1},
                List.of(), -1, -1, false, false, null));
        assertThatThrownBy(() -> tokenizer.encode("a€", false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'€'");
    }

    @Test
    void mergesTheHighestScoringPairFirst() {
        List<String> tokens = List.of("▁", "a", "b", "c", "ab", "bc", "▁a");
        int[] types = {1, 1, 1, 1, 1, 1, 1};
        Tokenizer abWins = Tokenizer.of(new Vocabulary("llama", null, tokens,
                new float[] {0, 0, 0, 0, -1, -2, -9}, types, List.of(), -1, -1, false, false, null));
        Tokenizer bcWins = Tokenizer.of(new Vocabulary("llama", null, tokens,
                new float[] {0, 0, 0, 0, -2, -1, -9}, types, List.of(), -1, -1, false, false, null));
        assertThat(abWins.encode("abc", false, false)).containsExactly(0, 4, 3);
        assertThat(bcWins.encode("abc", false, false)).containsExactly(6, 5);
    }

    @Test
    void addsBosByDefaultAndEosWhereTheVocabularySays() {
        assertThat(TOKENIZER.encode("hi", true, false)[0]).isEqualTo(1);
        assertThat(TOKENIZER.encode("hi", false, false)).doesNotContain(1);
        assertThat(TOKENIZER.encode("", true, false)).containsExactly(1);
        assertThat(TOKENIZER.encode("", false, false)).isEmpty();
        Tokenizer withEos = Tokenizer.of(ByteLevelBpeTest.withAddSpecial(VOCABULARY, true, true));
        int[] ids = withEos.encode("hi", true, false);
        assertThat(ids[0]).isEqualTo(withEos.bosId());
        assertThat(ids[ids.length - 1]).isEqualTo(withEos.eosId()).isEqualTo(2);
    }

    @Test
    void specialTokensAreParsedOnlyWhenAsked() {
        String text = "<s>Hello there</s> and again";
        int[] parsed = TOKENIZER.encode(text, false, true);
        assertThat(parsed[0]).isEqualTo(1);
        assertThat(parsed).contains(2);
        assertThat(TOKENIZER.decode(parsed, true)).isEqualTo(text);
        assertThat(TOKENIZER.decode(parsed)).isEqualTo("Hello there and again");

        int[] plain = TOKENIZER.encode(text, false, false);
        assertThat(plain).doesNotContain(1, 2);
        assertThat(TOKENIZER.decode(plain)).isEqualTo(text);
    }

    @Test
    void invalidIdsAreRefused() {
        assertThatThrownBy(() -> TOKENIZER.decode(new int[] {VOCABULARY.size()}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token id " + VOCABULARY.size() + " is outside the vocabulary of " + VOCABULARY.size()
                        + " tokens");
    }
}
