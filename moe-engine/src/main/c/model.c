#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "ggml_types.h"

#define DIM_MAX (1 << 24) /* bound on every hyper-parameter that sizes a buffer */

static const char *const ARCH_NAMES[] = {"llama", "qwen2moe", "qwen3moe", "deepseek2"};
#define N_ARCH 4
#define PI 3.14159265358979323846

const char *arch_name(Arch arch) { return ARCH_NAMES[arch]; }

/* ---- hyper-parameters ------------------------------------------------------------------------------------ */

typedef struct {
    const Gguf *g;
    const char *arch;
    Error *err;
} Keys;

/* {arch}.suffix as an integer in lo..hi; when absent, dflt, or an error if required. */
static int key_int(const Keys *k, const char *suffix, int required, int64_t dflt, int64_t lo, int64_t hi, int *out) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->arch, suffix);
    const GgufKV *kv = gguf_find(k->g, key);
    int64_t v = dflt;
    if (!kv && required) return err_set(k->err, ERR_FORMAT, "missing key %s", key);
    if (kv && gguf_get_int(kv, &v)) return err_set(k->err, ERR_FORMAT, "key %s must be an integer", key);
    if (v < lo || v > hi)
        return err_set(k->err, ERR_FORMAT, "key %s %s %lld, out of range %lld..%lld", key, kv ? "=" : "defaults to",
                       (long long)v, (long long)lo, (long long)hi);
    *out = (int)v;
    return 0;
}

/* {arch}.suffix as a finite number > 0 (>= 0 when zero_ok), dflt when absent. */
static int key_number(const Keys *k, const char *suffix, double dflt, int zero_ok, double *out) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->arch, suffix);
    const GgufKV *kv = gguf_find(k->g, key);
    *out = dflt;
    if (kv && gguf_get_float(kv, out)) return err_set(k->err, ERR_FORMAT, "key %s must be a number", key);
    if (!isfinite(*out) || *out < 0 || (*out == 0 && !zero_ok))
        return err_set(k->err, ERR_FORMAT, "key %s = %g must be %s 0", key, *out, zero_ok ? ">=" : ">");
    return 0;
}

static int key_float(const Keys *k, const char *suffix, double dflt, double *out) {
    return key_number(k, suffix, dflt, 0, out);
}

static int key_bool(const Keys *k, const char *suffix, int dflt, int *out) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->arch, suffix);
    const GgufKV *kv = gguf_find(k->g, key);
    *out = dflt;
    if (kv && gguf_get_bool(kv, out)) return err_set(k->err, ERR_FORMAT, "key %s must be a bool", key);
    return 0;
}

/* deepseek2: MLA and DeepSeekMoE (docs/model-math.md, "deepseek2"). Files converted for the split attn_k_b/attn_v_b
 * layout state head_count_kv = 1 and key/value_length of the latent (kv_lora + rope, kv_lora) with the per-head
 * sizes in key_length_mla/value_length_mla; older ones state the per-head sizes in key/value_length. */
