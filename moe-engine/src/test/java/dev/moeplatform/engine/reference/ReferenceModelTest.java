package dev.moeplatform.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import dev.moeplatform.engine.tools.ModelSpec;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tools.SyntheticModel;
import dev.moeplatform.engine.tools.SyntheticModelBuilder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceModelTest {

    static final Vocabulary VOCAB = Vocabularies.defaultByteLevel();
    static final int[] PROMPT = {5, 260, 31, 97, 271, 12, 200, 3};

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mixtral", "qwen2moe", "qwen3moe"})
    void logitsAreFiniteSpreadAndCloseAcrossWeightTypes(String arch) {
        float[][] f32 = run(model(spec(arch).build()), PROMPT);
        for (float[] logits : f32) {
            assertThat(logits).hasSize(VOCAB.size());
            double std = std(logits);
            assertThat(std).isBetween(0.3, 10.0);
            for (float v : logits) {
                assertThat(Float.isFinite(v) && Math.abs(v) < 50).isTrue();
            }
        }
        assertThat(f32[1]).isNotEqualTo(f32[2]);
        // each type stores the same draw, so its logits track F32's, the finer the type the closer; the median
        // over positions, since a rounding that flips a near-tie of the router changes that position's logits
        double[] minimum = {0.999, 0.999, 0.995, 0.8}; // F16, BF16, Q8_0, Q4_0
        GgmlType[] types = {GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0};
        for (int i = 0; i < types.length; i++) {
            float[][] other = run(model(spec(arch).weightType(types[i]).build()), PROMPT);
            double[] correlations = new double[PROMPT.length];
            for (int p = 0; p < PROMPT.length; p++) {
                correlations[p] = correlation(f32[p], other[p]);
            }
            Arrays.sort(correlations);
            assertThat(correlations[PROMPT.length / 2]).as("%s %s", arch, types[i]).isGreaterThan(minimum[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mixtral", "qwen2moe", "qwen3moe"})
    void laterTokensDoNotChangeEarlierLogitsAndRewindingRecomputes(String arch) {
        SyntheticModel model = model(spec(arch).weightType(GgmlType.Q8_0).build());
        int[] other = PROMPT.clone();
        other[3] = 100;
        other[6] = 7;
        float[][] a = run(model, PROMPT);
        float[][] b = run(model, other);
        for (int p = 0; p < 3; p++) {
            assertThat(b[p]).isEqualTo(a[p]);
        }
        assertThat(b[3]).isNotEqualTo(a[3]);
        assertThat(b[4]).isNotEqualTo(a[4]);

        ReferenceModel reference = new ReferenceModel(model);
        reference.prompt(PROMPT);
        assertThat(reference.forward(100, 3)).isEqualTo(b[3]);
        assertThat(reference.position()).isEqualTo(4);
        assertThat(reference.forward(PROMPT[4], 4)).isEqualTo(b[4]);
        assertThatThrownBy(() -> reference.forward(1, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reference.forward(VOCAB.size(), 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isDeterministic() {
        ModelSpec spec = spec("qwen3moe").weightType(GgmlType.Q4_0).build();
        assertThat(run(model(spec), PROMPT)).isDeepEqualTo(run(model(spec), PROMPT));
        assertThat(run(model(spec.toBuilder().seed(1).build()), PROMPT)[0]).isNotEqualTo(run(model(spec), PROMPT)[0]);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void oneExpertOfTheDenseWeightsIsTheDenseModel(boolean expertWeightsNorm) {
        ModelSpec dense = spec("llama").weightType(GgmlType.Q8_0).build();
        ModelSpec moe = dense.toBuilder().experts(1, 1).ffExp(dense.nFf()).expertWeightsNorm(expertWeightsNorm).build();
        SyntheticModel d = model(dense);
        SyntheticModel m = model(moe);
        for (int layer = 0; layer < dense.nLayer(); layer++) {
            for (String part : new String[] {"gate", "up", "down"}) {
                m = m.with(blk(layer, "ffn_" + part + "_exps"), d.values(blk(layer, "ffn_" + part)));
            }
        }
        assertThat(run(m, PROMPT)).isDeepEqualTo(run(d, PROMPT));
    }

    @Test
    void equalRouterScoresPickTheLowerExpertAndStackedExpertsAreAddressedByIndex() {
        ModelSpec dense = spec("llama").build();
        SyntheticModel d = model(dense);
        float[][] expected = run(d, PROMPT);
        ModelSpec two = dense.toBuilder().experts(2, 1).expertWeightsNorm(true).build();
        SyntheticModel m = model(two);
        SyntheticModel halfDown = d;
        for (int layer = 0; layer < dense.nLayer(); layer++) {
            m = m.with(blk(layer, "ffn_gate_inp"), new float[dense.nEmbd() * 2]); // both experts score 0: p = 1/2
            for (String part : new String[] {"gate", "up", "down"}) { // expert 0 = the dense FFN, expert 1 = noise
                float[] stacked = m.values(blk(layer, "ffn_" + part + "_exps")).clone();
                float[] own = d.values(blk(layer, "ffn_" + part));
                System.arraycopy(own, 0, stacked, 0, own.length);
                m = m.with(blk(layer, "ffn_" + part + "_exps"), stacked);
            }
            halfDown = halfDown.with(blk(layer, "ffn_down"), scaled(d.values(blk(layer, "ffn_down")), 0.5f));
        }
        assertThat(run(m, PROMPT)).isDeepEqualTo(expected); // weight 1/2 renormalized to 1
        SyntheticModel unnormalized = new SyntheticModel(two.toBuilder().expertWeightsNorm(false).build(), m.tensors());
        assertThat(run(unnormalized, PROMPT)).isDeepEqualTo(run(halfDown, PROMPT)); // weight 1/2 kept

        // both experts, each weighted 1/2: expert 0 contributes nothing, expert 1 is the dense FFN with down doubled
        ModelSpec both = two.toBuilder().experts(2, 2).build();
        SyntheticModel m2 = new SyntheticModel(both, m.tensors());
        for (int layer = 0; layer < dense.nLayer(); layer++) {
            float[] down = new float[2 * dense.nFf() * dense.nEmbd()];
            float[] doubled = scaled(d.values(blk(layer, "ffn_down")), 2);
            System.arraycopy(doubled, 0, down, doubled.length, doubled.length);
            m2 = m2.with(blk(layer, "ffn_down_exps"), down);
            for (String part : new String[] {"gate", "up"}) {
                float[] own = d.values(blk(layer, "ffn_" + part));
                float[] stacked = new float[2 * own.length];
                System.arraycopy(own, 0, stacked, own.length, own.length);
                m2 = m2.with(blk(layer, "ffn_" + part + "_exps"), stacked);
            }
        }
        assertThat(run(m2, PROMPT)).isDeepEqualTo(expected);
    }

    @Test
    void attentionIsTheScaledSoftmaxOverCachedPositions() {
        // kv head 1 of two, head_dim 2: s = (0, 2 / sqrt 2), o = p_0 * 1 + p_1 * 3 (and 10, 30 in the second value)
        float[][] keys = {{9, 9, 0, 0}, {9, 9, 2, 0}, {9, 9, 5, 5}};
        float[][] values = {{0, 0, 1, 10}, {0, 0, 3, 30}, {0, 0, 7, 70}};
        float[] o = new float[3];
        ReferenceModel.attend(new float[] {7, 1, 0}, 1, 2, keys, values, 1, 2, 1, o, 1);
        double p1 = Math.exp(Math.sqrt(2)) / (1 + Math.exp(Math.sqrt(2)));
        assertThat(o[0]).isZero();
        assertThat(o[1]).isCloseTo((float) (1 - p1 + 3 * p1), within(1e-6f));
        assertThat(o[2]).isCloseTo((float) (10 * (1 - p1) + 30 * p1), within(1e-5f));
    }

    @Test
    void rmsNormAndActivations() {
        double rms = Math.sqrt((9 + 16) / 2.0 + 0.5);
        assertThat(ReferenceModel.rmsnorm(new float[] {3, 4}, new float[] {1, 2}, 0.5f))
                .containsExactly(new float[] {(float) (3 / rms), (float) (8 / rms)}, within(1e-6f));
        assertThat(ReferenceModel.silu(2)).isCloseTo(2 / (1 + Math.exp(-2)), within(1e-12));
        assertThat(ReferenceModel.sigmoid(0)).isEqualTo(0.5);
        assertThat(ReferenceModel.matvec(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, new float[] {1, -1}))
                .containsExactly(-1, -1);
    }

    @Test
    void topKOrdersByValueThenIndex() {
        assertThat(ReferenceModel.topK(new double[] {0.1, 0.3, 0.3, 0.2, 0.1}, 3)).containsExactly(1, 2, 3);
        assertThat(ReferenceModel.topK(new double[] {0.25, 0.25, 0.25, 0.25}, 2)).containsExactly(0, 1);
        assertThat(ReferenceModel.softmax(new double[] {1000, 1000})).containsExactly(0.5, 0.5);
    }

    @Test
    void ropeIsTheIdentityAtZeroKeepsNormsAndPairsAsSpecified() {
        SplittableRandom random = new SplittableRandom(3);
        float[] head = new float[32];
        for (int i = 0; i < head.length; i++) {
            head[i] = (float) random.nextGaussian();
        }
        for (boolean neox : new boolean[] {false, true}) {
            float[] a = head.clone();
            ReferenceModel.rope(a, 0, 0, 32, 10000f, neox);
            assertThat(a).isEqualTo(head);
            for (int pos : new int[] {1, 17, 4000}) {
                float[] b = head.clone();
                ReferenceModel.rope(b, 0, pos, 24, 10000f, neox); // partial: the last 8 dims stay
                assertThat(norm(b)).isCloseTo(norm(head), within(1e-5));
                assertThat(Arrays.copyOfRange(b, 24, 32)).isEqualTo(Arrays.copyOfRange(head, 24, 32));
                assertThat(b).isNotEqualTo(head);
            }
        }
        // n_rot 4, theta 10000: pair 0 turns by pos radians, pair 1 by pos / 100
        float[] normal = {1, 0, 1, 0};
        ReferenceModel.rope(normal, 0, 100, 4, 10000f, false);
        assertThat(normal).containsExactly(new float[] {(float) Math.cos(100), (float) Math.sin(100),
            (float) Math.cos(1), (float) Math.sin(1)}, within(1e-6f));
        float[] neox = {1, 1, 0, 0}; // pairs (0, 2) and (1, 3)
        ReferenceModel.rope(neox, 0, 100, 4, 10000f, true);
        assertThat(neox).containsExactly(new float[] {(float) Math.cos(100), (float) Math.cos(1),
            (float) Math.sin(100), (float) Math.sin(1)}, within(1e-6f));
        float[] shifted = {9, 1, 0, 7}; // a head that starts at an offset
        ReferenceModel.rope(shifted, 1, 100, 2, 10000f, false);
        assertThat(shifted).containsExactly(new float[] {9, (float) Math.cos(100), (float) Math.sin(100), 7},
                within(1e-6f));
    }

    @Test
    void qwenRotatesNeoxPairsWhereLlamaRotatesAdjacentOnes() {
        // qwen2moe without biases and shared expert is llama with experts, but for the RoPE pairing: NeoX turns
        // (i, i + d/2) where normal turns (2i, 2i + 1), so moving q and k row i + d/2 of each head next to row i
        // turns the one into the other (q . k does not see a permutation applied to both)
        SyntheticModel qwen = model(spec("qwen2moe").build());
        SyntheticModel plainQwen = qwen;
        for (String name : qwen.tensors().keySet()) {
            if (name.endsWith(".bias") || name.endsWith("ffn_down_shexp.weight")) {
                plainQwen = plainQwen.with(name, new float[qwen.values(name).length]);
            }
        }
        float[][] expected = run(plainQwen, PROMPT);
        float[][] actual = run(asLlama(qwen, true), PROMPT);
        for (int p = 0; p < PROMPT.length; p++) {
            assertThat(maxDifference(actual[p], expected[p])).isLessThan(1e-4);
        }
        assertThat(maxDifference(run(asLlama(qwen, false), PROMPT)[3], expected[3])).isGreaterThan(1e-2);
    }

    /** The llama MoE of a qwen2moe model's weights without its biases and shared expert. */
    private static SyntheticModel asLlama(SyntheticModel qwen, boolean movePairs) {
        ModelSpec llama = spec("mixtral").ffExp(64).eps(qwen.spec().eps()).expertWeightsNorm(false).build();
        int d = llama.headDimK();
        Map<String, SyntheticModel.Tensor> tensors = new HashMap<>();
        for (SyntheticModel.Tensor t : qwen.tensors().values()) {
            if (t.name().endsWith(".bias") || t.name().contains("shexp")) {
                continue;
            }
            float[] values = t.values();
            if (movePairs && (t.name().endsWith("attn_q.weight") || t.name().endsWith("attn_k.weight"))) {
                values = new float[values.length];
                int n = t.cols();
                for (int head = 0; head < t.rows() / d; head++) {
                    for (int i = 0; i < d / 2; i++) {
                        System.arraycopy(t.values(), (head * d + i) * n, values, (head * d + 2 * i) * n, n);
                        System.arraycopy(t.values(), (head * d + i + d / 2) * n, values, (head * d + 2 * i + 1) * n, n);
                    }
                }
            }
            tensors.put(t.name(), new SyntheticModel.Tensor(t.name(), t.type(), t.dims(), values));
        }
        return new SyntheticModel(llama, tensors);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2moe"})
    void tiedOutputIsTheSeparateOutputWithTheEmbeddingsWeights(String arch) {
        SyntheticModel tied = model(spec(arch).weightType(GgmlType.Q8_0).tiedOutput(true).build());
        SyntheticModel separate = model(spec(arch).weightType(GgmlType.Q8_0).build());
        float[][] own = run(separate, PROMPT);
        SyntheticModel copied = separate.with("output.weight", separate.values("token_embd.weight"));
        assertThat(tied.has("output.weight")).isFalse();
        assertThat(run(copied, PROMPT)).isDeepEqualTo(run(tied, PROMPT));
        assertThat(own[0]).isNotEqualTo(run(tied, PROMPT)[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2moe", "qwen3moe"})
    void groupedQueryAttentionIsMultiHeadAttentionWithRepeatedKvHeads(String arch) {
        ModelSpec gqa = spec(arch).heads(4, 2).build();
        ModelSpec mha = gqa.toBuilder().heads(4, 4).build();
        SyntheticModel grouped = model(gqa);
        SyntheticModel full = model(mha);
        assertThat(full.values("blk.1.attn_q.weight")).isEqualTo(grouped.values("blk.1.attn_q.weight"));
        for (int layer = 0; layer < gqa.nLayer(); layer++) {
            for (String name : new String[] {"attn_k.weight", "attn_k.bias", "attn_v.weight", "attn_v.bias"}) {
                String tensor = "blk." + layer + "." + name;
                if (!grouped.has(tensor)) {
                    continue;
                }
                float[] kv = grouped.values(tensor);
                int perHead = kv.length / gqa.nHeadKv(); // the rows of one kv head
                float[] repeated = new float[kv.length * 2];
                for (int head = 0; head < 4; head++) {
                    System.arraycopy(kv, head / 2 * perHead, repeated, head * perHead, perHead); // head h reads kv h/2
                }
                full = full.with(tensor, repeated);
            }
        }
        assertThat(run(full, PROMPT)).isDeepEqualTo(run(grouped, PROMPT));
    }

    @Test
    void qwen3QkNormMakesAttentionBlindToTheScaleOfQAndK() {
        for (String arch : new String[] {"qwen3moe", "llama"}) {
            SyntheticModel model = model(spec(arch).build());
            SyntheticModel scaled = model;
            for (int layer = 0; layer < 2; layer++) {
                for (String name : new String[] {blk(layer, "attn_q"), blk(layer, "attn_k")}) {
                    scaled = scaled.with(name, scaled(model.values(name), 4));
                }
            }
            float[] a = run(model, PROMPT)[PROMPT.length - 1];
            float[] b = run(scaled, PROMPT)[PROMPT.length - 1];
            double difference = maxDifference(a, b);
            if (arch.equals("qwen3moe")) {
                assertThat(difference).isLessThan(1e-3);
            } else {
                assertThat(difference).isGreaterThan(1e-2);
            }
        }
    }

    @Test
    void qwen2BiasesAndSharedExpertTakePart() {
        SyntheticModel model = model(spec("qwen2moe").build());
        float[] base = run(model, PROMPT)[4];
        SyntheticModel noBias = model.with("blk.1.attn_q.bias", new float[model.values("blk.1.attn_q.bias").length]);
        SyntheticModel noShared = model.with(blk(0, "ffn_down_shexp"),
                new float[model.values(blk(0, "ffn_down_shexp")).length]);
        SyntheticModel gateOff = model.with(blk(0, "ffn_gate_inp_shexp"), scaled(model.values(blk(0, "ffn_gate_inp_shexp")), 0));
        assertThat(maxDifference(base, run(noBias, PROMPT)[4])).isGreaterThan(1e-3);
        assertThat(maxDifference(base, run(noShared, PROMPT)[4])).isGreaterThan(1e-3);
        assertThat(maxDifference(base, run(gateOff, PROMPT)[4])).isGreaterThan(1e-3); // sigmoid(0) = 1/2
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** "mixtral" is llama with 4 experts, top-2. */
    static ModelSpec.Builder spec(String arch) {
        return arch.equals("mixtral")
                ? ModelSpec.builder("llama", VOCAB).experts(4, 2)
                : ModelSpec.builder(arch, VOCAB);
    }

    static SyntheticModel model(ModelSpec spec) {
        return SyntheticModelBuilder.materialize(spec);
    }

    static float[][] run(SyntheticModel model, int... tokens) {
        return new ReferenceModel(model).prompt(tokens);
    }

    private static String blk(int layer, String tensor) {
        return "blk." + layer + "." + tensor + ".weight";
    }

    private static float[] scaled(float[] x, float factor) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * factor;
        }
        return y;
    }

    private static double norm(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double std(float[] x) {
        double mean = 0;
        for (float v : x) {
            mean += v / (double) x.length;
        }
        double sum = 0;
        for (float v : x) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / x.length);
    }

    private static double correlation(float[] a, float[] b) {
        double ma = Arrays.stream(toDouble(a)).average().orElseThrow();
        double mb = Arrays.stream(toDouble(b)).average().orElseThrow();
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.sqrt(aa * bb);
    }

    private static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }
}
