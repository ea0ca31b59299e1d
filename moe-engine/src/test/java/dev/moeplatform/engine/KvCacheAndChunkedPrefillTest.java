package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.gguf.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deepseek2 through the Java API: what the latent KV cache costs, the KV cache budget (pages taken as sequences grow,
 * a step that does not fit refused with nothing changed, pages back at once on close), and chunked prefill (a long
 * prompt split over steps that share them with a decoding sequence gives what it gives in one step).
 */
class KvCacheAndChunkedPrefillTest {

    @TempDir
    static Path dir;

    static final EngineFixtures.Variant LITE = new EngineFixtures.Variant("deepseek2", "lite", 0, 0, GgmlType.Q8_0);
    static final EngineFixtures.Variant V2 = new EngineFixtures.Variant("deepseek2", "v2", 0, 0, GgmlType.Q8_0);

    @BeforeAll
    static void build() {
        LITE.build(dir);
        V2.build(dir);
    }

    @Test
    void theLatentCacheHoldsOneCompressedRowPerTokenAndLayer() {
        try (Model lite = Model.load(LITE.file(dir), EngineFixtures.options("auto"));
             Model v2 = Model.load(V2.file(dir), EngineFixtures.options("auto"))) {
            ModelInfo info = lite.info();
            assertThat(info.architecture()).isEqualTo("deepseek2");
            assertThat(info.kvLoraRank()).isEqualTo(64);
            assertThat(info.mlaLayout()).isEqualTo("split");
            assertThat(v2.info().mlaLayout()).isEqualTo("combined");
            assertThat(v2.info().expertGroups()).isEqualTo(4);
            assertThat(v2.info().expertGroupsUsed()).isEqualTo(2);
            assertThat(info.ropeScaling()).isEqualTo("yarn");
            // 2 layers x (latent 64 + rope key 16) floats, against 4 heads x (key 48 + value 32) floats
            assertThat(info.kvBytesPerToken()).isEqualTo(2 * (64 + 16) * 4);
            assertThat(info.kvBytesPerTokenMultiHead()).isEqualTo(2 * 4 * (48 + 32) * 4);
            assertThat(info.kvCacheCompression()).isEqualTo(4.0);
        }
    }

    @Test
    void aStepBeyondTheBudgetIsRefusedAndClosingFreesPagesAtOnce() {
        long page = 32L * 2 * (64 + 16) * 4;
        try (Model model = Model.load(LITE.file(dir), EngineFixtures.options("auto").withKvCacheBytes(3 * page))) {
            assertThat(model.kvCache().budgetBytes()).isEqualTo(3 * page);
            assertThat(model.kvCache().pageBytes()).isEqualTo(page);
            Sequence first = model.newSequence(200, SamplingParams.greedy(4));
            Sequence second = model.newSequence(200, SamplingParams.greedy(4));
            assertThat(model.kvCache().usedBytes()).as("a new sequence holds no pages").isZero();
            first.append(prompt(40, 1));
            model.step(List.of(first));
            assertThat(model.kvCache().usedBytes()).isEqualTo(2 * page);

            second.append(prompt(40, 2));
            assertThatThrownBy(() -> model.step(List.of(second)))
                    .isInstanceOf(KvCacheFullException.class)
                    .hasMessageContaining("KV cache budget exhausted");
            assertThat(second.position()).as("the refused step changed nothing").isZero();
            assertThat(model.kvCache().usedBytes()).isEqualTo(2 * page);

            first.close();
            assertThat(model.kvCache().usedBytes()).as("closing returns the pages at once").isZero();
            model.step(List.of(second));
            assertThat(second.position()).isEqualTo(40);
            assertThat(model.kvCache().usedBytes()).isEqualTo(2 * page);
        }
    }

    @Test
    void aPromptPrefilledInChunksBesideADecodingSequenceGivesWhatOneStepGives() {
        int[] longPrompt = prompt(70, 3);
        try (Model model = Model.load(LITE.file(dir), EngineFixtures.options("auto"))) {
            List<SampledToken> whole = new ArrayList<>();
            try (Sequence alone = model.newSequence(128, SamplingParams.greedy(4))) {
                alone.append(longPrompt);
                for (int i = 0; i < 4; i++) {
                    model.step(List.of(alone));
                    whole.add(alone.lastSampled());
                }
            }
            try (Sequence decoding = model.newSequence(128, SamplingParams.greedy(64));
                 Sequence chunked = model.newSequence(128, SamplingParams.greedy(4))) {
                decoding.append(prompt(5, 4));
                model.step(List.of(decoding));
                chunked.append(longPrompt);
                List<SampledToken> inChunks = new ArrayList<>();
                int steps = 0;
                while (inChunks.size() < 4) {
                    List<Sequence> sampled = model.step(List.of(decoding, chunked), 16);
                    steps++;
                    assertThat(sampled).as("the decoding sequence samples every step").contains(decoding);
                    if (sampled.contains(chunked)) {
                        inChunks.add(chunked.lastSampled());
                    }
                }
                // 70 prompt tokens at 15 per step (16 less the decoder's one): 5 steps, then 3 decode steps
                assertThat(steps).isEqualTo(8);
                assertThat(inChunks).extracting(SampledToken::id)
                        .containsExactlyElementsOf(whole.stream().map(SampledToken::id).toList());
                for (int i = 0; i < 4; i++) {
                    assertThat(inChunks.get(i).logprob()).isCloseTo(whole.get(i).logprob(),
                            org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
        }
    }

    private static int[] prompt(int n, int salt) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = (i * 7 + salt * 13 + 3) % 500;
        }
        return tokens;
    }
}