static int read_deepseek2(Model *m, const Keys *k, Error *err) {
    Config *c = &m->c;
    int nextn = 0, head_k = 0, head_v = 0;
    if (key_int(k, "embedding_length", 1, 0, 1, DIM_MAX, &c->n_embd) ||
        key_int(k, "block_count", 1, 0, 1, (int64_t)(m->gguf->n_tensors < DIM_MAX ? m->gguf->n_tensors : DIM_MAX),
                &c->n_layer) ||
        key_int(k, "nextn_predict_layers", 0, 0, 0, c->n_layer - 1, &nextn) ||
        key_int(k, "context_length", 1, 0, 1, INT32_MAX, &c->context_length) ||
        key_int(k, "attention.head_count", 1, 0, 1, DIM_MAX, &c->n_head) ||
        key_int(k, "attention.head_count_kv", 0, 1, 1, c->n_head, &c->n_head_kv) ||
        key_int(k, "attention.key_length", 1, 0, 1, DIM_MAX, &head_k) ||
        key_int(k, "attention.value_length", 1, 0, 1, DIM_MAX, &head_v) ||
        key_int(k, "attention.key_length_mla", 0, head_k, 1, DIM_MAX, &c->head_dim_k) ||
        key_int(k, "attention.value_length_mla", 0, head_v, 1, DIM_MAX, &c->head_dim_v) ||
        key_int(k, "attention.q_lora_rank", 0, 0, 0, DIM_MAX, &c->q_lora_rank) ||
        key_int(k, "attention.kv_lora_rank", 1, 0, 1, DIM_MAX, &c->kv_lora_rank) ||
        key_int(k, "rope.dimension_count", 1, 0, 2, c->head_dim_k - 1, &c->n_rot) ||
        key_float(k, "attention.layer_norm_rms_epsilon", 1e-6, &c->eps) ||
        key_float(k, "rope.freq_base", 10000.0, &c->rope_theta) ||
        key_int(k, "leading_dense_block_count", 0, 0, 0, c->n_layer, &c->n_leading_dense) ||
        key_int(k, "feed_forward_length", c->n_leading_dense > 0, 0, c->n_leading_dense > 0, DIM_MAX, &c->n_ff) ||
        key_int(k, "expert_count", 1, 0, 1, DIM_MAX, &c->n_expert) ||
        key_int(k, "expert_used_count", 1, 0, 1, c->n_expert, &c->n_expert_used) ||
        key_int(k, "expert_feed_forward_length", 1, 0, 1, DIM_MAX, &c->n_ff_exp) ||
        key_int(k, "expert_shared_count", 0, 0, 0, 64, &c->n_expert_shared) ||
        key_float(k, "expert_weights_scale", 1.0, &c->expert_weights_scale) ||
        key_bool(k, "expert_weights_norm", 0, &c->expert_weights_norm) ||
        key_int(k, "expert_gating_func", 0, GATING_SOFTMAX, 0, GATING_SIGMOID, &c->gating) ||
        key_int(k, "expert_group_count", 0, 1, 1, c->n_expert, &c->n_group) ||
        key_int(k, "expert_group_used_count", 0, c->n_group, 1, c->n_group, &c->n_group_used))
        return -1;
    c->n_layer -= nextn; /* the multi-token-prediction layers at the end are not part of the forward pass */
    if (c->gating == 0) c->gating = GATING_SOFTMAX; /* "none" in older files means the V2 default */
    c->qk_nope = c->head_dim_k - c->n_rot;
    c->n_ff_shexp = c->n_expert_shared * c->n_ff_exp;
    if ((int64_t)c->n_head * (c->head_dim_k > c->kv_lora_rank ? c->head_dim_k : c->kv_lora_rank + c->n_rot) > DIM_MAX ||
        (int64_t)c->n_expert_shared * c->n_ff_exp > DIM_MAX)
        return err_set(err, ERR_FORMAT, "deepseek2: attention or shared-expert width exceeds %d", DIM_MAX);
    if (c->n_rot % 2) return err_set(err, ERR_FORMAT, "rope dimension count %d is odd", c->n_rot);
    if (c->n_expert % c->n_group)
        return err_set(err, ERR_FORMAT, "expert_count %d is not a multiple of expert_group_count %d", c->n_expert,
                       c->n_group);
    if (c->n_expert_used > c->n_group_used * (c->n_expert / c->n_group))
        return err_set(err, ERR_FORMAT, "expert_used_count %d exceeds the %d experts of %d used groups",
                       c->n_expert_used, c->n_group_used * (c->n_expert / c->n_group), c->n_group_used);
    /* RoPE scaling: none, or YaRN */
    const GgufKV *kv = gguf_find(m->gguf, "deepseek2.rope.scaling.type");
    GgufStr type = {"none", 4};
    if (kv && gguf_get_str(kv, &type)) return err_set(err, ERR_FORMAT, "key deepseek2.rope.scaling.type must be a string");
    c->yarn = type.len == 4 && !memcmp(type.ptr, "yarn", 4);
    if (!c->yarn && !(type.len == 4 && !memcmp(type.ptr, "none", 4))) {
        char name[100];
        return err_set(err, ERR_FORMAT, "unsupported rope scaling '%s' (supported: none, yarn)",
                       err_name(name, sizeof name, type.ptr, type.len));
    }
    if (c->yarn && (key_float(k, "rope.scaling.factor", 1.0, &c->rope_factor) ||
                    key_int(k, "rope.scaling.original_context_length", 0, c->context_length, 1, INT32_MAX,
                            &c->rope_orig_ctx) ||
                    key_number(k, "rope.scaling.yarn_log_multiplier", 0.0, 1, &c->yarn_log_mul) ||
                    key_float(k, "rope.scaling.yarn_beta_fast", 32.0, &c->yarn_beta_fast) ||
                    key_float(k, "rope.scaling.yarn_beta_slow", 1.0, &c->yarn_beta_slow)))
        return -1;
    double mscale = c->yarn && c->rope_factor > 1 ? 1.0 + c->yarn_log_mul * log(c->rope_factor) : 1.0;
    c->kq_scale = mscale * mscale / sqrt((double)c->head_dim_k);
    c->rope_neox = 0;
    return 0;
}

