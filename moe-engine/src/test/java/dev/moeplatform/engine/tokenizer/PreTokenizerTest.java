package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PreTokenizerTest {

    @Test
    void gpt2KeepsContractionsCaseSensitiveAndDigitRunsWhole() {
        assertThat(PreTokenizer.forName("gpt-2").split("Hello world's 12345  end DON'T"))
                .containsExactly("Hello", " world", "'s", " 12345", " ", " end", " DON", "'", "T");
    }

    @Test
    void llama3SplitsDigitsInThreesAndContractionsInAnyCase() {
        assertThat(PreTokenizer.forName("llama-bpe").split("Hello WORLD'S 1234567\n\n  x DON'T"))
                .containsExactly("Hello", " WORLD", "'S", " ", "123", "456", "7", "\n\n", " ", " x", " DON", "'T");
        assertThat(PreTokenizer.forName("cl100k").split("a  b\n")).isEqualTo(PreTokenizer.forName("llama-bpe").split("a  b\n"));
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertThat(PreTokenizer.forName("qwen2").split("year 2024, it'S"))
                .containsExactly("year", " ", "2", "0", "2", "4", ",", " it", "'S");
    }

    @Test
    void deepseekLlmAppliesItsRegexesInTurn() {
        assertThat(PreTokenizer.forName("deepseek-llm").split("Hello, world!\n12 中文"))
                .containsExactly("Hello", ",", " world", "!", "\n", "1", "2", " ", "中文");
    }

    @Test
    void deepseekV3IsolatesDigitGroupsAndCjkFirst() {
        assertThat(PreTokenizer.forName("deepseek-v3").split("Hello世界1234567 ok.NET ."))
                .containsExactly("Hello", "世界", "123", "456", "7", " ok", ".NET", " .");
    }

    @Test
    void defaultIsGpt2AndUnknownStylesAreRefusedWithTheSupportedOnes() {
        assertThat(PreTokenizer.forName(null)).isEqualTo(PreTokenizer.GPT2);
        assertThat(PreTokenizer.forName("")).isEqualTo(PreTokenizer.GPT2);
        assertThatThrownBy(() -> PreTokenizer.forName("falcon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("falcon")
                .hasMessageContaining("gpt-2, llama-bpe, cl100k, qwen2, deepseek-llm, deepseek-v3");
    }

    @ParameterizedTest
    @EnumSource(PreTokenizer.class)
    void piecesAreNonEmptyAndJoinToTheText(PreTokenizer style) {
        String atoms = "aZé中 \n\t0'.😀ж";
        Random random = new Random(style.ordinal());
        for (int round = 0; round < 500; round++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(1, 30); n > 0; n--) {
                text.appendCodePoint(atoms.codePoints().toArray()[random.nextInt((int) atoms.codePoints().count())]);
            }
            assertThat(style.split(text.toString())).doesNotContain("").satisfies(pieces ->
                    assertThat(String.join("", pieces)).isEqualTo(text.toString()));
        }
    }
}
