package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {
        (float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.2), (float) Math.log(0.1)};

    private static int[] draw(SamplingParams params, float[] logits, int n) {
        Sampler sampler = new Sampler(params);
        return IntStream.range(0, n).map(i -> sampler.sample(logits, 0, logits.length).id()).toArray();
    }

    @Test
    void greedyTakesTheMostLikelyToken() {
        assertThat(draw(SamplingParams.greedy(4), LOGITS, 5)).containsOnly(1);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        SamplingParams seeded = SamplingParams.builder().seed(7L).build();
        int[] first = draw(seeded, LOGITS, 200);

        assertThat(draw(seeded, LOGITS, 200)).isEqualTo(first);
        assertThat(draw(SamplingParams.builder().seed(8L).build(), LOGITS, 200)).isNotEqualTo(first);
    }

    @Test
    void temperatureOneFollowsTheModelsDistribution() {
        int[] tokens = draw(SamplingParams.builder().seed(1L).build(), LOGITS, 40_000);
        double[] frequency = new double[4];
        for (int token : tokens) {
            frequency[token] += 1.0 / tokens.length;
        }

        assertThat(frequency[0]).isCloseTo(0.1, offset(0.01));
        assertThat(frequency[1]).isCloseTo(0.6, offset(0.01));
        assertThat(frequency[2]).isCloseTo(0.2, offset(0.01));
    }

    @Test
    void truncationKeepsOnlyTheAllowedTokens() {
        assertThat(draw(SamplingParams.builder().seed(3L).topK(1).build(), LOGITS, 300)).containsOnly(1);
        assertThat(draw(SamplingParams.builder().seed(3L).topK(2).build(), LOGITS, 300)).containsOnly(1, 2);
        // top-p 0.75: 0.6 alone is not enough, 0.6 + 0.2 is.
        assertThat(draw(SamplingParams.builder().seed(3L).topP(0.75f).build(), LOGITS, 300)).containsOnly(1, 2);
        // min-p 0.3: tokens below 0.3 * 0.6 = 0.18 go.
        assertThat(draw(SamplingParams.builder().seed(3L).minP(0.3f).build(), LOGITS, 300)).containsOnly(1, 2);
    }

    @Test
    void logitBiasAndPenaltiesMoveTheChoice() {
        assertThat(draw(SamplingParams.builder().temperature(0).logitBias(Map.of(3, 10f)).build(), LOGITS, 3))
                .containsOnly(3);
        // Presence penalty: once token 1 is produced, it loses 2.0 and token 2 (log 0.2 > log 0.6 - 2) wins.
        assertThat(draw(SamplingParams.builder().temperature(0).presencePenalty(2f).build(), LOGITS, 2))
                .containsExactly(1, 2);

        Sampler sampler = new Sampler(SamplingParams.builder().temperature(0).repetitionPenalty(10f).build());
        sampler.acceptPrompt(new int[] {1});
        assertThat(sampler.sample(LOGITS, 0, 4).id()).as("prompt tokens are penalised").isEqualTo(2);
    }

    @Test
    void reportsLogprobsOfTheModelAndTheTopAlternatives() {
        SampledToken token = new Sampler(SamplingParams.builder().temperature(0).topLogprobs(3).build())
                .sample(LOGITS, 0, 4);

        assertThat(token.logprob()).isCloseTo((float) Math.log(0.6), offset(1e-5f));
        assertThat(token.topLogprobs()).extracting(SampledToken.Alternative::id).containsExactly(1, 2, 0);
        assertThat(token.topLogprobs().get(1).logprob()).isCloseTo((float) Math.log(0.2), offset(1e-5f));
    }

    @Test
    void readsItsSliceOfABatchsLogits() {
        float[] batch = new float[8];
        System.arraycopy(LOGITS, 0, batch, 4, 4);

        assertThat(new Sampler(SamplingParams.greedy(1)).sample(batch, 4, 4).id()).isEqualTo(1);
    }

    @Test
    void rejectsOutOfRangeParameters() {
        assertThatThrownBy(() -> SamplingParams.builder().temperature(-1).build())
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> SamplingParams.builder().topP(0).build()).hasMessageContaining("topP");
        assertThatThrownBy(() -> SamplingParams.builder().maxTokens(0).build()).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> SamplingParams.builder().topLogprobs(21).build())
                .hasMessageContaining("topLogprobs");
    }
}
