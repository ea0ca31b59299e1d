/* The engine against a naive double-precision transcription of docs/model-math.md, one token at a time,
 * reading the tensors by name itself (so the binding is checked too). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "forward.h"
#include "gguf_writer.h"
#include "model.h"
#include "test.h"

typedef struct {
    const Gguf *g;
    const Config *c;
    double *k_cache, *v_cache; /* [layer][pos][kv_dim] */
    int n_ctx;
} Ref;

static const GgufTensor *T(const Ref *r, const char *name, int layer) {
    char buf[96];
    snprintf(buf, sizeof buf, "blk.%d.%s", layer, name);
    return gguf_tensor(r->g, layer < 0 ? name : buf);
}

/* y = W x, with W row r of expert e from a [n_in, n_out(, n_expert)] tensor. */
static void matvec(const GgufTensor *t, int e, const double *x, double *y) {
    const TypeTraits *tr = type_traits(t->type);
    int64_t n_in = t->ne[0], n_out = t->ne[1];
    float *row = malloc((size_t)n_in * sizeof *row);
    for (int64_t r = 0; r < n_out; r++) {
        tr->to_float(t->data + type_bytes(tr, n_in) * (size_t)(e * n_out + r), row, n_in);
        double s = 0;
        for (int64_t i = 0; i < n_in; i++) s += row[i] * x[i];
        y[r] = s;
    }
    free(row);
}

static double f32(const GgufTensor *t, int i) {
    float v;
    memcpy(&v, t->data + 4 * i, 4);
    return v;
}

static void rmsnorm(double *out, const double *x, const GgufTensor *w, int n, double eps) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double d = sqrt(ss / n + eps);
    for (int i = 0; i < n; i++) out[i] = x[i] / d * f32(w, i);
}

static void softmax(double *x, int n) {
    double max = x[0], s = 0;
    for (int i = 1; i < n; i++) max = fmax(max, x[i]);
    for (int i = 0; i < n; i++) s += x[i] = exp(x[i] - max);
    for (int i = 0; i < n; i++) x[i] /= s;
}

static double silu(double z) { return z / (1 + exp(-z)); }

static void rope(double *a, int pos, const Config *c) {
    for (int i = 0; i < c->n_rot / 2; i++) {
        double angle = pos * pow(c->rope_theta, -2.0 * i / c->n_rot), cs = cos(angle), sn = sin(angle);
        int m = c->rope_neox ? i : 2 * i, n = c->rope_neox ? i + c->n_rot / 2 : 2 * i + 1;
        double a0 = a[m], a1 = a[n];
        a[m] = a0 * cs - a1 * sn;
        a[n] = a0 * sn + a1 * cs;
    }
}

/* x += Wdown_e (silu(Wgate_e h) * (Wup_e h)) * w */
static void swiglu_add(const GgufTensor *gate, const GgufTensor *up, const GgufTensor *down, int e, const double *h,
                       double w, double *x, int E) {
    int F = (int)gate->ne[1];
    double *a = malloc((size_t)F * 8), *b = malloc((size_t)F * 8), *y = malloc((size_t)E * 8);
    matvec(gate, e, h, a);
    matvec(up, e, h, b);
    for (int i = 0; i < F; i++) a[i] = silu(a[i]) * b[i];
    matvec(down, e, a, y);
    for (int i = 0; i < E; i++) x[i] += w * y[i];
    free(a), free(b), free(y);
}

