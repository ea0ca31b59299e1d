package dev.moeplatform.engine.reference;

import dev.moeplatform.engine.tools.ModelSpec;
import dev.moeplatform.engine.tools.SyntheticModel;
import java.util.Arrays;

/**
 * The forward pass of {@code docs/model-math.md}, written to be read against that page: float32 activations,
 * double accumulation in every sum, one token at a time, with a KV cache. It runs over a {@link SyntheticModel}'s
 * dequantized weights, so it sees exactly what the engine sees; tests compare the engine's logits with these.
 */
public final class ReferenceModel {

    private final SyntheticModel model;
    private final ModelSpec spec;
    private final boolean neox;
    private final float[][][] keys; // [layer][position][n_head_kv * head_dim_k]
    private final float[][][] values; // [layer][position][n_head_kv * head_dim_v]
    private final ModelSpec.DeepSeek deepseek; // deepseek2: keys hold the latents, values the rotated key parts
    private final double[] ropeFrequencies;
    private int length;

    public ReferenceModel(SyntheticModel model) {
        this.model = model;
        this.spec = model.spec();
        this.neox = !spec.architecture().equals("llama") && !spec.architecture().equals("deepseek2");
        this.deepseek = spec.deepseek();
        this.keys = new float[spec.nLayer()][spec.contextLength()][];
        this.values = new float[spec.nLayer()][spec.contextLength()][];
        this.ropeFrequencies = ropeFrequencies(spec);
    }

    /** The number of positions in the cache: the position the next token takes. */
    public int position() {
        return length;
    }

