package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.engine.tokenizer.Tokenizer;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    private static final Tokenizer TOKENIZER = Tokenizer.of(Vocabularies.defaultByteLevel());

    private static List<TextStream.Delta> feed(String text, SamplingParams params) {
        TextStream stream = new TextStream(TOKENIZER, params);
        List<TextStream.Delta> deltas = new ArrayList<>();
        for (int token : TOKENIZER.encode(text, false, false)) {
            TextStream.Delta delta = stream.accept(token);
            deltas.add(delta);
            if (delta.finished()) {
                break;
            }
        }
        return deltas;
    }

    private static String joined(List<TextStream.Delta> deltas) {
        return deltas.stream().map(TextStream.Delta::text).reduce("", String::concat);
    }

    @Test
    void stopStringEndsTheOutputAndNoneOfItIsShown() {
        SamplingParams params = SamplingParams.builder().maxTokens(100).stopStrings(List.of("END")).build();
        List<TextStream.Delta> deltas = feed("The answer is 42. END of story", params);

        assertThat(joined(deltas)).isEqualTo("The answer is 42. ");
        assertThat(deltas.getLast().finish()).isEqualTo(TextStream.Finish.STOP);
        assertThat(deltas).noneMatch(d -> d.text().contains("E"));
    }

    @Test
    void textThatMightStartAStopStringIsHeldUntilItCannot() {
        SamplingParams params = SamplingParams.builder().maxTokens(100).stopStrings(List.of("</answer>")).build();
        TextStream stream = new TextStream(TOKENIZER, params);
        StringBuilder shown = new StringBuilder();
        for (int token : TOKENIZER.encode("a </", false, false)) {
            shown.append(stream.accept(token).text());
        }
        assertThat(shown.toString()).as("'</' could begin '</answer>'").isEqualTo("a ");

        for (int token : TOKENIZER.encode("b> c", false, false)) {
            shown.append(stream.accept(token).text());
        }
        assertThat(shown.toString()).as("once it cannot, it is shown").isEqualTo("a </b> c");
    }

    @Test
    void endOfSequenceTokenStopsWithoutText() {
        TextStream stream = new TextStream(TOKENIZER, SamplingParams.greedy(10));
        stream.accept(TOKENIZER.encode("Hi", false, false)[0]);

        TextStream.Delta end = stream.accept(TOKENIZER.eosId());

        assertThat(end.finish()).isEqualTo(TextStream.Finish.STOP);
        assertThat(end.text()).doesNotContain("<|im_end|>");
    }

    @Test
    void maxTokensEndsWithLengthAndFlushesEverything() {
        String text = "Grüße 🌸 and more words here";
        int[] tokens = TOKENIZER.encode(text, false, false);
        List<TextStream.Delta> deltas = feed(text, SamplingParams.greedy(tokens.length));

        assertThat(joined(deltas)).isEqualTo(text);
        assertThat(deltas.getLast().finish()).isEqualTo(TextStream.Finish.LENGTH);
        assertThat(deltas).noneMatch(d -> d.text().contains("\uFFFD"));
    }
}