static int read_config(Model *m, Error *err) {
    Config *c = &m->c;
    const GgufKV *kv = gguf_find(m->gguf, "general.architecture");
    GgufStr s;
    if (!kv) return err_set(err, ERR_FORMAT, "missing key general.architecture");
    if (gguf_get_str(kv, &s)) return err_set(err, ERR_FORMAT, "key general.architecture must be a string");
    int found = 0;
    for (int a = 0; a < N_ARCH && !found; a++)
        if (s.len == strlen(ARCH_NAMES[a]) && !memcmp(s.ptr, ARCH_NAMES[a], s.len)) c->arch = (Arch)a, found = 1;
    if (!found) {
        char name[100];
        return err_set(err, ERR_FORMAT, "unsupported architecture '%s' (supported: llama, qwen2moe, qwen3moe, deepseek2)",
                       err_name(name, sizeof name, s.ptr, s.len));
    }
    int llama = c->arch == ARCH_LLAMA;
    Keys k = {m->gguf, ARCH_NAMES[c->arch], err};
    c->gating = GATING_SOFTMAX;
    c->n_group = c->n_group_used = 1;
    c->expert_weights_scale = 1.0;
    c->rope_factor = 1.0;
    if (c->arch == ARCH_DEEPSEEK2) return read_deepseek2(m, &k, err);
    if (key_int(&k, "embedding_length", 1, 0, 1, DIM_MAX, &c->n_embd) ||
        key_int(&k, "block_count", 1, 0, 1, (int64_t)(m->gguf->n_tensors < DIM_MAX ? m->gguf->n_tensors : DIM_MAX),
                &c->n_layer) ||
        key_int(&k, "context_length", 1, 0, 1, INT32_MAX, &c->context_length) ||
        key_int(&k, "attention.head_count", 1, 0, 1, DIM_MAX, &c->n_head) ||
        key_int(&k, "attention.head_count_kv", 0, c->n_head, 1, c->n_head, &c->n_head_kv) ||
        key_int(&k, "attention.key_length", 0, c->n_embd / c->n_head, 1, DIM_MAX, &c->head_dim_k) ||
        key_int(&k, "attention.value_length", 0, c->n_embd / c->n_head, 1, DIM_MAX, &c->head_dim_v) ||
        key_int(&k, "rope.dimension_count", 0, c->head_dim_k, 0, c->head_dim_k, &c->n_rot) ||
        key_float(&k, "attention.layer_norm_rms_epsilon", llama ? 1e-5 : 1e-6, &c->eps) ||
        key_float(&k, "rope.freq_base", 10000.0, &c->rope_theta) ||
        key_int(&k, "expert_count", 0, 0, 0, DIM_MAX, &c->n_expert))
        return -1;
    if ((int64_t)c->n_head * (c->head_dim_k > c->head_dim_v ? c->head_dim_k : c->head_dim_v) > DIM_MAX)
        return err_set(err, ERR_FORMAT, "attention width head_count * key/value_length exceeds %d", DIM_MAX);
    if (c->n_head % c->n_head_kv)
        return err_set(err, ERR_FORMAT, "head_count %d is not a multiple of head_count_kv %d", c->n_head, c->n_head_kv);
    if (c->n_rot % 2) return err_set(err, ERR_FORMAT, "rope dimension count %d is odd", c->n_rot);
    int moe = c->n_expert > 0;
    if (key_int(&k, "feed_forward_length", llama || !moe, 0, llama || !moe ? 1 : 0, DIM_MAX, &c->n_ff) ||
        key_bool(&k, "expert_weights_norm", c->arch != ARCH_QWEN2MOE, &c->expert_weights_norm))
        return -1;
    if (moe && (key_int(&k, "expert_used_count", 1, 0, 1, c->n_expert, &c->n_expert_used) ||
                key_int(&k, "expert_feed_forward_length", !llama, c->n_ff, 1, DIM_MAX, &c->n_ff_exp) ||
                (c->arch == ARCH_QWEN2MOE &&
                 key_int(&k, "expert_shared_feed_forward_length", 1, 0, 1, DIM_MAX, &c->n_ff_shexp))))
        return -1;
    c->rope_neox = !llama;
    return 0;
}

