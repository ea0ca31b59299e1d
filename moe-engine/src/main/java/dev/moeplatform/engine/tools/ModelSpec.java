package dev.moeplatform.engine.tools;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.util.List;
import java.util.Objects;

/**
 * The hyper-parameters of a synthetic model, named as in {@code docs/model-math.md}. Every value is explicit (the
 * builder writes them all), so a reference run needs nothing but this record and the weights. Start from
 * {@link #builder}, whose defaults are the {@code tiny} preset of the architecture.
 *
 * @param architecture "llama" (dense, or Mixtral-style MoE when {@code nExpert > 0}), "qwen2moe" or "qwen3moe"
 * @param weightType the type of every matrix (token_embd, output, attention, FFN, router, shared-expert gate);
 *     norm weights and biases are always F32; a K-quant falls back to Q8_0 on rows not a multiple of 256
 * @param headDimK {@code attention.key_length}, may differ from {@code nEmbd / nHead}
 * @param headDimV {@code attention.value_length}
 * @param nFf dense FFN width, and the width of llama's experts; 0 = not written (qwen*moe)
 * @param nExpert 0 = dense
 * @param nFfShexp shared-expert width: qwen2moe only, 0 otherwise
 * @param tiedOutput no {@code output.weight}: the logits use {@code token_embd.weight}
 * @param seed every tensor's values are drawn from a generator seeded by this and the tensor's name
 * @param deepseek deepseek2's multi-head latent attention and DeepSeekMoE parameters; null for other architectures.
 *     For deepseek2, {@code headDimK} is the query/key head (non-rotated part + {@code nRot}), {@code nFf} the width
 *     of the leading dense layers and {@code nFfShexp} that of the shared experts together
 * @param mixed llama.cpp's "_M" mix, with a K-quant weightType ({@code q4_k_m}, {@code q5_k_m}): attn_v, ffn_down
 *     (dense, experts, shared expert) and output (token_embd when tied) in Q6_K; see
 *     {@link SyntheticModelBuilder#matrixType}
 */
