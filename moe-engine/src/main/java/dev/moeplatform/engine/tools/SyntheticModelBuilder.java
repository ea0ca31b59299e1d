package dev.moeplatform.engine.tools;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.gguf.GgufWriter;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Builds GGUF models with deterministic random weights for the architectures of {@code docs/model-math.md}.
 *
 * <p>Each row (ne0 values) of a tensor comes from a {@link SplittableRandom} seeded by the spec's seed, the tensor's
 * name and the row's index: matrices uniform with standard deviation {@code 1/sqrt(ne0)} (so activations stay of
 * order one through the layers), norm weights {@code 1 + 0.1 u}, biases {@code 0.1 u}, with {@code u} uniform in
 * [-1, 1). Rows are drawn and quantized in parallel batches and written in order ({@link #write}), so a file of
 * gigabytes takes seconds on many cores; {@link #materialize} keeps the same rows as the file stores them,
 * dequantized.
 */
public final class SyntheticModelBuilder {

    /** A tensor of the model: name, type and dims (ne0 first). */
    public record TensorSpec(String name, GgmlType type, long[] dims) {

        public int cols() {
            return Math.toIntExact(dims[0]);
        }

        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        public long bytes() {
            return type.byteSize(elements());
        }
    }

    private SyntheticModelBuilder() {
    }

    // ---- the model -----------------------------------------------------------------------------------------

    /** Every tensor of the model, in file order. */
    public static List<TensorSpec> tensors(ModelSpec s) {
        GgmlType w = s.weightType();
        long embd = s.nEmbd();
        long q = (long) s.nHead() * s.headDimK();
        long k = (long) s.nHeadKv() * s.headDimK();
        long v = (long) s.nHeadKv() * s.headDimV();
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("token_embd.weight", w, new long[] {embd, s.nVocab()}));
        t.add(new TensorSpec("output_norm.weight", GgmlType.F32, new long[] {embd}));
        if (!s.tiedOutput()) {
            t.add(new TensorSpec("output.weight", w, new long[] {embd, s.nVocab()}));
        }
        for (int i = 0; i < s.nLayer(); i++) {
            String b = "blk." + i + ".";
            if (s.deepseek() != null) {
                deepseek2Layer(s, i, t);
                continue;
            }
            t.add(new TensorSpec(b + "attn_norm.weight", GgmlType.F32, new long[] {embd}));
            t.add(new TensorSpec(b + "attn_q.weight", w, new long[] {embd, q}));
            t.add(new TensorSpec(b + "attn_k.weight", w, new long[] {embd, k}));
            t.add(new TensorSpec(b + "attn_v.weight", w, new long[] {embd, v}));
            if (s.architecture().equals("qwen2moe")) {
                t.add(new TensorSpec(b + "attn_q.bias", GgmlType.F32, new long[] {q}));
                t.add(new TensorSpec(b + "attn_k.bias", GgmlType.F32, new long[] {k}));
                t.add(new TensorSpec(b + "attn_v.bias", GgmlType.F32, new long[] {v}));
            }
            if (s.architecture().equals("qwen3moe")) {
                t.add(new TensorSpec(b + "attn_q_norm.weight", GgmlType.F32, new long[] {s.headDimK()}));
                t.add(new TensorSpec(b + "attn_k_norm.weight", GgmlType.F32, new long[] {s.headDimK()}));
            }
            t.add(new TensorSpec(b + "attn_output.weight", w, new long[] {(long) s.nHead() * s.headDimV(), embd}));
            t.add(new TensorSpec(b + "ffn_norm.weight", GgmlType.F32, new long[] {embd}));
            if (!s.moe()) {
                t.add(new TensorSpec(b + "ffn_gate.weight", w, new long[] {embd, s.nFf()}));
                t.add(new TensorSpec(b + "ffn_up.weight", w, new long[] {embd, s.nFf()}));
                t.add(new TensorSpec(b + "ffn_down.weight", w, new long[] {s.nFf(), embd}));
                continue;
            }
            t.add(new TensorSpec(b + "ffn_gate_inp.weight", w, new long[] {embd, s.nExpert()}));
            t.add(new TensorSpec(b + "ffn_gate_exps.weight", w, new long[] {embd, s.nFfExp(), s.nExpert()}));
            t.add(new TensorSpec(b + "ffn_up_exps.weight", w, new long[] {embd, s.nFfExp(), s.nExpert()}));
            t.add(new TensorSpec(b + "ffn_down_exps.weight", w, new long[] {s.nFfExp(), embd, s.nExpert()}));
            if (s.nFfShexp() > 0) {
                t.add(new TensorSpec(b + "ffn_gate_inp_shexp.weight", w, new long[] {embd}));
                t.add(new TensorSpec(b + "ffn_gate_shexp.weight", w, new long[] {embd, s.nFfShexp()}));
                t.add(new TensorSpec(b + "ffn_up_shexp.weight", w, new long[] {embd, s.nFfShexp()}));
                t.add(new TensorSpec(b + "ffn_down_shexp.weight", w, new long[] {s.nFfShexp(), embd}));
            }
        }
        t.replaceAll(x -> vector(x.name()) ? x : new TensorSpec(x.name(), matrixType(s, x.name(), x.cols()), x.dims()));
        return t;
    }

    /** deepseek2's layer i: MLA attention, then a dense FFN (leading layers) or routed + shared experts. */
    private static void deepseek2Layer(ModelSpec s, int i, List<TensorSpec> t) {
        ModelSpec.DeepSeek d = s.deepseek();
        GgmlType w = s.weightType();
        String b = "blk." + i + ".";
        long embd = s.nEmbd();
        long heads = s.nHead();
        long rank = d.kvLoraRank();
        t.add(new TensorSpec(b + "attn_norm.weight", GgmlType.F32, new long[] {embd}));
        if (d.qLoraRank() > 0) {
            t.add(new TensorSpec(b + "attn_q_a.weight", w, new long[] {embd, d.qLoraRank()}));
            t.add(new TensorSpec(b + "attn_q_a_norm.weight", GgmlType.F32, new long[] {d.qLoraRank()}));
            t.add(new TensorSpec(b + "attn_q_b.weight", w, new long[] {d.qLoraRank(), heads * s.headDimK()}));
        } else {
            t.add(new TensorSpec(b + "attn_q.weight", w, new long[] {embd, heads * s.headDimK()}));
        }
        t.add(new TensorSpec(b + "attn_kv_a_mqa.weight", w, new long[] {embd, rank + s.nRot()}));
        t.add(new TensorSpec(b + "attn_kv_a_norm.weight", GgmlType.F32, new long[] {rank}));
        if (d.splitKvB()) {
            t.add(new TensorSpec(b + "attn_k_b.weight", w, new long[] {s.qkNope(), rank, heads}));
            t.add(new TensorSpec(b + "attn_v_b.weight", w, new long[] {rank, s.headDimV(), heads}));
        } else {
            t.add(new TensorSpec(b + "attn_kv_b.weight", w,
                    new long[] {rank, heads * (s.qkNope() + s.headDimV())}));
        }
        t.add(new TensorSpec(b + "attn_output.weight", w, new long[] {heads * s.headDimV(), embd}));
        t.add(new TensorSpec(b + "ffn_norm.weight", GgmlType.F32, new long[] {embd}));
        if (i < d.leadingDense()) {
            t.add(new TensorSpec(b + "ffn_gate.weight", w, new long[] {embd, s.nFf()}));
            t.add(new TensorSpec(b + "ffn_up.weight", w, new long[] {embd, s.nFf()}));
            t.add(new TensorSpec(b + "ffn_down.weight", w, new long[] {s.nFf(), embd}));
            return;
        }
        t.add(new TensorSpec(b + "ffn_gate_inp.weight", w, new long[] {embd, s.nExpert()}));
        if (d.expertBias()) {
            t.add(new TensorSpec(b + "exp_probs_b.bias", GgmlType.F32, new long[] {s.nExpert()}));
        }
        t.add(new TensorSpec(b + "ffn_gate_exps.weight", w, new long[] {embd, s.nFfExp(), s.nExpert()}));
        t.add(new TensorSpec(b + "ffn_up_exps.weight", w, new long[] {embd, s.nFfExp(), s.nExpert()}));
        t.add(new TensorSpec(b + "ffn_down_exps.weight", w, new long[] {s.nFfExp(), embd, s.nExpert()}));
        if (s.nFfShexp() > 0) {
            t.add(new TensorSpec(b + "ffn_gate_shexp.weight", w, new long[] {embd, s.nFfShexp()}));
            t.add(new TensorSpec(b + "ffn_up_shexp.weight", w, new long[] {embd, s.nFfShexp()}));
            t.add(new TensorSpec(b + "ffn_down_shexp.weight", w, new long[] {s.nFfShexp(), embd}));
        }
    }

    /**
     * deepseek2's keys. The split layout is written as current converters write it: one kv head whose key/value
     * lengths are the cached row (latent + rope key) and the latent, with the per-head sizes in the {@code _mla}
     * keys; the combined layout as older files do, with the per-head sizes in key/value_length.
     */
    private static void putDeepSeek2(GgufWriter w, ModelSpec s) {
        ModelSpec.DeepSeek d = s.deepseek();
        String a = "deepseek2.";
        if (d.splitKvB()) {
            w.putUInt32(a + "attention.head_count_kv", 1)
                    .putUInt32(a + "attention.key_length", d.kvLoraRank() + s.nRot())
                    .putUInt32(a + "attention.value_length", d.kvLoraRank())
                    .putUInt32(a + "attention.key_length_mla", s.headDimK())
                    .putUInt32(a + "attention.value_length_mla", s.headDimV());
        } else {
            putHeads(w, s);
        }
        if (d.qLoraRank() > 0) {
            w.putUInt32(a + "attention.q_lora_rank", d.qLoraRank());
        }
        w.putUInt32(a + "attention.kv_lora_rank", d.kvLoraRank())
                .putUInt32(a + "leading_dense_block_count", d.leadingDense())
                .putUInt32(a + "expert_shared_count", d.sharedExperts())
                .putFloat32(a + "expert_weights_scale", d.expertWeightsScale())
                .putUInt32(a + "expert_gating_func", d.gating())
                .putUInt32(a + "expert_group_count", d.groups())
                .putUInt32(a + "expert_group_used_count", d.groupsUsed());
        if (d.yarn()) {
            w.putString(a + "rope.scaling.type", "yarn")
                    .putFloat32(a + "rope.scaling.factor", d.yarnFactor())
                    .putUInt32(a + "rope.scaling.original_context_length", d.yarnOriginalContext())
                    .putFloat32(a + "rope.scaling.yarn_log_multiplier", d.yarnLogMultiplier());
        }
    }

    /** Norm weights and biases: always F32. */
    private static boolean vector(String name) {
        return name.endsWith("norm.weight") || name.endsWith(".bias");
    }

    /**
     * The type of a matrix (any tensor but norm weights and biases) of {@code cols} values per row: the spec's
     * weight type, except that with the {@code mixed} ("_M") recipe attn_v, every ffn_down (dense, experts,
     * shared expert) and output (token_embd when the output is tied) are Q6_K, and that a K-quant on rows that are
     * not a multiple of its 256-value super-block falls back to Q8_0 (as llama.cpp falls back for such rows).
     */
    public static GgmlType matrixType(ModelSpec s, String name, long cols) {
        GgmlType type = s.weightType();
        if (s.mixed() && (name.endsWith(".attn_v.weight") || name.contains(".ffn_down")
                || name.equals("output.weight") || s.tiedOutput() && name.equals("token_embd.weight"))) {
            type = GgmlType.Q6_K;
        }
        return type.blockSize > 32 && cols % type.blockSize != 0 ? GgmlType.Q8_0 : type;
    }

    /** The weight type's name, with the recipe: "Q4_K_M" for Q4_K mixed. */
    public static String typeName(ModelSpec s) {
        return s.weightType() + (s.mixed() ? "_M" : "");
    }

    /** The kv heads and the per-head key and value widths (every architecture but split-layout deepseek2). */
    private static void putHeads(GgufWriter w, ModelSpec s) {
        String a = s.architecture() + ".";
        w.putUInt32(a + "attention.head_count_kv", s.nHeadKv())
                .putUInt32(a + "attention.key_length", s.headDimK())
                .putUInt32(a + "attention.value_length", s.headDimV());
    }

    /** A writer with the model's metadata and tensors declared; its tensor data is drawn while it writes. */
    public static GgufWriter writer(ModelSpec s) {
        String a = s.architecture() + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", s.architecture())
                .putString("general.name", String.format(Locale.ROOT,
                        "synthetic %s %s, random weights (seed %d), not a trained model", s.architecture(),
                        typeName(s), s.seed()))
                .putUInt32(a + "context_length", s.contextLength())
                .putUInt32(a + "embedding_length", s.nEmbd())
                .putUInt32(a + "block_count", s.nLayer())
                .putUInt32(a + "attention.head_count", s.nHead())
                .putFloat32(a + "attention.layer_norm_rms_epsilon", s.eps())
                .putFloat32(a + "rope.freq_base", s.ropeTheta())
                .putUInt32(a + "rope.dimension_count", s.nRot());
        if (s.deepseek() != null) {
            putDeepSeek2(w, s);
        } else {
            putHeads(w, s);
        }
        if (s.nFf() > 0) {
            w.putUInt32(a + "feed_forward_length", s.nFf());
        }
        if (s.moe()) {
            w.putUInt32(a + "expert_count", s.nExpert())
                    .putUInt32(a + "expert_used_count", s.nExpertUsed())
                    .putUInt32(a + "expert_feed_forward_length", s.nFfExp())
                    .putBool(a + "expert_weights_norm", s.expertWeightsNorm());
        }
        if (s.nFfShexp() > 0 && s.deepseek() == null) {
            w.putUInt32(a + "expert_shared_feed_forward_length", s.nFfShexp());
        }
        putVocabulary(w, s.vocabulary());
        for (TensorSpec t : tensors(s)) {
            w.addTensor(t.name(), t.type(), t.dims(), out -> forEachRow(s, t, out::write));
        }
        return w;
    }

    /** Streams the model to {@code file}, creating its folder if needed. */
    public static void write(ModelSpec spec, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        writer(spec).write(file);
    }

    /** The model's tensors as the file stores them, dequantized; small models only (every value is held). */
    public static SyntheticModel materialize(ModelSpec spec) {
        Map<String, SyntheticModel.Tensor> tensors = new LinkedHashMap<>();
        for (TensorSpec t : tensors(spec)) {
            float[] values = new float[Math.toIntExact(t.elements())];
            int[] at = {0};
            try {
                forEachRow(spec, t, row -> {
                    float[] stored = t.type().dequantize(row, t.cols());
                    System.arraycopy(stored, 0, values, at[0], stored.length);
                    at[0] += stored.length;
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e); // the consumer does no I/O
            }
            tensors.put(t.name(), new SyntheticModel.Tensor(t.name(), t.type(), t.dims(), values));
        }
        return new SyntheticModel(spec, tensors);
    }

    /** Writes the model and returns it in memory. */
    public static SyntheticModel build(ModelSpec spec, Path file) throws IOException {
        write(spec, file);
        return materialize(spec);
    }

    private static void putVocabulary(GgufWriter w, Vocabulary v) {
        w.putString("tokenizer.ggml.model", v.model());
        if (v.pre() != null) {
            w.putString("tokenizer.ggml.pre", v.pre());
        }
        w.putStrings("tokenizer.ggml.tokens", v.tokens());
        if (v.scores() != null) {
            w.putFloats("tokenizer.ggml.scores", v.scores());
        }
        w.putInts("tokenizer.ggml.token_type", v.tokenTypes());
        if (!v.merges().isEmpty()) {
            w.putStrings("tokenizer.ggml.merges", v.merges());
        }
        if (v.bosId() >= 0) {
            w.putUInt32("tokenizer.ggml.bos_token_id", v.bosId());
        }
        if (v.eosId() >= 0) {
            w.putUInt32("tokenizer.ggml.eos_token_id", v.eosId());
        }
        w.putBool("tokenizer.ggml.add_bos_token", v.addBos());
        w.putBool("tokenizer.ggml.add_eos_token", v.addEos());
        if (v.chatTemplate() != null) {
            w.putString("tokenizer.chat_template", v.chatTemplate());
        }
    }

    // ---- values --------------------------------------------------------------------------------------------

    private interface RowConsumer {
        void accept(byte[] row) throws IOException;
    }

    private static final int BATCH_VALUES = 1 << 22;

    /** Hands the tensor's rows, quantized, to the consumer in file order; each batch is drawn in parallel. */
    private static void forEachRow(ModelSpec spec, TensorSpec t, RowConsumer consumer) throws IOException {
        long rows = t.elements() / t.cols();
        long batch = Math.max(1, BATCH_VALUES / t.cols());
        for (long first = 0; first < rows; first += batch) {
            byte[][] quantized = LongStream.range(first, Math.min(rows, first + batch)).parallel()
                    .mapToObj(r -> t.type().quantize(row(spec, t, r))).toArray(byte[][]::new);
            for (byte[] row : quantized) {
                consumer.accept(row);
            }
        }
    }

    /** Row {@code r} of the tensor as drawn, before quantization. */
    static float[] row(ModelSpec spec, TensorSpec t, long r) {
        SplittableRandom random = new SplittableRandom(seed(spec.seed(), t.name(), r));
        boolean norm = t.name().endsWith("norm.weight");
        boolean bias = t.name().endsWith(".bias");
        double scale = norm || bias ? 0.1 : Math.sqrt(3.0 / t.cols());
        float offset = norm ? 1 : 0;
        float[] row = new float[t.cols()];
        for (int i = 0; i < row.length; i++) {
            row[i] = offset + (float) (scale * (2 * random.nextDouble() - 1));
        }
        return row;
    }

    /** FNV-1a of the name and the row's index, started from the mixed seed. */
    static long seed(long seed, String name, long row) {
        long h = 0xcbf29ce484222325L ^ (seed * 0x9E3779B97F4A7C15L);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        for (int i = 0; i < 8; i++) {
            h = (h ^ ((row >>> (8 * i)) & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    // ---- sizes and presets ---------------------------------------------------------------------------------

    /** Bytes of all tensor data. */
    public static long weightBytes(ModelSpec spec) {
        return tensors(spec).stream().mapToLong(TensorSpec::bytes).sum();
    }

    /**
     * Bytes of weights one token reads: everything but the experts it is not routed to ({@code k / n_expert} of
     * each expert tensor counts) and, unless the output is tied to it, the other rows of token_embd.
     */
    public static long activeWeightBytes(ModelSpec spec) {
        long total = 0;
        for (TensorSpec t : tensors(spec)) {
            if (t.name().endsWith("_exps.weight")) {
                total += t.bytes() / spec.nExpert() * spec.nExpertUsed();
            } else if (t.name().equals("token_embd.weight") && !spec.tiedOutput()) {
                total += t.bytes() / spec.nVocab();
            } else {
                total += t.bytes();
            }
        }
        return total;
    }

    /**
     * A preset's spec builder. {@code tiny} is {@link ModelSpec#builder}'s defaults. {@code small}: n_embd 256,
     * 4 layers, 8 heads, 4 kv heads, n_ff 768, 8 experts top-2 of 256. {@code 1gb}: the benchmark family, n_embd
     * 2048 and 16 heads of 128 (qwen3moe 32), 4 kv heads, the same active FFN width 5632 everywhere: llama dense
     * n_ff 5632, llama with experts top-k experts of 5632 / k, qwen2moe 16 experts top-2 of 1408 plus a
     * shared expert of 2816, qwen3moe 16 experts top-4 of 1408; its layer count is then chosen by {@link #sized}.
     *
     * @param nExpert 0 for the preset's choice (llama: dense), else the number of experts, of which
     *     {@code nExpertUsed} are used per token
     */
    public static ModelSpec.Builder preset(String name, String arch, int nExpert, int nExpertUsed, Vocabulary vocab) {
        ModelSpec.Builder b = ModelSpec.builder(arch, vocab);
        boolean llamaMoe = arch.equals("llama") && nExpert > 0;
        switch (name) {
            case "tiny" -> {
            }
            case "small" -> {
                b.embd(256).layers(4).heads(8, 4).ff(768).context(1024);
                if (arch.equals("deepseek2")) {
                    b.heads(8, 8).headDim(96, 64).rot(32).experts(16, 4).ffExp(128)
                            .deepseek(ModelSpec.DeepSeek.liteStyle(128));
                } else if (!arch.equals("llama")) {
                    b.experts(8, 2).ffExp(256).ffShexp(arch.equals("qwen2moe") ? 512 : 0);
                }
                if (arch.equals("qwen3moe")) {
                    b.headDim(64);
                }
            }
            case "1gb" -> {
                b.embd(2048).layers(1).heads(16, 4).headDim(128).context(4096);
                switch (arch) {
                    case "llama" -> b.ff(llamaMoe ? 5632 / nExpertUsed : 5632);
                    case "qwen2moe" -> b.experts(16, 2).ffExp(1408).ffShexp(2816);
                    case "deepseek2" -> deepSeekV2Lite(b).layers(1);
                    default -> b.experts(16, 4).ffExp(1408).heads(32, 4);
                }
            }
            case "v2-lite" -> {
                if (!arch.equals("deepseek2")) {
                    throw new IllegalArgumentException("the v2-lite preset is deepseek2's");
                }
                deepSeekV2Lite(b);
            }
            default -> throw new IllegalArgumentException("unknown preset " + name + " (tiny, small, 1gb, v2-lite)");
        }
        return nExpert > 0 ? b.experts(nExpert, nExpertUsed) : b;
    }

    /**
     * DeepSeek-V2-Lite's configuration (its published config.json): 27 layers of n_embd 2048, the first dense
     * (n_ff 10944), then 64 routed experts top-6 of width 1408 plus 2 shared; 16 heads of MLA with the queries
     * through attn_q, kv_lora_rank 512, heads of 128 + 64 rotated (keys) and 128 (values); YaRN x40 over 4096
     * positions (mscale_all_dim 0.707: log multiplier 0.0707); softmax routing, no renormalisation, scale 1. With a
     * 102,400-token vocabulary that is its 15.7B parameters; synthetic models keep their own vocabulary.
     */
    static ModelSpec.Builder deepSeekV2Lite(ModelSpec.Builder b) {
        return b.embd(2048).layers(27).heads(16, 16).headDim(192, 128).rot(64).ff(10944).experts(64, 6).ffExp(1408)
                .context(163840).ropeTheta(10000f).eps(1e-6f).expertWeightsNorm(false)
                .deepseek(ModelSpec.DeepSeek.liteStyle(512).withYarn(40f, 4096, 0.0707f));
    }

    /** The spec with its layer count chosen so that its active (or total) weight bytes come closest to {@code bytes}. */
    public static ModelSpec sized(ModelSpec spec, long bytes, boolean active) {
        ModelSpec one = spec.toBuilder().layers(1).build();
        ModelSpec two = spec.toBuilder().layers(2).build();
        long oneBytes = active ? activeWeightBytes(one) : weightBytes(one);
        long perLayer = (active ? activeWeightBytes(two) : weightBytes(two)) - oneBytes;
        long layers = Math.max(1, Math.round((double) (bytes - oneBytes) / perLayer) + 1);
        return spec.toBuilder().layers(Math.toIntExact(layers)).build();
    }

    // ---- command line --------------------------------------------------------------------------------------

    static final String USAGE = """
            usage: build --arch llama|qwen2moe|qwen3moe|deepseek2 --type TYPE --out FILE
                         [--size-preset tiny|small|1gb|v2-lite] [--active-bytes N | --total-bytes N] [--layers N]
                         [--experts N --experts-used K] [--seed S] [--tied]
              TYPE: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, or the mixes q4_k_m, q5_k_m (Q6_K for attn_v,
              ffn_down and output); a K-quant matrix whose rows are not a multiple of 256 is stored as Q8_0
              N may end in k, m or g (powers of 1024); 1gb means --active-bytes 1g unless a size is given;
              --experts makes llama a Mixtral-style MoE (qwen*moe take the preset's experts)""";

    public static void main(String[] args) throws IOException {
        try {
            Path out = run(args);
            System.out.println("wrote " + out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
    }

    /** Builds the model the arguments describe, prints its spec and sizes, and returns the file written. */
    static Path run(String[] args) throws IOException {
        if (args.length == 0 || !args[0].equals("build")) {
            throw new IllegalArgumentException("the only command is build");
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--tied")) {
                o.put("--tied", "true");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                o.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("bad argument " + args[i]);
            }
        }
        List<String> known = List.of("--arch", "--type", "--out", "--size-preset", "--active-bytes", "--total-bytes",
                "--layers", "--experts", "--experts-used", "--seed", "--tied");
        for (String key : o.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown option " + key);
            }
        }
        if (!o.containsKey("--arch") || !o.containsKey("--type") || !o.containsKey("--out")) {
            throw new IllegalArgumentException("--arch, --type and --out are required");
        }
        String preset = o.getOrDefault("--size-preset", "tiny");
        int experts = Integer.parseInt(o.getOrDefault("--experts", "0"));
        int used = Integer.parseInt(o.getOrDefault("--experts-used", "2"));
        // v2-lite has DeepSeek-V2-Lite's 102,400-row embedding and output: the default vocabulary, padded
        var vocabulary = preset.equals("v2-lite") ? Vocabularies.paddedTo(Vocabularies.defaultByteLevel(), 102400)
                : Vocabularies.defaultByteLevel();
        ModelSpec.Builder b = preset(preset, o.get("--arch"), experts, used, vocabulary)
                .weightType(weightType(o.get("--type")))
                .mixed(o.get("--type").toLowerCase(Locale.ROOT).endsWith("_k_m"))
                .seed(Long.parseLong(o.getOrDefault("--seed", "42")))
                .tiedOutput(o.containsKey("--tied"));
        boolean sized = o.containsKey("--total-bytes") || o.containsKey("--active-bytes") || preset.equals("1gb");
        if (o.containsKey("--layers")) {
            if (sized) {
                throw new IllegalArgumentException("--layers and a size exclude each other");
            }
            b.layers(Integer.parseInt(o.get("--layers")));
        }
        ModelSpec spec = b.build();
        if (o.containsKey("--total-bytes")) {
            spec = sized(spec, bytes(o.get("--total-bytes")), false);
        } else if (o.containsKey("--active-bytes") || preset.equals("1gb")) {
            spec = sized(spec, bytes(o.getOrDefault("--active-bytes", "1g")), true);
        }
        Path out = Path.of(o.get("--out"));
        System.out.printf(Locale.ROOT, "%s %s: n_embd %d, n_layer %d, heads %d/%d of %d/%d, n_ff %d, experts %d/%d"
                        + " of %d, shared %d, n_vocab %d%nweights %,d bytes, active per token %,d bytes%n",
                spec.architecture(), typeName(spec), spec.nEmbd(), spec.nLayer(), spec.nHead(), spec.nHeadKv(),
                spec.headDimK(), spec.headDimV(), spec.nFf(), spec.nExpertUsed(), spec.nExpert(), spec.nFfExp(),
                spec.nFfShexp(), spec.nVocab(), weightBytes(spec), activeWeightBytes(spec));
        write(spec, out);
        return out;
    }

    /** The type of --type: a GGML type name, or q4_k_m / q5_k_m (Q4_K / Q5_K, mixed). */
    static GgmlType weightType(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        try {
            return GgmlType.valueOf(t.equals("Q4_K_M") || t.equals("Q5_K_M") ? t.substring(0, 4) : t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --type " + text);
        }
    }

    static long bytes(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        int shift = switch (t.charAt(t.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        return Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1)) << shift;
    }
}