/* ---- tensors --------------------------------------------------------------------------------------------- */

/* How much of a tensor one decoded token reads, for active_weight_bytes. */
typedef enum { USE_ALL, USE_ONE_ROW, USE_K_EXPERTS } Use;

static void format_dims(char *buf, size_t size, int n, const int64_t *dims) {
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < n && len < size; d++)
        len += (size_t)snprintf(buf + len, size - len, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (len < size) snprintf(buf + len, size - len, "]");
}

/* Exact dims; dims the tensor has beyond n must be 1. */
static int check_dims(const GgufTensor *t, const char *name, int n, const int64_t *dims, Error *err) {
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        if (t->ne[d] != (d < n ? dims[d] : 1)) {
            char want[96], got[96];
            format_dims(want, sizeof want, n, dims);
            format_dims(got, sizeof got, t->n_dims, t->ne);
            return err_set(err, ERR_FORMAT, "tensor %s: expected dims %s, got %s", name, want, got);
        }
    }
    return 0;
}

/* A matrix [n_in, n_out], or with n_expert > 0 the stacked experts [n_in, n_out, n_expert], of any supported
 * type. Absent and optional: returns 0 and leaves *out zeroed. */
static int bind_mat(Model *m, const char *name, int required, int64_t n_in, int64_t n_out, int64_t n_expert, Use use,
                    Mat *out, Error *err) {
    const GgufTensor *t = gguf_tensor(m->gguf, name);
    if (!t) return required ? err_set(err, ERR_FORMAT, "missing tensor %s", name) : 0;
    int64_t dims[3] = {n_in, n_out, n_expert};
    if (check_dims(t, name, n_expert ? 3 : n_out == 1 ? 1 : 2, dims, err)) return -1;
    *out = (Mat){t->data, t->type, n_in, n_out, type_bytes(type_traits(t->type), n_in)};
    m->weight_bytes += t->nbytes;
    m->active_weight_bytes += use == USE_ALL       ? t->nbytes
                              : use == USE_ONE_ROW ? out->row_bytes
                                                   : t->nbytes / (size_t)n_expert * (size_t)m->c.n_expert_used;
    return 0;
}