static void ref_token(Ref *r, int token, int pos, double *logits) {
    const Config *c = r->c;
    int E = c->n_embd, H = c->n_head, G = c->n_head_kv, hk = c->head_dim_k, hv = c->head_dim_v;
    int kvk = G * hk, kvv = G * hv;
    double *x = calloc((size_t)E, 8), *h = calloc((size_t)E, 8), *q = calloc((size_t)H * hk, 8),
           *k = calloc((size_t)kvk, 8), *v = calloc((size_t)kvv, 8), *o = calloc((size_t)H * hv, 8),
           *y = calloc((size_t)E, 8), *s = calloc((size_t)pos + 1, 8), *p = calloc((size_t)c->n_expert + 1, 8);
    const GgufTensor *emb = T(r, "token_embd.weight", -1);
    float *row = malloc((size_t)E * 4);
    type_traits(emb->type)->to_float(emb->data + type_bytes(type_traits(emb->type), E) * (size_t)token, row, E);
    for (int i = 0; i < E; i++) x[i] = row[i];
    for (int l = 0; l < c->n_layer; l++) {
        rmsnorm(h, x, T(r, "attn_norm.weight", l), E, c->eps);
        matvec(T(r, "attn_q.weight", l), 0, h, q);
        matvec(T(r, "attn_k.weight", l), 0, h, k);
        matvec(T(r, "attn_v.weight", l), 0, h, v);
        if (T(r, "attn_q.bias", l) && c->arch == ARCH_QWEN2MOE) {
            for (int i = 0; i < H * hk; i++) q[i] += f32(T(r, "attn_q.bias", l), i);
            for (int i = 0; i < kvk; i++) k[i] += f32(T(r, "attn_k.bias", l), i);
            for (int i = 0; i < kvv; i++) v[i] += f32(T(r, "attn_v.bias", l), i);
        }
        for (int hd = 0; hd < H; hd++) {
            if (c->arch == ARCH_QWEN3MOE) rmsnorm(q + hd * hk, q + hd * hk, T(r, "attn_q_norm.weight", l), hk, c->eps);
            rope(q + hd * hk, pos, c);
        }
        for (int g = 0; g < G; g++) {
            if (c->arch == ARCH_QWEN3MOE) rmsnorm(k + g * hk, k + g * hk, T(r, "attn_k_norm.weight", l), hk, c->eps);
            rope(k + g * hk, pos, c);
        }
        double *kc = r->k_cache + (size_t)l * r->n_ctx * kvk, *vc = r->v_cache + (size_t)l * r->n_ctx * kvv;
        memcpy(kc + (size_t)pos * kvk, k, (size_t)kvk * 8);
        memcpy(vc + (size_t)pos * kvv, v, (size_t)kvv * 8);
        for (int hd = 0; hd < H; hd++) {
            int g = hd / (H / G);
            for (int t = 0; t <= pos; t++) {
                double d = 0;
                for (int i = 0; i < hk; i++) d += q[hd * hk + i] * kc[(size_t)t * kvk + g * hk + i];
                s[t] = d / sqrt(hk);
            }
            softmax(s, pos + 1);
            for (int i = 0; i < hv; i++) {
                double acc = 0;
                for (int t = 0; t <= pos; t++) acc += s[t] * vc[(size_t)t * kvv + g * hv + i];
                o[hd * hv + i] = acc;
            }
        }
        matvec(T(r, "attn_output.weight", l), 0, o, y);
        for (int i = 0; i < E; i++) x[i] += y[i];
        rmsnorm(h, x, T(r, "ffn_norm.weight", l), E, c->eps);
        if (!c->n_expert) {
            swiglu_add(T(r, "ffn_gate.weight", l), T(r, "ffn_up.weight", l), T(r, "ffn_down.weight", l), 0, h, 1, x, E);
            continue;
        }
        matvec(T(r, "ffn_gate_inp.weight", l), 0, h, p);
        softmax(p, c->n_expert);
        int chosen[64], K = c->n_expert_used;
        double sum = 0;
        for (int j = 0; j < K; j++) { /* the largest remaining, lower index on ties */
            int best = -1;
            for (int e = 0; e < c->n_expert; e++) {
                int used = 0;
                for (int i = 0; i < j; i++) used |= chosen[i] == e;
                if (!used && (best < 0 || p[e] > p[best])) best = e;
            }
            chosen[j] = best;
            sum += p[best];
        }
        double *f = calloc((size_t)E, 8);
        for (int j = 0; j < K; j++)
            swiglu_add(T(r, "ffn_gate_exps.weight", l), T(r, "ffn_up_exps.weight", l), T(r, "ffn_down_exps.weight", l),
                       chosen[j], h, c->expert_weights_norm ? p[chosen[j]] / sum : p[chosen[j]], f, E);
        if (c->arch == ARCH_QWEN2MOE) {
            double gate;
            matvec(T(r, "ffn_gate_inp_shexp.weight", l), 0, h, &gate);
            swiglu_add(T(r, "ffn_gate_shexp.weight", l), T(r, "ffn_up_shexp.weight", l),
                       T(r, "ffn_down_shexp.weight", l), 0, h, 1 / (1 + exp(-gate)), f, E);
        }
        for (int i = 0; i < E; i++) x[i] += f[i];
        free(f);
    }
    rmsnorm(h, x, T(r, "output_norm.weight", -1), E, c->eps);
    const GgufTensor *out = T(r, "output.weight", -1);
    matvec(out ? out : emb, 0, h, logits);
    free(x), free(h), free(q), free(k), free(v), free(o), free(y), free(s), free(p), free(row);
}

