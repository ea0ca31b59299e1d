#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "ggml_types.h"

#define DIM_MAX (1 << 24) /* bound on every hyper-parameter that sizes a buffer */

static const char *const ARCH_NAMES[] = {"llama", "qwen2moe", "qwen3moe"};

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

/* {arch}.suffix as a finite number > 0, dflt when absent. */
static int key_float(const Keys *k, const char *suffix, double dflt, double *out) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->arch, suffix);
    const GgufKV *kv = gguf_find(k->g, key);
    *out = dflt;
    if (kv && gguf_get_float(kv, out)) return err_set(k->err, ERR_FORMAT, "key %s must be a number", key);
    if (!isfinite(*out) || *out <= 0) return err_set(k->err, ERR_FORMAT, "key %s = %g must be > 0", key, *out);
    return 0;
}

static int key_bool(const Keys *k, const char *suffix, int dflt, int *out) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->arch, suffix);
    const GgufKV *kv = gguf_find(k->g, key);
    *out = dflt;
    if (kv && gguf_get_bool(kv, out)) return err_set(k->err, ERR_FORMAT, "key %s must be a bool", key);
    return 0;
}

static int read_config(Model *m, Error *err) {
    Config *c = &m->c;
    const GgufKV *kv = gguf_find(m->gguf, "general.architecture");
    GgufStr s;
    if (!kv) return err_set(err, ERR_FORMAT, "missing key general.architecture");
    if (gguf_get_str(kv, &s)) return err_set(err, ERR_FORMAT, "key general.architecture must be a string");
    int found = 0;
    for (int a = 0; a < 3 && !found; a++)
        if (s.len == strlen(ARCH_NAMES[a]) && !memcmp(s.ptr, ARCH_NAMES[a], s.len)) c->arch = (Arch)a, found = 1;
    if (!found) {
        char name[100];
        return err_set(err, ERR_FORMAT, "unsupported architecture '%s' (supported: llama, qwen2moe, qwen3moe)",
                       err_name(name, sizeof name, s.ptr, s.len));
    }
    int llama = c->arch == ARCH_LLAMA;
    Keys k = {m->gguf, ARCH_NAMES[c->arch], err};
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

static int bind_layer(Model *m, int i, Error *err) {
    const Config *c = &m->c;
    Layer *l = &m->layers[i];
    char n[96];
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
    if (c->n_expert == 0)
        return bind_mat(m, blk(n, i, "ffn_gate.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_gate, err) ||
               bind_mat(m, blk(n, i, "ffn_up.weight"), 1, E, c->n_ff, 0, USE_ALL, &l->ffn_up, err) ||
               bind_mat(m, blk(n, i, "ffn_down.weight"), 1, c->n_ff, E, 0, USE_ALL, &l->ffn_down, err);
    int64_t X = c->n_expert, F = c->n_ff_exp, S = c->n_ff_shexp;
    if (bind_mat(m, blk(n, i, "ffn_gate_inp.weight"), 1, E, X, 0, USE_ALL, &l->router, err) ||
        bind_mat(m, blk(n, i, "ffn_gate_exps.weight"), 1, E, F, X, USE_K_EXPERTS, &l->gate_exps, err) ||
        bind_mat(m, blk(n, i, "ffn_up_exps.weight"), 1, E, F, X, USE_K_EXPERTS, &l->up_exps, err) ||
        bind_mat(m, blk(n, i, "ffn_down_exps.weight"), 1, F, E, X, USE_K_EXPERTS, &l->down_exps, err))
        return -1;
    if (qwen2 && (bind_mat(m, blk(n, i, "ffn_gate_shexp.weight"), 1, E, S, 0, USE_ALL, &l->gate_shexp, err) ||
                  bind_mat(m, blk(n, i, "ffn_up_shexp.weight"), 1, E, S, 0, USE_ALL, &l->up_shexp, err) ||
                  bind_mat(m, blk(n, i, "ffn_down_shexp.weight"), 1, S, E, 0, USE_ALL, &l->down_shexp, err) ||
                  bind_mat(m, blk(n, i, "ffn_gate_inp_shexp.weight"), 1, E, 1, 0, USE_ALL, &l->shexp_gate, err)))
        return -1;
    return 0;
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
    m->kv_bytes_per_token = (size_t)c->n_layer * (size_t)c->n_head_kv * (size_t)(c->head_dim_k + c->head_dim_v) * 4;
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
    free(m->layers);
    gguf_close(m->gguf);
    free(m);
}