/* An F32 vector of n values (norm weights, biases). */
static int bind_vec(Model *m, const char *name, int required, int64_t n, const float **out, Error *err) {
    const GgufTensor *t = gguf_tensor(m->gguf, name);
    if (!t) return required ? err_set(err, ERR_FORMAT, "missing tensor %s", name) : 0;
    if (check_dims(t, name, 1, &n, err)) return -1;
    if (t->type != GGML_TYPE_F32)
        return err_set(err, ERR_FORMAT, "tensor %s: expected type F32, got %s", name, type_traits(t->type)->name);
    if ((uintptr_t)t->data % sizeof(float))
        return err_set(err, ERR_FORMAT, "tensor %s: F32 data is not 4-byte aligned", name);
    *out = (const float *)(const void *)t->data;
    m->weight_bytes += t->nbytes;
    m->active_weight_bytes += t->nbytes;
    return 0;
}

static const char *blk(char *buf, int layer, const char *suffix) {
    snprintf(buf, 96, "blk.%d.%s", layer, suffix);
    return buf;
}

/* The routed experts of a MoE layer; shared experts (n_ff_shexp > 0) without the qwen2moe gate. */
static int bind_experts(Model *m, int i, Layer *l, Error *err) {
    const Config *c = &m->c;
    char n[96];
    int64_t E = c->n_embd, X = c->n_expert, F = c->n_ff_exp, S = c->n_ff_shexp;
    if (bind_mat(m, blk(n, i, "ffn_gate_inp.weight"), 1, E, X, 0, USE_ALL, &l->router, err) ||
        bind_mat(m, blk(n, i, "ffn_gate_exps.weight"), 1, E, F, X, USE_K_EXPERTS, &l->gate_exps, err) ||
        bind_mat(m, blk(n, i, "ffn_up_exps.weight"), 1, E, F, X, USE_K_EXPERTS, &l->up_exps, err) ||
        bind_mat(m, blk(n, i, "ffn_down_exps.weight"), 1, F, E, X, USE_K_EXPERTS, &l->down_exps, err))
        return -1;
    m->expert_bytes = (l->gate_exps.row_bytes + l->up_exps.row_bytes) * (size_t)F + l->down_exps.row_bytes * (size_t)E;
    return S > 0 && (bind_mat(m, blk(n, i, "ffn_gate_shexp.weight"), 1, E, S, 0, USE_ALL, &l->gate_shexp, err) ||
                     bind_mat(m, blk(n, i, "ffn_up_shexp.weight"), 1, E, S, 0, USE_ALL, &l->up_shexp, err) ||
                     bind_mat(m, blk(n, i, "ffn_down_shexp.weight"), 1, S, E, 0, USE_ALL, &l->down_shexp, err))
               ? -1
               : 0;
}

/* deepseek2: MLA (q LoRA or attn_q; the split attn_k_b/attn_v_b or the combined attn_kv_b), then a dense FFN in
 * the first n_leading_dense layers and DeepSeekMoE after them. */
