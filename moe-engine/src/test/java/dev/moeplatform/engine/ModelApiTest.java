package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.engine.tokenizer.Tokenizer;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API over the engine: batching, statistics, tokenizer and template from the file, lifecycle rules. */
class ModelApiTest {

    @TempDir
    static Path dir;

    static Model model;

    @BeforeAll
    static void load() {
        EngineFixtures.Variant qwen = new EngineFixtures.Variant("qwen2moe", 0, 0, GgmlType.Q8_0);
        qwen.build(dir);
        model = Model.load(qwen.file(dir), EngineFixtures.options("auto"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void describesTheModelItLoaded() {
        ModelInfo info = model.info();

        assertThat(info.architecture()).isEqualTo("qwen2moe");
        assertThat(info.experts()).isEqualTo(4);
        assertThat(info.expertsUsed()).isEqualTo(2);
        assertThat(info.ropePairing()).isEqualTo("neox");
        assertThat(info.vocabSize()).isEqualTo(Vocabularies.defaultByteLevel().size());
        assertThat(info.activeWeightBytesPerToken()).isPositive().isLessThan(info.weightBytes());
        assertThat(model.metadataString("general.architecture")).contains("qwen2moe");
    }

    @Test
    void tokenizerAndChatTemplateComeFromTheFile() {
        Tokenizer fromFile = model.tokenizer();
        Tokenizer direct = Tokenizer.of(Vocabularies.defaultByteLevel());
        String text = "Grüße aus Zürich — 東京 🌸 and 12345 tokens";

        assertThat(fromFile.encode(text, false, false)).containsExactly(direct.encode(text, false, false));
        String prompt = model.chatTemplate().orElseThrow().render(List.of(new ChatMessage("user", "hi")), true);
        assertThat(prompt).contains("<|im_start|>user\nhi<|im_end|>").endsWith("<|im_start|>assistant\n");
    }

    @Test
    void aBatchedStepGivesEachSequenceWhatItWouldGetAlone() {
        int[][] prompts = {{1, 2, 3}, {400, 401}, {7, 8, 9, 10, 11}};
        int[][] alone = new int[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            alone[i] = generate(List.of(prompts[i]), 5).getFirst();
        }

        List<int[]> together = generate(List.of(prompts), 5);

        for (int i = 0; i < prompts.length; i++) {
            assertThat(together.get(i)).as("sequence %d", i).containsExactly(alone[i]);
        }
    }

    @Test
    void countsTokensRoutedToEachExpert() {
        model.resetExpertStats();
        generate(List.<int[]>of(new int[] {3, 4, 5, 6}), 3);

        ExpertStats stats = model.expertStats();
        // 4 prompt tokens + 2 fed-back samples went through every layer, each to 2 experts.
        for (int layer = 0; layer < stats.layers(); layer++) {
            assertThat(stats.layerTotal(layer)).isEqualTo(6 * 2);
            assertThat(stats.imbalance(layer)).isBetween(1.0, 4.0);
        }
        model.resetExpertStats();
        assertThat(model.expertStats().layerTotal(0)).isZero();
    }

    @Test
    void rejectsBadInputWithoutChangingAnything() {
        try (Sequence sequence = model.newSequence(8, SamplingParams.greedy(4))) {
            assertThatThrownBy(() -> sequence.append(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> sequence.append(new int[9])).hasMessageContaining("does not fit");
            assertThatThrownBy(() -> model.step(List.of(sequence))).hasMessageContaining("no input");
            assertThatThrownBy(() -> model.step(List.of(sequence, sequence)))
                    .hasMessageContaining("appears twice");
            assertThat(sequence.position()).isZero();
        }
        assertThatThrownBy(() -> model.newSequence(0, SamplingParams.greedy(1)))
                .hasMessageContaining("context length");
    }

    @Test
    void closedObjectsRefuseUseInsteadOfCrashing() {
        Sequence sequence = model.newSequence(8, SamplingParams.greedy(1));
        sequence.append(1);
        sequence.close();
        sequence.close();

        assertThatThrownBy(() -> model.step(List.of(sequence))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(sequence::position).isInstanceOf(IllegalStateException.class);

        Model other = Model.load(dir.resolve("qwen2moe-Q8_0.gguf"), EngineFixtures.options("scalar"));
        Sequence orphan = other.newSequence(8, SamplingParams.greedy(1));
        other.close();
        assertThatThrownBy(() -> orphan.append(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> other.newSequence(8, SamplingParams.greedy(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.step(List.of(orphan))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentCallersAreSerialisedNotRaced() throws Exception {
        int[] expected = generate(List.<int[]>of(new int[] {42, 43}), 8).getFirst();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> generate(List.<int[]>of(new int[] {42, 43}), 8).getFirst()));
            }
            for (Future<int[]> result : results) {
                assertThat(result.get()).containsExactly(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Greedy continuations of several prompts, stepped together. */
    private static List<int[]> generate(List<int[]> prompts, int tokens) {
        List<Sequence> sequences = new ArrayList<>();
        try {
            for (int[] prompt : prompts) {
                Sequence sequence = model.newSequence(32, SamplingParams.greedy(tokens));
                sequence.append(prompt);
                sequences.add(sequence);
            }
            List<int[]> out = new ArrayList<>();
            prompts.forEach(p -> out.add(new int[tokens]));
            for (int t = 0; t < tokens; t++) {
                model.step(sequences);
                for (int i = 0; i < sequences.size(); i++) {
                    out.get(i)[t] = sequences.get(i).lastSampled().id();
                }
            }
            return out;
        } finally {
            sequences.forEach(Sequence::close);
        }
    }
}