    /** Runs the tokens at the next positions and returns the logits after each. */
    public float[][] prompt(int[] tokens) {
        float[][] logits = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            logits[i] = forward(tokens[i], length);
        }
        return logits;
    }

    /**
     * The logits after {@code token} at {@code pos}; positions {@code 0..pos-1} must be cached, and any cached
     * after {@code pos} are forgotten (so a caller can rewind).
     */
    public float[] forward(int token, int pos) {
        if (pos < 0 || pos > length || pos >= spec.contextLength() || token < 0 || token >= spec.nVocab()) {
            throw new IllegalArgumentException("token " + token + " at position " + pos + " of " + length);
        }
        int embd = spec.nEmbd();
        float[] x = new float[embd];
        System.arraycopy(w("token_embd.weight"), token * embd, x, 0, embd);
        for (int layer = 0; layer < spec.nLayer(); layer++) {
            String b = "blk." + layer + ".";
            float[] h = rmsnorm(x, w(b + "attn_norm.weight"), spec.eps());
            float[] o = deepseek != null ? latentAttention(layer, b, h, pos) : attention(layer, b, h, pos);
            x = add(x, matvec(b + "attn_output.weight", o));
            h = rmsnorm(x, w(b + "ffn_norm.weight"), spec.eps());
            boolean moe = spec.moe() && (deepseek == null || layer >= deepseek.leadingDense());
            x = add(x, moe ? moe(b, h)
                    : swiglu(b + "ffn_gate.weight", b + "ffn_up.weight", b + "ffn_down.weight", 0, spec.nFf(), h));
        }
        length = pos + 1;
        String out = spec.tiedOutput() ? "token_embd.weight" : "output.weight";
        return matvec(out, rmsnorm(x, w("output_norm.weight"), spec.eps()));
    }

    /** Projects, normalizes, rotates and caches q, k and v, and returns every head's attention output. */
    private float[] attention(int layer, String b, float[] h, int pos) {
        int dk = spec.headDimK();
        int dv = spec.headDimV();
        float[] q = linear(b + "attn_q", h);
        float[] k = linear(b + "attn_k", h);
        float[] v = linear(b + "attn_v", h);
        if (model.has(b + "attn_q_norm.weight")) {
            for (int hd = 0; hd < spec.nHead(); hd++) {
                normalize(q, hd * dk, dk, w(b + "attn_q_norm.weight"), spec.eps());
            }
            for (int g = 0; g < spec.nHeadKv(); g++) {
                normalize(k, g * dk, dk, w(b + "attn_k_norm.weight"), spec.eps());
            }
        }
        for (int hd = 0; hd < spec.nHead(); hd++) {
            rope(q, hd * dk, pos, spec.nRot(), spec.ropeTheta(), neox);
        }
        for (int g = 0; g < spec.nHeadKv(); g++) {
            rope(k, g * dk, pos, spec.nRot(), spec.ropeTheta(), neox);
        }
        keys[layer][pos] = k;
        values[layer][pos] = v;

        float[] o = new float[spec.nHead() * dv];
        int group = spec.nHead() / spec.nHeadKv();
        for (int hd = 0; hd < spec.nHead(); hd++) {
            attend(q, hd * dk, dk, keys[layer], values[layer], hd / group, dv, pos, o, hd * dv);
        }
        return o;
    }

    /**
     * deepseek2's multi-head latent attention, in the plain (non-absorbed) form: each cached position keeps its
     * normalised latent c and its rotated key part k_rope; every head expands them to its key [W_UK c, k_rope] and
     * value W_UV c, and attends with scale mscale^2 / sqrt(head_dim_k).
     */
    private float[] latentAttention(int layer, String b, float[] h, int pos) {
        int heads = spec.nHead();
        int dk = spec.headDimK();
        int dv = spec.headDimV();
        int nope = spec.qkNope();
        int rot = spec.nRot();
        int rank = deepseek.kvLoraRank();
        float[] q = model.has(b + "attn_q_a.weight")
                ? matvec(b + "attn_q_b.weight",
                        rmsnorm(matvec(b + "attn_q_a.weight", h), w(b + "attn_q_a_norm.weight"), spec.eps()))
                : matvec(b + "attn_q.weight", h);
        float[] kva = matvec(b + "attn_kv_a_mqa.weight", h);
        float[] latent = rmsnorm(Arrays.copyOf(kva, rank), w(b + "attn_kv_a_norm.weight"), spec.eps());
        float[] kRope = Arrays.copyOfRange(kva, rank, rank + rot);
        rope(kRope, 0, pos, rot, ropeFrequencies, false);
        keys[layer][pos] = latent;
        values[layer][pos] = kRope;

        double kqScale = mscale() * mscale() / Math.sqrt(dk);
        float[] o = new float[heads * dv];
        for (int hd = 0; hd < heads; hd++) {
            rope(q, hd * dk + nope, pos, rot, ropeFrequencies, false);
            double[] s = new double[pos + 1];
            float[][] v = new float[pos + 1][];
            for (int t = 0; t <= pos; t++) {
                float[] kNope = upProjection(b, hd, true, keys[layer][t]);
                v[t] = upProjection(b, hd, false, keys[layer][t]);
                double dot = 0;
                for (int j = 0; j < nope; j++) {
                    dot += (double) q[hd * dk + j] * kNope[j];
                }
                for (int j = 0; j < rot; j++) {
                    dot += (double) q[hd * dk + nope + j] * values[layer][t][j];
                }
                s[t] = dot * kqScale;
            }
            double[] p = softmax(s);
            for (int j = 0; j < dv; j++) {
                double sum = 0;
                for (int t = 0; t <= pos; t++) {
                    sum += p[t] * v[t][j];
                }
                o[hd * dv + j] = (float) sum;
            }
        }
        return o;
    }

    /**
     * Head {@code hd}'s key (W_UK c, qk_nope values) or value (W_UV c, head_dim_v values) from a latent, read from
     * whichever layout the file has: attn_k_b [qk_nope, rank, head] (so W_UK[r][c] = k_b[hd][c][r]) and attn_v_b
     * [rank, v, head], or attn_kv_b [rank, head * (qk_nope + v)] with each head's key rows before its value rows.
     */
    private float[] upProjection(String layer, int hd, boolean key, float[] latent) {
        int nope = spec.qkNope();
        int dv = spec.headDimV();
        int rank = latent.length;
        int rows = key ? nope : dv;
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < rank; c++) {
                float weight;
                if (!deepseek.splitKvB()) {
                    weight = w(layer + "attn_kv_b.weight")[(hd * (nope + dv) + (key ? r : nope + r)) * rank + c];
                } else if (key) {
                    weight = w(layer + "attn_k_b.weight")[(hd * rank + c) * nope + r];
                } else {
                    weight = w(layer + "attn_v_b.weight")[(hd * dv + r) * rank + c];
                }
                sum += (double) weight * latent[c];
            }
            out[r] = (float) sum;
        }
        return out;
    }

    /** YaRN's attention scale correction: 1 + yarn_log_multiplier * ln(factor), 1 without YaRN. */
    private double mscale() {
        return deepseek != null && deepseek.yarn() ? 1 + deepseek.yarnLogMultiplier() * Math.log(deepseek.yarnFactor())
                : 1;
    }

    /**
     * The angle per position of each RoPE pair: theta^(-2i/n_rot); with YaRN, mixed with the same divided by the
     * factor along a ramp between the pairs that turn beta_fast = 32 and beta_slow = 1 times over the original
     * context (below the ramp: unchanged; above: divided).
     */
    static double[] ropeFrequencies(ModelSpec spec) {
        int rot = spec.nRot();
        double[] f = new double[rot / 2];
        ModelSpec.DeepSeek d = spec.deepseek();
        boolean yarn = d != null && d.yarn();
        double low = 0;
        double high = 0;
        if (yarn) {
            double lnTheta2 = 2 * Math.log(spec.ropeTheta());
            low = Math.max(0, Math.floor(rot * Math.log(d.yarnOriginalContext() / (32 * 2 * Math.PI)) / lnTheta2));
            high = Math.min(rot - 1, Math.ceil(rot * Math.log(d.yarnOriginalContext() / (1 * 2 * Math.PI)) / lnTheta2));
        }
        for (int i = 0; i < f.length; i++) {
            double base = Math.pow(spec.ropeTheta(), -2.0 * i / rot);
            if (!yarn) {
                f[i] = base;
                continue;
            }
            double ramp = Math.min(1, Math.max(0, (i - low) / Math.max(0.001, high - low)));
            f[i] = base / d.yarnFactor() * ramp + base * (1 - ramp);
        }
        return f;
    }

    /**
     * One head: {@code s_t = q . k_t / sqrt(dk)} for {@code t = 0..pos}, {@code p = softmax(s)}, and
     * {@code o = sum_t p_t v_t} written to {@code o[oFrom ..]}, with kv head {@code g} of each cached position.
     */
    static void attend(float[] q, int qFrom, int dk, float[][] keys, float[][] values, int g, int dv, int pos,
            float[] o, int oFrom) {
        double[] s = new double[pos + 1];
        for (int t = 0; t <= pos; t++) {
            double dot = 0;
            for (int j = 0; j < dk; j++) {
                dot += (double) q[qFrom + j] * keys[t][g * dk + j];
            }
            s[t] = dot / Math.sqrt(dk);
        }
        double[] p = softmax(s);
        for (int j = 0; j < dv; j++) {
            double sum = 0;
            for (int t = 0; t <= pos; t++) {
                sum += p[t] * values[t][g * dv + j];
            }
            o[oFrom + j] = (float) sum;
        }
    }

    /**
     * Router scores (softmax, or deepseek2's sigmoids), selection by top-k (ties: lower index first) of the scores
     * plus the expert bias, within the best groups when routing is group-limited; weights from the unbiased scores,
     * optionally renormalized, times expert_weights_scale; then the weighted experts and the shared expert(s).
     */
    private float[] moe(String b, float[] h) {
        int embd = spec.nEmbd();
        double[] logits = toDouble(matvec(b + "ffn_gate_inp.weight", h));
        boolean sigmoid = deepseek != null && deepseek.gating() == ModelSpec.GATING_SIGMOID;
        double[] p = sigmoid ? Arrays.stream(logits).map(ReferenceModel::sigmoid).toArray() : softmax(logits);
        double[] selection = p.clone();
        if (model.has(b + "exp_probs_b.bias")) {
            float[] bias = w(b + "exp_probs_b.bias");
            for (int e = 0; e < selection.length; e++) {
                selection[e] += bias[e];
            }
        }
        if (deepseek != null && deepseek.groupsUsed() < deepseek.groups()) {
            limitGroups(selection, deepseek.groups(), deepseek.groupsUsed(), sigmoid);
        }
        int[] chosen = topK(selection, spec.nExpertUsed());
        double total = 0;
        for (int e : chosen) {
            total += p[e];
        }
        double scale = deepseek != null ? deepseek.expertWeightsScale() : 1;
        double[] f = new double[embd];
        for (int e : chosen) {
            double weight = (spec.expertWeightsNorm() ? p[e] / total : p[e]) * scale;
            float[] y = swiglu(b + "ffn_gate_exps.weight", b + "ffn_up_exps.weight", b + "ffn_down_exps.weight", e,
                    spec.nFfExp(), h);
            for (int i = 0; i < embd; i++) {
                f[i] += weight * y[i];
            }
        }
        if (spec.nFfShexp() > 0) {
            // qwen2moe gates its shared expert; deepseek2's shared experts are added as they are
            double gate = model.has(b + "ffn_gate_inp_shexp.weight")
                    ? sigmoid(dot(w(b + "ffn_gate_inp_shexp.weight"), h)) : 1;
            float[] y = swiglu(b + "ffn_gate_shexp.weight", b + "ffn_up_shexp.weight", b + "ffn_down_shexp.weight",
                    0, spec.nFfShexp(), h);
            for (int i = 0; i < embd; i++) {
                f[i] += gate * y[i];
            }
        }
        float[] out = new float[embd];
        for (int i = 0; i < embd; i++) {
            out[i] = (float) f[i];
        }
        return out;
    }

    /**
     * Keeps the experts of the {@code used} best groups (a group's score: its best selection score, or with sigmoid
     * gating the sum of its two best) and sets the others to -infinity.
     */
    static void limitGroups(double[] selection, int groups, int used, boolean sumOfTwo) {
        int per = selection.length / groups;
        double[] score = new double[groups];
        for (int g = 0; g < groups; g++) {
            double[] group = Arrays.copyOfRange(selection, g * per, (g + 1) * per);
            int[] best = topK(group, sumOfTwo && per > 1 ? 2 : 1);
            score[g] = best.length == 2 ? group[best[0]] + group[best[1]] : group[best[0]];
        }
        boolean[] keep = new boolean[groups];
        for (int g : topK(score, used)) {
            keep[g] = true;
        }
        for (int g = 0; g < groups; g++) {
            for (int e = 0; !keep[g] && e < per; e++) {
                selection[g * per + e] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /** {@code Wdown (silu(Wgate h) * (Wup h))} with the matrices of expert {@code e} (0 for unstacked tensors). */
    private float[] swiglu(String gate, String up, String down, int e, int ff, float[] h) {
        int embd = spec.nEmbd();
        float[] g = matvec(w(gate), e * ff, ff, h);
        float[] u = matvec(w(up), e * ff, ff, h);
        float[] a = new float[ff];
        for (int i = 0; i < ff; i++) {
            a[i] = (float) (silu(g[i]) * u[i]);
        }
        return matvec(w(down), e * embd, embd, a);
    }

    // ---- building blocks -----------------------------------------------------------------------------------

    private float[] w(String name) {
        return model.values(name);
    }

    /** {@code W x}, plus the bias when the model has {@code prefix.bias}. */
    private float[] linear(String prefix, float[] x) {
        float[] y = matvec(prefix + ".weight", x);
        if (model.has(prefix + ".bias")) {
            y = add(y, w(prefix + ".bias"));
        }
        return y;
    }

    private float[] matvec(String name, float[] x) {
        return matvec(w(name), 0, w(name).length / x.length, x);
    }

    /** Rows {@code first .. first+rows-1} of a matrix whose rows have {@code x.length} values, times x. */
    static float[] matvec(float[] w, int first, int rows, float[] x) {
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int at = (first + r) * x.length;
            for (int c = 0; c < x.length; c++) {
                sum += (double) w[at + c] * x[c];
            }
            y[r] = (float) sum;
        }
        return y;
    }

    static float[] rmsnorm(float[] x, float[] w, float eps) {
        float[] y = x.clone();
        normalize(y, 0, x.length, w, eps);
        return y;
    }

    /** In place: {@code a_i / sqrt(mean(a^2) + eps) * w_i} over {@code a[from .. from+n)}. */
    private static void normalize(float[] a, int from, int n, float[] w, float eps) {
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += (double) a[from + i] * a[from + i];
        }
        double scale = 1 / Math.sqrt(squares / n + eps);
        for (int i = 0; i < n; i++) {
            a[from + i] = (float) (a[from + i] * scale * w[i]);
        }
    }

    /**
     * In place on the head {@code a[from .. from+head_dim)}: pair {@code i < nRot/2} turns by
     * {@code pos * theta^(-2i/nRot)}; the pairs are (2i, 2i+1) (normal) or (i, i + nRot/2) (NeoX).
     */
    static void rope(float[] a, int from, int pos, int nRot, float theta, boolean neox) {
        double[] frequencies = new double[nRot / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = Math.pow(theta, -2.0 * i / nRot);
        }
        rope(a, from, pos, nRot, frequencies, neox);
    }

    /** The same with each pair's angle per position given. */
    static void rope(float[] a, int from, int pos, int nRot, double[] frequencies, boolean neox) {
        for (int i = 0; i < nRot / 2; i++) {
            double angle = pos * frequencies[i];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            int m = from + (neox ? i : 2 * i);
            int n = from + (neox ? i + nRot / 2 : 2 * i + 1);
            double am = a[m];
            double an = a[n];
            a[m] = (float) (am * cos - an * sin);
            a[n] = (float) (am * sin + an * cos);
        }
    }

    static double[] softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double[] p = new double[s.length];
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            p[i] = Math.exp(s[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < s.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** The indices of the k largest values, largest first; of equal values the lower index comes first. */
    static int[] topK(double[] p, int k) {
        int[] chosen = new int[k];
        boolean[] taken = new boolean[p.length];
        for (int slot = 0; slot < k; slot++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e] && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            chosen[slot] = best;
        }
        return chosen;
    }

    static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    private static float[] add(float[] a, float[] b) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    private static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }
}