static int bind_deepseek2_layer(Model *m, int i, Error *err) {
    const Config *c = &m->c;
    Layer *l = &m->layers[i];
    char n[96];
    int64_t E = c->n_embd, H = c->n_head, R = c->kv_lora_rank, q_dim = H * c->head_dim_k;
    if (bind_vec(m, blk(n, i, "attn_norm.weight"), 1, E, &l->attn_norm, err) ||
        bind_vec(m, blk(n, i, "ffn_norm.weight"), 1, E, &l->ffn_norm, err))
        return -1;
    if (c->q_lora_rank ? bind_mat(m, blk(n, i, "attn_q_a.weight"), 1, E, c->q_lora_rank, 0, USE_ALL, &l->wq_a, err) ||
                             bind_vec(m, blk(n, i, "attn_q_a_norm.weight"), 1, c->q_lora_rank, &l->q_a_norm, err) ||
                             bind_mat(m, blk(n, i, "attn_q_b.weight"), 1, c->q_lora_rank, q_dim, 0, USE_ALL, &l->wq_b,
                                      err)
                       : bind_mat(m, blk(n, i, "attn_q.weight"), 1, E, q_dim, 0, USE_ALL, &l->wq, err))
        return -1;
    if (bind_mat(m, blk(n, i, "attn_kv_a_mqa.weight"), 1, E, R + c->n_rot, 0, USE_ALL, &l->wkv_a, err) ||
        bind_vec(m, blk(n, i, "attn_kv_a_norm.weight"), 1, R, &l->kv_a_norm, err) ||
        bind_mat(m, blk(n, i, "attn_output.weight"), 1, H * c->head_dim_v, E, 0, USE_ALL, &l->wo, err))
        return -1;
    if (gguf_tensor(m->gguf, blk(n, i, "attn_k_b.weight"))) {
        if (bind_mat(m, blk(n, i, "attn_k_b.weight"), 1, c->qk_nope, R, H, USE_ALL, &l->wk_b, err) ||
            bind_mat(m, blk(n, i, "attn_v_b.weight"), 1, R, c->head_dim_v, H, USE_ALL, &l->wv_b, err))
            return -1;
    } else if (bind_mat(m, blk(n, i, "attn_kv_b.weight"), 1, R, H * (c->qk_nope + c->head_dim_v), 0, USE_ALL, &l->wkv_b,
                        err)) {
        return -1;
    }
    l->moe = i >= c->n_leading_dense;
    if (!l->moe)
        return bind_mat(m, blk(n, i, "ffn_gate.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_gate, err) ||
               bind_mat(m, blk(n, i, "ffn_up.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_up, err) ||
               bind_mat(m, blk(n, i, "ffn_down.weight"), 1, c->n_ff, E, 0, USE_ALL, &l->ffn_down, err);
    return bind_vec(m, blk(n, i, "exp_probs_b.bias"), 0, c->n_expert, &l->exp_bias, err) || bind_experts(m, i, l, err);
}

static int bind_layer(Model *m, int i, Error *err) {
    const Config *c = &m->c;
    Layer *l = &m->layers[i];
    char n[96];
    if (c->arch == ARCH_DEEPSEEK2) return bind_deepseek2_layer(m, i, err);
    int64_t E = c->n_embd, q_dim = (int64_t)c->n_head * c->head_dim_k, k_dim = (int64_t)c->n_head_kv * c->head_dim_k,
            v_dim = (int64_t)c->n_head_kv * c->head_dim_v, o_dim = (int64_t)c->n_head * c->head_dim_v;
    int qwen2 = c->arch == ARCH_QWEN2MOE, qwen3 = c->arch == ARCH_QWEN3MOE;
    if (bind_vec(m, blk(n, i, "attn_norm.weight"), 1, E, &l->attn_norm, err) ||
        bind_vec(m, blk(n, i, "ffn_norm.weight"), 1, E, &l->ffn_norm, err) ||
        bind_mat(m, blk(n, i, "attn_q.weight"), 1, E, q_dim, 0, USE_ALL, &l->wq, err) ||
        bind_mat(m, blk(n, i, "attn_k.weight"), 1, E, k_dim, 0, USE_ALL, &l->wk, err) ||
        bind_mat(m, blk(n, i, "attn_v.weight"), 1, E, v_dim, 0, USE_ALL, &l->wv, err) ||
        bind_mat(m, blk(n, i, "attn_output.weight"), 1, o_dim, E, 0, USE_ALL, &l->wo, err))
        return -1;
    if (qwen2 && (bind_vec(m, blk(n, i, "attn_q.bias"), 0, q_dim, &l->bq, err) ||
                  bind_vec(m, blk(n, i, "attn_k.bias"), 0, k_dim, &l->bk, err) ||
                  bind_vec(m, blk(n, i, "attn_v.bias"), 0, v_dim, &l->bv, err)))
        return -1;
    if (qwen3 && (bind_vec(m, blk(n, i, "attn_q_norm.weight"), 1, c->head_dim_k, &l->q_norm, err) ||
                  bind_vec(m, blk(n, i, "attn_k_norm.weight"), 1, c->head_dim_k, &l->k_norm, err)))
        return -1;
    l->moe = c->n_expert > 0;
    if (!l->moe)
        return bind_mat(m, blk(n, i, "ffn_gate.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_gate, err) ||
               bind_mat(m, blk(n, i, "ffn_up.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_up, err) ||
               bind_mat(m, blk(n, i, "ffn_down.weight"), 1, c->n_ff, E, 0, USE_ALL, &l->ffn_down, err);
    if (bind_experts(m, i, l, err)) return -1;
    return qwen2 && bind_mat(m, blk(n, i, "ffn_gate_inp_shexp.weight"), 1, E, 1, 0, USE_ALL, &l->shexp_gate, err)
               ? -1
               : 0;
}

static int bind_weights(Model *m, Error *err) {
    Config *c = &m->c;
    const GgufTensor *te = gguf_tensor(m->gguf, "token_embd.weight");
    if (!te) return err_set(err, ERR_FORMAT, "missing tensor token_embd.weight");
    if (te->ne[1] > INT32_MAX / 2)
        return err_set(err, ERR_FORMAT, "tensor token_embd.weight: %lld rows is too large a vocabulary",
                       (long long)te->ne[1]);
    c->n_vocab = (int)te->ne[1];
    if (bind_mat(m, "token_embd.weight", 1, c->n_embd, c->n_vocab, 0, USE_ONE_ROW, &m->token_embd, err) ||
        bind_vec(m, "output_norm.weight", 1, c->n_embd, &m->output_norm, err) ||
        bind_mat(m, "output.weight", 0, c->n_embd, c->n_vocab, 0, USE_ALL, &m->output, err))
        return -1;
    if (!m->output.data) { /* tied: the logits read all of token_embd */
        m->output = m->token_embd;
        m->active_weight_bytes += (size_t)c->n_vocab * m->token_embd.row_bytes;
    }
    if (!(m->layers = calloc((size_t)c->n_layer, sizeof *m->layers)))
        return err_set(err, ERR_OOM, "out of memory binding %d layers", c->n_layer);
    for (int i = 0; i < c->n_layer; i++)
        if (bind_layer(m, i, err)) return -1;
    return 0;
}

/* ---- RoPE ------------------------------------------------------------------------------------------------ */

/* Pair i turns by pos * freq[i], freq[i] = theta^(-2i / n_rot). With YaRN (docs/model-math.md): pairs that turn
 * more than beta_fast times over the original context keep their frequency, those under beta_slow turns are
 * divided by the factor, and a linear ramp between the two (in pair index) mixes them. */
static void rope_frequencies(const Config *c, double *freq) {
    int half = c->n_rot / 2;
    double low = 0, high = 0;
    if (c->yarn) {
        /* the pair index at which a frequency makes `turns` rotations over the original context */
        double two_ln_theta = 2 * log(c->rope_theta);
        double fast = c->n_rot * log(c->rope_orig_ctx / (c->yarn_beta_fast * 2 * PI)) / two_ln_theta;
        double slow = c->n_rot * log(c->rope_orig_ctx / (c->yarn_beta_slow * 2 * PI)) / two_ln_theta;
        low = floor(fast) > 0 ? floor(fast) : 0;
        high = ceil(slow) < c->n_rot - 1 ? ceil(slow) : c->n_rot - 1;
    }
    for (int i = 0; i < half; i++) {
        double extrapolated = pow(c->rope_theta, -2.0 * i / c->n_rot);
        if (!c->yarn) {
            freq[i] = extrapolated;
            continue;
        }
        double ramp = (i - low) / (high - low > 0.001 ? high - low : 0.001);
        ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp; /* 0: keep the frequency, 1: interpolate */
        freq[i] = extrapolated / c->rope_factor * ramp + extrapolated * (1 - ramp);
    }
}

/* ---- lifecycle ------------------------------------------------------------------------------------------- */

Model *model_from_gguf(Gguf *g, int threads, const Kernels *kernels, Error *err) {
    Model *m = calloc(1, sizeof *m);
    if (!m) {
        gguf_close(g);
        err_set(err, ERR_OOM, "out of memory loading the model");
        return NULL;
    }
    m->gguf = g;
    m->file_bytes = g->size;
    m->kernels = kernels;
    if (read_config(m, err) || bind_weights(m, err)) goto fail;
    const Config *c = &m->c;
    if (c->arch == ARCH_DEEPSEEK2) {
        m->kv_k_dim = c->kv_lora_rank + c->n_rot; /* the normalised latent, then the rotated shared key part */
        m->kv_v_dim = 0;
    } else {
        m->kv_k_dim = c->n_head_kv * c->head_dim_k;
        m->kv_v_dim = c->n_head_kv * c->head_dim_v;
    }
    m->kv_bytes_per_token = (size_t)c->n_layer * (size_t)(m->kv_k_dim + m->kv_v_dim) * sizeof(float);
    m->kv_bytes_per_token_mha =
        (size_t)c->n_layer * (size_t)(c->arch == ARCH_DEEPSEEK2 ? c->n_head : c->n_head_kv) *
        (size_t)(c->head_dim_k + c->head_dim_v) * sizeof(float);
    m->kv_page_bytes = m->kv_bytes_per_token * KV_PAGE;
    if (!(m->rope_freq = calloc((size_t)(c->n_rot / 2 + 1), sizeof *m->rope_freq))) {
        err_set(err, ERR_OOM, "out of memory for the RoPE frequencies");
        goto fail;
    }
    rope_frequencies(c, m->rope_freq);
    size_t n_counts = (size_t)c->n_layer * (size_t)c->n_expert;
    if (!(m->expert_counts = calloc(n_counts ? n_counts : 1, sizeof *m->expert_counts))) {
        err_set(err, ERR_OOM, "out of memory for the expert statistics");
        goto fail;
    }
    if (!(m->pool = pool_new(threads, err)) || !(m->rs = runstate_new(m, err))) goto fail;
    m->magic = MODEL_MAGIC;
    return m;
fail:
    model_free(m);
    return NULL;
}

int model_set_kv_budget(Model *m, size_t bytes, Error *err) {
    size_t pages = bytes / m->kv_page_bytes;
    if (bytes && !pages)
        return err_set(err, ERR_ARG, "a KV cache budget of %zu bytes holds no page of %d positions (%zu bytes)", bytes,
                       KV_PAGE, m->kv_page_bytes);
    if (pages && pages < m->kv_pages_used)
        return err_set(err, ERR_ARG, "a KV cache budget of %zu bytes is below the %zu bytes the live sequences hold",
                       bytes, m->kv_pages_used * m->kv_page_bytes);
    m->kv_pages_budget = pages;
    return 0;
}

Model *model_load(const char *path, int threads, const Kernels *kernels, Error *err) {
    Gguf *g = gguf_open(path, err);
    return g ? model_from_gguf(g, threads, kernels, err) : NULL;
}

void model_free(Model *m) {
    if (!m) return;
    m->magic = 0;
    runstate_free(m->rs);
    pool_free(m->pool);
    free(m->expert_counts);
    free(m->rope_freq);
    free(m->layers);
    gguf_close(m->gguf);
    free(m);
}
