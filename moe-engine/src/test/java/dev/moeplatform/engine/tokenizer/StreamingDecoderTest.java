package dev.moeplatform.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StreamingDecoderTest {

    static Stream<Named<Tokenizer>> tokenizers() {
        return Stream.of(
                Named.of("byte-level (default)", Tokenizer.of(Vocabularies.defaultByteLevel())),
                Named.of("SentencePiece (default)", Tokenizer.of(Vocabularies.defaultSentencePiece())),
                Named.of("byte-level (cl100k)", Tokenizer.of(Cl100kVocabulary.get())));
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void neverSplitsACharacterWhereverTheStreamIsCut(Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(TestTexts.MIXED, true, false);
        String whole = tokenizer.decode(ids);
        assertThat(whole).isEqualTo(TestTexts.MIXED);
        assertThat(IntStream.range(0, ids.length).mapToObj(k -> tokenizer.decode(Arrays.copyOf(ids, k))))
                .as("some cut must fall inside a character, or this test shows nothing")
                .anyMatch(prefix -> prefix.endsWith("\uFFFD"));

        for (int cut = 0; cut <= ids.length; cut++) {
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            List<String> chunks = new ArrayList<>();
            StringBuilder head = new StringBuilder();
            for (int i = 0; i < cut; i++) {
                head.append(decoder.next(ids[i]));
            }
            chunks.add(head.toString());
            StringBuilder tail = new StringBuilder();
            for (int i = cut; i < ids.length; i++) {
                tail.append(decoder.next(ids[i]));
            }
            chunks.add(tail.toString());
            chunks.add(decoder.finish());
            assertThat(String.join("", chunks)).as("cut at %d", cut).isEqualTo(whole);
            assertWhole(chunks);
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void tokenByTokenGivesTheSameText(Tokenizer tokenizer) {
        for (String text : TestTexts.ROUND_TRIP) {
            int[] ids = tokenizer.encode(text, true, false);
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            List<String> chunks = new ArrayList<>();
            for (int id : ids) {
                chunks.add(decoder.next(id));
            }
            chunks.add(decoder.finish());
            assertThat(String.join("", chunks)).isEqualTo(tokenizer.decode(ids)).isEqualTo(text);
            assertWhole(chunks);
        }
    }

    @Test
    void holdsAnUnfinishedCharacterBackAndFlushesItAsAReplacement() {
        Tokenizer tokenizer = Tokenizer.of(Vocabularies.defaultByteLevel());
        byte[] emoji = "🦩".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        assertThat(decoder.next(ByteLevelBpeTest.byteToken('a'))).isEqualTo("a");
        assertThat(decoder.next(ByteLevelBpeTest.byteToken(emoji[0]))).isEmpty();
        assertThat(decoder.next(ByteLevelBpeTest.byteToken(emoji[1]))).isEmpty();
        assertThat(decoder.finish()).isEqualTo("\uFFFD");

        assertThat(decoder.next(ByteLevelBpeTest.byteToken(emoji[0]))).isEmpty();
        assertThat(decoder.next(ByteLevelBpeTest.byteToken('b'))).isEqualTo("\uFFFDb"); // cannot be completed any more
        for (int i = 0; i < 3; i++) {
            assertThat(decoder.next(ByteLevelBpeTest.byteToken(emoji[i]))).isEmpty();
        }
        assertThat(decoder.next(ByteLevelBpeTest.byteToken(emoji[3]))).isEqualTo("🦩");
        assertThat(decoder.finish()).isEmpty();
    }

    @Test
    void rendersControlTokensOnlyWhenAsked() {
        Tokenizer tokenizer = Tokenizer.of(Vocabularies.defaultByteLevel());
        int[] ids = tokenizer.encode("<|im_start|>hi<|im_end|>", false, true);
        StreamingDecoder plain = tokenizer.streamingDecoder();
        StreamingDecoder rendered = tokenizer.streamingDecoder(true);
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            a.append(plain.next(id));
            b.append(rendered.next(id));
        }
        assertThat(a.append(plain.finish())).hasToString("hi");
        assertThat(b.append(rendered.finish())).hasToString("<|im_start|>hi<|im_end|>");
    }

    private static void assertWhole(List<String> chunks) {
        for (String chunk : chunks) {
            assertThat(chunk).doesNotContain("\uFFFD");
            assertThat(TestTexts.hasLoneSurrogate(chunk)).as("lone surrogate in '%s'", chunk).isFalse();
        }
    }
}