/* The exact paths agree with the double reference to fp32 reassociation (1e-4 of the logits' scale). A -q8a path
 * on quantized weights (Q4_0, Q8_0, K-quants) rounds every activation to 8 bits per block of 32
 * (|error| <= d_x / 2, d_x = amax / 127)
 * before each quantized product: about (amax / rms) / (127 sqrt 12) ~ 0.5% relative per product for these
 * activations, compounded over the 2 n_layer + 1 products on the way to the logits; Q8A_LOGITS_BOUND leaves room
 * over the worst observed (~1.7%) and still catches real disagreements, which are of order 1. */
#define Q8A_LOGITS_BOUND 5e-2

static void compare_on(const ModelSpec *spec, const Kernels *kernels) {
    size_t size;
    Error e;
    uint8_t *image = build_model(spec, &size);
    Model *m = model_from_gguf(gguf_parse(image, size, &e), 2, kernels, &e);
    CHECK(m != NULL, "%s", e.msg);
    if (!m) {
        free(image);
        return;
    }
    const Config *c = &m->c;
    int V = c->n_vocab, n = 6;
    Ref r = {m->gguf, c, NULL, NULL, n};
    r.k_cache = calloc((size_t)c->n_layer * n * c->n_head_kv * c->head_dim_k, 8);
    r.v_cache = calloc((size_t)c->n_layer * n * c->n_head_kv * c->head_dim_v, 8);
    double *want = malloc((size_t)V * 8);
    float *got = malloc((size_t)V * 4);
    int32_t tokens[6] = {3, 17, 5, 42, 0, 9}, count = n;
    Sequence *s = sequence_new(m, n, &e);
    CHECK(model_step(m, &s, &count, 1, tokens, n, got, V, &e) == 0, "%s", e.msg);
    for (int i = 0; i < n; i++) ref_token(&r, tokens[i], i, want);
    double diff = 0, mag = 0;
    for (int i = 0; i < V; i++) diff = fmax(diff, fabs(got[i] - want[i])), mag = fmax(mag, fabs(want[i]));
    int q8a = kernels->dotq[type_traits(spec->type)->slot] != NULL;
    CHECK(diff <= (q8a ? Q8A_LOGITS_BOUND : 1e-4) * mag, "%s %s (%d experts) on %s: engine vs reference %g (max |logit| %g)",
          spec->arch, type_traits(spec->type)->name, spec->n_expert, kernels->name, diff / mag, mag);
    sequence_free(s);
    model_free(m);
    free(image), free(r.k_cache), free(r.v_cache), free(want), free(got);
}

/* On the best exact path, and on the best path when that quantizes activations. */
static void compare(const ModelSpec *spec) {
    compare_on(spec, kernels_best_exact());
    if (kernels_get("auto") != kernels_best_exact()) compare_on(spec, kernels_get("auto"));
}

void suite_reference(void) {
    const char *archs[] = {"llama", "llama", "qwen2moe", "qwen3moe"};
    for (int a = 0; a < 4; a++) {
        ModelSpec s = spec_small(archs[a], GGML_TYPE_F32, a > 0);
        compare(&s);
        s.type = GGML_TYPE_Q4_0;
        compare(&s);
        const uint32_t k_types[3] = {GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
        ModelSpec k = spec_small(archs[a], k_types[a % 3], a > 0); /* rows of 256 */
        compare(&k);
    }
    ModelSpec tied = spec_small("qwen3moe", GGML_TYPE_BF16, 1);
    tied.tied = 1, tied.n_expert = 8, tied.n_expert_used = 3;
    compare(&tied);
}