public record ModelSpec(
        String architecture,
        GgmlType weightType,
        int nEmbd,
        int nLayer,
        int nHead,
        int nHeadKv,
        int headDimK,
        int headDimV,
        int nFf,
        int nExpert,
        int nExpertUsed,
        int nFfExp,
        int nFfShexp,
        int contextLength,
        float ropeTheta,
        int nRot,
        float eps,
        boolean expertWeightsNorm,
        boolean tiedOutput,
        long seed,
        Vocabulary vocabulary,
        DeepSeek deepseek,
        boolean mixed) {

    public static final List<String> ARCHITECTURES = List.of("llama", "qwen2moe", "qwen3moe", "deepseek2");

    /** Expert gating functions, as {@code expert_gating_func} numbers them. */
    public static final int GATING_SOFTMAX = 1;
    public static final int GATING_SIGMOID = 2;

    /**
     * deepseek2's hyper-parameters beyond the common ones (docs/model-math.md, "deepseek2").
     *
     * @param qLoraRank 0: queries through {@code attn_q}; else the rank of {@code attn_q_a} / {@code attn_q_b}
     * @param kvLoraRank the width of the cached latent
     * @param leadingDense the first layers, dense
     * @param sharedExperts always-on experts of width {@code nFfExp} each
     * @param expertWeightsScale multiplies the routed weights
     * @param gating {@link #GATING_SOFTMAX} or {@link #GATING_SIGMOID}
     * @param expertBias a per-layer {@code exp_probs_b.bias} added to the scores for selection only
     * @param groups expert groups (1: no group limit)
     * @param groupsUsed groups a token may pick experts from
     * @param splitKvB the split {@code attn_k_b}/{@code attn_v_b} layout, else the combined {@code attn_kv_b}
     * @param yarnFactor YaRN context extension factor; 1 or less: no RoPE scaling
     * @param yarnOriginalContext the context the model was trained with before the extension
     * @param yarnLogMultiplier the attention scale correction: mscale = 1 + this * ln(factor)
     */
    public record DeepSeek(int qLoraRank, int kvLoraRank, int leadingDense, int sharedExperts, float expertWeightsScale,
            int gating, boolean expertBias, int groups, int groupsUsed, boolean splitKvB, float yarnFactor,
            int yarnOriginalContext, float yarnLogMultiplier) {

        public DeepSeek {
            require(qLoraRank >= 0 && kvLoraRank > 0 && leadingDense >= 0 && sharedExperts >= 0,
                    "deepseek2 ranks and counts must be >= 0 (kv_lora_rank > 0)");
            require(gating == GATING_SOFTMAX || gating == GATING_SIGMOID, "gating must be 1 (softmax) or 2 (sigmoid)");
            require(groups >= 1 && groupsUsed >= 1 && groupsUsed <= groups, "need 1 <= groups used <= groups");
            require(expertWeightsScale > 0 && yarnLogMultiplier >= 0, "scales must be positive");
            require(yarnFactor <= 1 || yarnOriginalContext > 0, "YaRN needs the original context length");
        }

        /** DeepSeek-V2-Lite's choices: attn_q, one dense layer, 2 shared experts, softmax, no groups, split layout. */
        public static DeepSeek liteStyle(int kvLoraRank) {
            return new DeepSeek(0, kvLoraRank, 1, 2, 1f, GATING_SOFTMAX, false, 1, 1, true, 1f, 0, 0f);
        }

        /** DeepSeek-V2's: q LoRA, softmax routing limited to groups (scored by their best expert), scale 16. */
        public static DeepSeek v2Style(int qLoraRank, int kvLoraRank, int groups, int groupsUsed) {
            return new DeepSeek(qLoraRank, kvLoraRank, 1, 2, 16f, GATING_SOFTMAX, false, groups, groupsUsed, true, 1f,
                    0, 0f);
        }

        /** DeepSeek-V3's: q LoRA, sigmoid scores with the selection bias, groups scored by their two best, scale 2.5. */
        public static DeepSeek v3Style(int qLoraRank, int kvLoraRank, int groups, int groupsUsed) {
            return new DeepSeek(qLoraRank, kvLoraRank, 1, 1, 2.5f, GATING_SIGMOID, true, groups, groupsUsed, true, 1f,
                    0, 0f);
        }

        public DeepSeek withSplitKvB(boolean value) {
            return new DeepSeek(qLoraRank, kvLoraRank, leadingDense, sharedExperts, expertWeightsScale, gating,
                    expertBias, groups, groupsUsed, value, yarnFactor, yarnOriginalContext, yarnLogMultiplier);
        }

        public DeepSeek withYarn(float factor, int originalContext, float logMultiplier) {
            return new DeepSeek(qLoraRank, kvLoraRank, leadingDense, sharedExperts, expertWeightsScale, gating,
                    expertBias, groups, groupsUsed, splitKvB, factor, originalContext, logMultiplier);
        }

        public DeepSeek withLeadingDense(int layers) {
            return new DeepSeek(qLoraRank, kvLoraRank, layers, sharedExperts, expertWeightsScale, gating, expertBias,
                    groups, groupsUsed, splitKvB, yarnFactor, yarnOriginalContext, yarnLogMultiplier);
        }

        public boolean yarn() {
            return yarnFactor > 1;
        }
    }

    public ModelSpec {
        Objects.requireNonNull(weightType, "weightType");
        Objects.requireNonNull(vocabulary, "vocabulary");
        require(ARCHITECTURES.contains(architecture), "unknown architecture " + architecture);
        require(nEmbd > 0 && nLayer > 0 && nHead > 0 && nHeadKv > 0 && headDimK > 0 && headDimV > 0
                && contextLength > 0 && vocabulary.size() > 0, "sizes must be positive");
        require(nHead % nHeadKv == 0, "n_head must be a multiple of n_head_kv");
        require(nRot > 0 && nRot % 2 == 0 && nRot <= headDimK, "n_rot must be even and in 1..head_dim_k");
        require(eps > 0 && ropeTheta > 0, "eps and rope theta must be positive");
        boolean moe = nExpert > 0;
        boolean deepseek2 = architecture.equals("deepseek2");
        require(deepseek2 == (deepseek != null), "deepseek2, and only deepseek2, has DeepSeek parameters");
        require(moe || !(architecture.startsWith("qwen") || deepseek2), architecture + " needs experts");
        require(moe ? nExpertUsed > 0 && nExpertUsed <= nExpert && nFfExp > 0 : nExpertUsed == 0 && nFf > 0,
                "MoE needs 0 < n_expert_used <= n_expert and n_ff_exp > 0; dense needs n_ff > 0");
        if (deepseek2) {
            require(nFfShexp == deepseek.sharedExperts() * nFfExp, "deepseek2's n_ff_shexp is shared experts * n_ff_exp");
            require(deepseek.leadingDense() <= nLayer && (deepseek.leadingDense() == 0 || nFf > 0),
                    "leading dense layers need n_ff > 0");
            require(nRot < headDimK, "deepseek2 needs a non-rotated part: n_rot < head_dim_k");
            require(nExpert % deepseek.groups() == 0
                    && nExpertUsed <= deepseek.groupsUsed() * (nExpert / deepseek.groups()),
                    "experts must split into equal groups, and top-k fit in the groups used");
        } else {
            require(architecture.equals("qwen2moe") ? nFfShexp > 0 : nFfShexp == 0,
                    "a shared expert (n_ff_shexp > 0) is qwen2moe's or deepseek2's only");
        }
        require(!mixed || weightType.blockSize == 256, "the _M mix needs a K-quant weight type, not " + weightType);
        int block = Math.min(weightType.blockSize, 32); // K-quants fall back to Q8_0 on rows not a multiple of 256
        require(nEmbd % block == 0 && nHead * headDimV % block == 0 && (nFf == 0 || nFf % block == 0)
                && nFfExp % block == 0 && nFfShexp % block == 0,
                weightType + " needs n_embd, n_head * head_dim_v and the FFN widths to be multiples of " + block);
        if (deepseek2) {
            require(deepseek.kvLoraRank() % block == 0 && (headDimK - nRot) % block == 0
                    && deepseek.qLoraRank() % block == 0,
                    weightType + " needs kv_lora_rank, q_lora_rank and the non-rotated head part to be multiples of "
                            + block);
        }
    }

    /** deepseek2: the non-rotated part of a query/key head. */
    public int qkNope() {
        return headDimK - nRot;
    }

    public boolean moe() {
        return nExpert > 0;
    }

    public int nVocab() {
        return vocabulary.size();
    }

    /** A builder with the architecture's {@code tiny} preset as defaults, F32 weights and seed 42. */
    public static Builder builder(String architecture, Vocabulary vocabulary) {
        return new Builder(architecture, vocabulary);
    }

    /** A builder holding every value of this spec (derived ones such as head_dim as they are now). */
    public Builder toBuilder() {
        Builder b = new Builder(architecture, vocabulary);
        b.weightType = weightType;
        b.nEmbd = nEmbd;
        b.nLayer = nLayer;
        b.nHead = nHead;
        b.nHeadKv = nHeadKv;
        b.headDimK = headDimK;
        b.headDimV = headDimV;
        b.nFf = nFf;
        b.nExpert = nExpert;
        b.nExpertUsed = nExpertUsed;
        b.nFfExp = nFfExp;
        b.nFfShexp = nFfShexp;
        b.contextLength = contextLength;
        b.ropeTheta = ropeTheta;
        b.nRot = nRot;
        b.eps = eps;
        b.expertWeightsNorm = expertWeightsNorm;
        b.tiedOutput = tiedOutput;
        b.seed = seed;
        b.deepseek = deepseek;
        b.mixed = mixed;
        return b;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Mutable defaults for a spec. Zero for {@code headDimK/V} means {@code nEmbd / nHead}, for {@code nRot}
     * {@code headDimK}, for llama's {@code nFfExp} its {@code nFf}. The tiny defaults: n_embd 64, 2 layers, 4 heads,
     * 2 kv heads, context 256; llama dense n_ff 128; qwen2moe 4 experts top-2 of width 64 plus a shared expert of
     * 128; qwen3moe 4 experts top-2 of width 64 and head_dim 32 (so that n_head * head_dim != n_embd).
     */
    public static final class Builder {
        private final String architecture;
        private Vocabulary vocabulary;
        private GgmlType weightType = GgmlType.F32;
        private int nEmbd = 64;
        private int nLayer = 2;
        private int nHead = 4;
        private int nHeadKv = 2;
        private int headDimK;
        private int headDimV;
        private int nFf;
        private int nExpert;
        private int nExpertUsed;
        private int nFfExp;
        private int nFfShexp;
        private int contextLength = 256;
        private float ropeTheta = 10000f;
        private int nRot;
        private float eps;
        private boolean expertWeightsNorm;
        private boolean tiedOutput;
        private long seed = 42;
        private DeepSeek deepseek;
        private boolean mixed;

        private Builder(String architecture, Vocabulary vocabulary) {
            this.architecture = architecture;
            this.vocabulary = vocabulary;
            switch (architecture) {
                case "llama" -> {
                    nFf = 128;
                    eps = 1e-5f;
                    expertWeightsNorm = true;
                }
                case "qwen2moe" -> {
                    experts(4, 2);
                    nFfExp = 64;
                    nFfShexp = 128;
                    eps = 1e-6f;
                    expertWeightsNorm = false;
                }
                case "qwen3moe" -> {
                    experts(4, 2);
                    nFfExp = 64;
                    headDim(32);
                    eps = 1e-6f;
                    expertWeightsNorm = true;
                }
                case "deepseek2" -> {
                    // V2-Lite's structure scaled down: 2 layers (1 dense), 8 experts top-2 + 2 shared, MLA
                    heads(4, 4);
                    headDim(48, 32);
                    nRot = 16;
                    nFf = 128;
                    experts(8, 2);
                    nFfExp = 32;
                    eps = 1e-6f;
                    expertWeightsNorm = false;
                    deepseek = DeepSeek.liteStyle(64);
                }
                default -> throw new IllegalArgumentException("unknown architecture " + architecture);
            }
        }

        public Builder deepseek(DeepSeek value) {
            deepseek = value;
            return this;
        }

        public DeepSeek deepseek() {
            return deepseek;
        }

        public Builder vocabulary(Vocabulary value) {
            vocabulary = value;
            return this;
        }

        public Builder weightType(GgmlType value) {
            weightType = value;
            return this;
        }

        public Builder embd(int value) {
            nEmbd = value;
            return this;
        }

        public Builder layers(int value) {
            nLayer = value;
            return this;
        }

        public Builder heads(int nHead, int nHeadKv) {
            this.nHead = nHead;
            this.nHeadKv = nHeadKv;
            return this;
        }

        public Builder headDim(int value) {
            return headDim(value, value);
        }

        public Builder headDim(int k, int v) {
            headDimK = k;
            headDimV = v;
            return this;
        }

        public Builder ff(int value) {
            nFf = value;
            return this;
        }

        public Builder experts(int nExpert, int nExpertUsed) {
            this.nExpert = nExpert;
            this.nExpertUsed = nExpertUsed;
            return this;
        }

        public Builder ffExp(int value) {
            nFfExp = value;
            return this;
        }

        public Builder ffShexp(int value) {
            nFfShexp = value;
            return this;
        }

        public Builder context(int value) {
            contextLength = value;
            return this;
        }

        public Builder ropeTheta(float value) {
            ropeTheta = value;
            return this;
        }

        public Builder rot(int value) {
            nRot = value;
            return this;
        }

        public Builder eps(float value) {
            eps = value;
            return this;
        }

        public Builder expertWeightsNorm(boolean value) {
            expertWeightsNorm = value;
            return this;
        }

        public Builder tiedOutput(boolean value) {
            tiedOutput = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder mixed(boolean value) {
            mixed = value;
            return this;
        }

        public ModelSpec build() {
            int k = headDimK > 0 ? headDimK : nEmbd / nHead;
            int v = headDimV > 0 ? headDimV : nEmbd / nHead;
            int ffExp = nFfExp > 0 || nExpert == 0 ? nFfExp : architecture.equals("llama") ? nFf : 0;
            int ffShexp = deepseek != null ? deepseek.sharedExperts() * ffExp : nFfShexp;
            return new ModelSpec(architecture, weightType, nEmbd, nLayer, nHead, nHeadKv, k, v, nFf, nExpert,
                    nExpertUsed, ffExp, ffShexp, contextLength, ropeTheta, nRot > 0 ? nRot : k, eps,
                    expertWeightsNorm, tiedOutput, seed, vocabulary, deepseek, mixed);
        }
    }
}
