#define _POSIX_C_SOURCE 200809L
#include "gguf_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"

typedef struct {
    uint8_t *data;
    size_t len, cap;
} Buf;

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}

static void put(Buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = xrealloc(b->data, b->cap);
    }
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
}

static void put_u32(Buf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(Buf *b, uint64_t v) { put(b, &v, 8); }
static void put_str(Buf *b, const char *s) {
    put_u64(b, strlen(s));
    put(b, s, strlen(s));
}

typedef struct {
    char *name;
    uint32_t type;
    int n_dims;
    int64_t ne[4];
    uint8_t *data;
    size_t nbytes;
} Tensor;

struct GgufWriter {
    Buf kv;
    uint64_t n_kv;
    Tensor *tensors;
    int n_tensors;
    uint32_t alignment;
};

GgufWriter *gw_new(uint32_t alignment) {
    GgufWriter *w = xrealloc(NULL, sizeof *w);
    memset(w, 0, sizeof *w);
    w->alignment = alignment ? alignment : 32;
    if (alignment) gw_u32(w, "general.alignment", alignment);
    return w;
}

static void kv_head(GgufWriter *w, const char *key, uint32_t type) {
    put_str(&w->kv, key);
    put_u32(&w->kv, type);
    w->n_kv++;
}

void gw_str(GgufWriter *w, const char *key, const char *value) { kv_head(w, key, 8), put_str(&w->kv, value); }
void gw_u32(GgufWriter *w, const char *key, uint32_t value) { kv_head(w, key, 4), put_u32(&w->kv, value); }
void gw_f32(GgufWriter *w, const char *key, float value) { kv_head(w, key, 6), put(&w->kv, &value, 4); }
void gw_bool(GgufWriter *w, const char *key, int value) {
    uint8_t v = value != 0;
    kv_head(w, key, 7), put(&w->kv, &v, 1);
}

static void array_head(GgufWriter *w, const char *key, uint32_t elem_type, int n) {
    kv_head(w, key, 9);
    put_u32(&w->kv, elem_type);
    put_u64(&w->kv, (uint64_t)n);
}

void gw_str_array(GgufWriter *w, const char *key, const char *const *values, int n) {
    array_head(w, key, 8, n);
    for (int i = 0; i < n; i++) put_str(&w->kv, values[i]);
}

void gw_f32_array(GgufWriter *w, const char *key, const float *values, int n) {
    array_head(w, key, 6, n);
    put(&w->kv, values, (size_t)n * 4);
}

void gw_i32_array(GgufWriter *w, const char *key, const int32_t *values, int n) {
    array_head(w, key, 5, n);
    put(&w->kv, values, (size_t)n * 4);
}

/* The smallest fp16 not below v >= 0. */
static uint16_t fp16_up(float v) {
    uint16_t h = fp32_to_fp16(v);
    return fp16_to_fp32(h) < v ? (uint16_t)(h + 1) : h;
}

static int clampi(long v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : (int)v; }

/* Q4_K / Q5_K super-block by the min/max rule of docs/model-math.md. */
static void quantize_q45_k(const float *x, uint8_t *out, int five) {
    int nmax = five ? 31 : 15, sc[8], mn[8];
    double lo[8], hi[8], need[8], max_min = 0, max_need = 0;
    float min_eff[8];
    for (int j = 0; j < 8; j++) {
        lo[j] = 0, hi[j] = -INFINITY;
        for (int l = 0; l < 32; l++) lo[j] = fmin(lo[j], x[32 * j + l]), hi[j] = fmax(hi[j], x[32 * j + l]);
        max_min = fmax(max_min, -lo[j]);
    }
    uint16_t dmin_h = fp16_up((float)(max_min / 63));
    float dmin = fp16_to_fp32(dmin_h);
    for (int j = 0; j < 8; j++) {
        mn[j] = dmin == 0 ? 0 : clampi((long)ceil(-lo[j] / dmin), 0, 63);
        min_eff[j] = dmin * (float)mn[j];
        need[j] = fmax(0, (hi[j] + min_eff[j]) / nmax);
        max_need = fmax(max_need, need[j]);
    }
    uint16_t d_h = fp16_up((float)(max_need / 63));
    float d = fp16_to_fp32(d_h);
    for (int j = 0; j < 8; j++) sc[j] = d == 0 ? 0 : clampi((long)ceil(need[j] / d), 0, 63);
    memset(out, 0, five ? 176 : 144);
    memcpy(out, &d_h, 2), memcpy(out + 2, &dmin_h, 2);
    for (int j = 0; j < 4; j++) {
        out[4 + j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
        out[8 + j] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
        out[12 + j] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
    }
    uint8_t *qs = out + (five ? 48 : 16);
    for (int j = 0; j < 8; j++) {
        float step = d * (float)sc[j];
        for (int l = 0; l < 32; l++) {
            int u = step == 0 ? 0 : clampi(lroundf((x[32 * j + l] + min_eff[j]) / step), 0, nmax);
            qs[32 * (j / 2) + l] |= (uint8_t)(j % 2 ? (u & 15) << 4 : u & 15);
            if (u > 15) out[16 + l] |= (uint8_t)(1 << j);
        }
    }
}

/* Q6_K super-block by the symmetric rule of docs/model-math.md. */
static void quantize_q6_k(const float *x, uint8_t *out) {
    double step[16], max_step = 0;
    for (int k = 0; k < 16; k++) {
        double amax = 0;
        for (int i = 0; i < 16; i++) amax = fmax(amax, fabs(x[16 * k + i]));
        step[k] = amax / 31, max_step = fmax(max_step, step[k]);
    }
    uint16_t d_h = fp16_up((float)(max_step / 127));
    float d = fp16_to_fp32(d_h);
    memset(out, 0, 210);
    memcpy(out + 208, &d_h, 2);
    for (int k = 0; k < 16; k++) {
        int scale = d == 0 ? 0 : clampi((long)ceil(step[k] / d), 0, 127);
        out[192 + k] = (uint8_t)scale;
        float s = d * (float)scale;
        for (int i = 0; i < 16; i++) {
            int v = 16 * k + i, c = v / 128, g = v % 128 / 32, l = v % 32;
            int u = (s == 0 ? 0 : clampi(lroundf(x[v] / s), -32, 31)) + 32;
            out[64 * c + 32 * (g % 2) + l] |= (uint8_t)((u & 15) << 4 * (g / 2));
            out[128 + 32 * c + l] |= (uint8_t)((u >> 4) << 2 * g);
        }
    }
}

void quantize_row(uint32_t type, const float *x, uint8_t *out, int64_t n) {
    switch (type) {
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
        for (int64_t b = 0; b < n / QK_K; b++)
            quantize_q45_k(x + b * QK_K, out + b * (type == GGML_TYPE_Q5_K ? 176 : 144), type == GGML_TYPE_Q5_K);
        break;
    case GGML_TYPE_Q6_K:
        for (int64_t b = 0; b < n / QK_K; b++) quantize_q6_k(x + b * QK_K, out + b * 210);
        break;
    case GGML_TYPE_F32: memcpy(out, x, (size_t)n * 4); break;
    case GGML_TYPE_F16:
    case GGML_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = type == GGML_TYPE_F16 ? fp32_to_fp16(x[i]) : fp32_to_bf16(x[i]);
            memcpy(out + 2 * i, &h, 2);
        }
        break;
    case GGML_TYPE_Q8_0: /* d = max|x| / 127, q = round(x / d) */
        for (int64_t b = 0; b < n / QK; b++, x += QK, out += 34) {
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
            float d = amax / 127, id = d ? 1 / d : 0;
            uint16_t h = fp32_to_fp16(d);
            memcpy(out, &h, 2);
            for (int j = 0; j < QK; j++) out[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
        }
        break;
    case GGML_TYPE_Q4_0: /* d = x_m / -8 (x_m: the value of largest magnitude), q = min(15, (int)(x / d + 8.5)) */
        for (int64_t b = 0; b < n / QK; b++, x += QK, out += 18) {
            float amax = 0, xm = 0;
            for (int j = 0; j < QK; j++)
                if (fabsf(x[j]) > amax) amax = fabsf(x[j]), xm = x[j];
            float d = xm / -8, id = d ? 1 / d : 0;
            uint16_t h = fp32_to_fp16(d);
            memcpy(out, &h, 2);
            for (int j = 0; j < QK / 2; j++) {
                int q0 = (int)(x[j] * id + 8.5f), q1 = (int)(x[j + QK / 2] * id + 8.5f);
                q0 = q0 > 15 ? 15 : q0, q1 = q1 > 15 ? 15 : q1;
                out[2 + j] = (uint8_t)(q0 | q1 << 4);
            }
        }
        break;
    default: abort();
    }
}

void gw_tensor(GgufWriter *w, const char *name, uint32_t type, int n_dims, const int64_t *ne, const float *values) {
    const TypeTraits *tr = type_traits(type);
    w->tensors = xrealloc(w->tensors, (size_t)(w->n_tensors + 1) * sizeof *w->tensors);
    Tensor *t = &w->tensors[w->n_tensors++];
    int64_t n = 1;
    t->n_dims = n_dims;
    for (int d = 0; d < n_dims; d++) t->ne[d] = ne[d], n *= ne[d];
    t->name = strdup(name);
    t->type = type;
    t->nbytes = type_bytes(tr, n);
    t->data = xrealloc(NULL, t->nbytes);
    quantize_row(type, values, t->data, n);
}

uint8_t *gw_finish(GgufWriter *w, size_t *size) {
    Buf b = {0};
    put(&b, "GGUF", 4);
    put_u32(&b, 3);
    put_u64(&b, (uint64_t)w->n_tensors);
    put_u64(&b, w->n_kv);
    put(&b, w->kv.data, w->kv.len);
    uint64_t offset = 0;
    for (int i = 0; i < w->n_tensors; i++) {
        Tensor *t = &w->tensors[i];
        put_str(&b, t->name);
        put_u32(&b, (uint32_t)t->n_dims);
        for (int d = 0; d < t->n_dims; d++) put_u64(&b, (uint64_t)t->ne[d]);
        put_u32(&b, t->type);
        offset = (offset + w->alignment - 1) / w->alignment * w->alignment;
        put_u64(&b, offset);
        offset += t->nbytes;
    }
    static const uint8_t zeros[256];
    size_t data_start = (b.len + w->alignment - 1) / w->alignment * w->alignment;
    put(&b, zeros, data_start - b.len);
    for (int i = 0; i < w->n_tensors; i++) {
        Tensor *t = &w->tensors[i];
        size_t at = (b.len - data_start + w->alignment - 1) / w->alignment * w->alignment + data_start;
        put(&b, zeros, at - b.len);
        put(&b, t->data, t->nbytes);
        free(t->data);
        free(t->name);
    }
    free(w->tensors);
    free(w->kv.data);
    free(w);
    *size = b.len;
    return b.data;
}

/* ---- random models ------------------------------------------------------------------------------------- */

uint64_t rng_next(Rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

float rng_float(Rng *r) { return (float)((rng_next(r) >> 40) * (2.0 / 16777216.0) - 1.0); }

ModelSpec spec_small(const char *arch, uint32_t type, int moe) {
    ModelSpec s = {.arch = arch, .type = type, .n_vocab = 50, .n_embd = 64, .n_layer = 2, .n_head = 4,
                   .n_head_kv = 2, .head_dim = 16, .n_ff = 96, .context_length = 128, .seed = 42};
    if (moe) s.n_expert = 4, s.n_expert_used = 2, s.n_ff_exp = 64;
    if (moe && !strcmp(arch, "qwen2moe")) s.n_ff_shexp = 96, s.qkv_bias = 1;
    if (strcmp(arch, "llama") && moe) s.n_ff = 0; /* qwen*moe have no dense FFN width */
    if (!strcmp(arch, "deepseek2")) s.n_expert = 4, s.n_expert_used = 2, s.n_ff_exp = 32, s.n_ff = 96;
    if (type_traits(type)->block == QK_K) { /* every matrix's rows a multiple of the K-quants' 256 (not deepseek2's) */
        s.n_embd = 256, s.head_dim = 64;
        if (s.n_ff) s.n_ff = 256;
        if (moe) s.n_ff_exp = 256;
        if (s.n_ff_shexp) s.n_ff_shexp = 256;
    }
    return s;
}

typedef struct {
    const ModelSpec *s;
    GgufWriter *w;
    Rng rng;
} Builder;

static void key_u32(Builder *b, const char *suffix, int value) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", b->s->arch, suffix);
    if (!b->s->skip_key || strcmp(key, b->s->skip_key)) gw_u32(b->w, key, (uint32_t)value);
}

static void key_f32(Builder *b, const char *suffix, float value) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", b->s->arch, suffix);
    if (!b->s->skip_key || strcmp(key, b->s->skip_key)) gw_f32(b->w, key, value);
}

/* A tensor of random values center + scale * U(-1, 1). */
static void tensor(Builder *b, const char *name, uint32_t type, int n_dims, int64_t d0, int64_t d1, int64_t d2,
                   float center, float scale) {
    const ModelSpec *s = b->s;
    if (s->skip_tensor && !strcmp(name, s->skip_tensor)) return;
    int64_t ne[3] = {d0, d1, d2};
    if (s->bad_dims_tensor && !strcmp(name, s->bad_dims_tensor)) {
        if (n_dims >= 2) ne[1] = ne[1] > 1 ? ne[1] / 2 : 2;
        else ne[0] *= 2;
    }
    if (s->f16_tensor && !strcmp(name, s->f16_tensor)) type = GGML_TYPE_F16;
    size_t n = (size_t)(ne[0] * (n_dims > 1 ? ne[1] : 1) * (n_dims > 2 ? ne[2] : 1));
    float *v = xrealloc(NULL, n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = center + scale * rng_float(&b->rng);
    gw_tensor(b->w, name, type, n_dims, ne, v);
    free(v);
}

static void matrix(Builder *b, const char *name, int64_t n_in, int64_t n_out) {
    tensor(b, name, b->s->type, 2, n_in, n_out, 1, 0, 1.0f / sqrtf((float)n_in));
}

static void experts(Builder *b, const char *name, int64_t n_in, int64_t n_out) {
    tensor(b, name, b->s->type, 3, n_in, n_out, b->s->n_expert, 0, 1.0f / sqrtf((float)n_in));
}

static void vector(Builder *b, const char *name, int64_t n, float center, float scale) {
    tensor(b, name, GGML_TYPE_F32, 1, n, 1, 1, center, scale);
}

static const char *blk(char *buf, int i, const char *suffix) {
    snprintf(buf, 96, "blk.%d.%s", i, suffix);
    return buf;
}

/* deepseek2's keys and layers with the fixed MLA shape of gguf_writer.h (the common keys are written already). */
enum { DS_RANK = 32, DS_NOPE = 32, DS_ROPE = 16, DS_V = 32 };

static void deepseek2_layers(Builder *b) {
    const ModelSpec *s = b->s;
    int64_t E = s->n_embd, H = s->n_head;
    char n[96];
    key_u32(b, "attention.key_length", DS_RANK + DS_ROPE); /* as current converters write the split layout */
    key_u32(b, "attention.value_length", DS_RANK);
    key_u32(b, "attention.key_length_mla", DS_NOPE + DS_ROPE);
    key_u32(b, "attention.value_length_mla", DS_V);
    key_u32(b, "attention.kv_lora_rank", DS_RANK);
    if (s->q_lora) key_u32(b, "attention.q_lora_rank", s->q_lora);
    key_u32(b, "rope.dimension_count", DS_ROPE);
    key_u32(b, "leading_dense_block_count", 1);
    key_u32(b, "expert_shared_count", 1);
    key_f32(b, "expert_weights_scale", 2.5f);
    key_u32(b, "expert_gating_func", s->sigmoid_bias ? 2 : 1);
    key_u32(b, "expert_group_count", 2);
    key_u32(b, "expert_group_used_count", 1);
    char key[128];
    snprintf(key, sizeof key, "%s.rope.scaling.type", s->arch);
    gw_str(b->w, key, "yarn");
    key_f32(b, "rope.scaling.factor", 4.0f);
    key_u32(b, "rope.scaling.original_context_length", 32);
    key_f32(b, "rope.scaling.yarn_log_multiplier", 0.1f);
    for (int i = 0; i < s->n_layer; i++) {
        vector(b, blk(n, i, "attn_norm.weight"), E, 1.0f, 0.1f);
        vector(b, blk(n, i, "ffn_norm.weight"), E, 1.0f, 0.1f);
        if (s->q_lora) {
            matrix(b, blk(n, i, "attn_q_a.weight"), E, s->q_lora);
            vector(b, blk(n, i, "attn_q_a_norm.weight"), s->q_lora, 1.0f, 0.1f);
            matrix(b, blk(n, i, "attn_q_b.weight"), s->q_lora, H * (DS_NOPE + DS_ROPE));
        } else {
            matrix(b, blk(n, i, "attn_q.weight"), E, H * (DS_NOPE + DS_ROPE));
        }
        matrix(b, blk(n, i, "attn_kv_a_mqa.weight"), E, DS_RANK + DS_ROPE);
        vector(b, blk(n, i, "attn_kv_a_norm.weight"), DS_RANK, 1.0f, 0.1f);
        if (s->kv_b_combined) {
            matrix(b, blk(n, i, "attn_kv_b.weight"), DS_RANK, H * (DS_NOPE + DS_V));
        } else {
            tensor(b, blk(n, i, "attn_k_b.weight"), s->type, 3, DS_NOPE, DS_RANK, H, 0, 1.0f / sqrtf(DS_NOPE));
            tensor(b, blk(n, i, "attn_v_b.weight"), s->type, 3, DS_RANK, DS_V, H, 0, 1.0f / sqrtf(DS_RANK));
        }
        matrix(b, blk(n, i, "attn_output.weight"), H * DS_V, E);
        if (i == 0) {
            matrix(b, blk(n, i, "ffn_gate.weight"), E, s->n_ff);
            matrix(b, blk(n, i, "ffn_up.weight"), E, s->n_ff);
            matrix(b, blk(n, i, "ffn_down.weight"), s->n_ff, E);
            continue;
        }
        tensor(b, blk(n, i, "ffn_gate_inp.weight"), s->type, 2, E, s->n_expert, 1, 0, 2.0f / sqrtf((float)E));
        if (s->sigmoid_bias) vector(b, blk(n, i, "exp_probs_b.bias"), s->n_expert, 0, 0.1f);
        experts(b, blk(n, i, "ffn_gate_exps.weight"), E, s->n_ff_exp);
        experts(b, blk(n, i, "ffn_up_exps.weight"), E, s->n_ff_exp);
        experts(b, blk(n, i, "ffn_down_exps.weight"), s->n_ff_exp, E);
        matrix(b, blk(n, i, "ffn_gate_shexp.weight"), E, s->n_ff_exp);
        matrix(b, blk(n, i, "ffn_up_shexp.weight"), E, s->n_ff_exp);
        matrix(b, blk(n, i, "ffn_down_shexp.weight"), s->n_ff_exp, E);
    }
}

uint8_t *build_model(const ModelSpec *s, size_t *size) {
    Builder b = {s, gw_new(s->alignment), {s->seed}};
    int qwen2 = !strcmp(s->arch, "qwen2moe"), qwen3 = !strcmp(s->arch, "qwen3moe"), llama = !strcmp(s->arch, "llama");
    if (!s->skip_key || strcmp(s->skip_key, "general.architecture")) gw_str(b.w, "general.architecture", s->arch);
    gw_str(b.w, "general.name", "test \"model\" \xc3\xa9");
    key_u32(&b, "context_length", s->context_length);
    key_u32(&b, "embedding_length", s->n_embd);
    key_u32(&b, "block_count", s->n_layer);
    if (s->n_ff) key_u32(&b, "feed_forward_length", s->n_ff);
    key_u32(&b, "attention.head_count", s->n_head);
    key_u32(&b, "attention.head_count_kv", s->n_head_kv);
    if (s->write_head_dim) {
        key_u32(&b, "attention.key_length", s->head_dim);
        key_u32(&b, "attention.value_length", s->head_dim);
    }
    key_f32(&b, "attention.layer_norm_rms_epsilon", llama ? 1e-5f : 1e-6f);
    key_f32(&b, "rope.freq_base", llama ? 10000.0f : 1000000.0f);
    if (s->n_expert) {
        key_u32(&b, "expert_count", s->n_expert);
        key_u32(&b, "expert_used_count", s->n_expert_used);
        if (!llama) key_u32(&b, "expert_feed_forward_length", s->n_ff_exp);
        if (qwen2) key_u32(&b, "expert_shared_feed_forward_length", s->n_ff_shexp);
    }
    /* a vocabulary, for the metadata getters */
    const char **tokens = xrealloc(NULL, (size_t)s->n_vocab * sizeof *tokens);
    char (*names)[16] = xrealloc(NULL, (size_t)s->n_vocab * sizeof *names);
    float *scores = xrealloc(NULL, (size_t)s->n_vocab * sizeof *scores);
    int32_t *types = xrealloc(NULL, (size_t)s->n_vocab * sizeof *types);
    for (int i = 0; i < s->n_vocab; i++) {
        snprintf(names[i], sizeof names[i], i == 1 ? "\xe2\x96\x81" "a" : "t%d", i);
        tokens[i] = names[i], scores[i] = -(float)i, types[i] = 1;
    }
    gw_str_array(b.w, "tokenizer.ggml.tokens", tokens, s->n_vocab);
    gw_f32_array(b.w, "tokenizer.ggml.scores", scores, s->n_vocab);
    gw_i32_array(b.w, "tokenizer.ggml.token_type", types, s->n_vocab);
    free(tokens), free(names), free(scores), free(types);

    int64_t E = s->n_embd, hd = s->head_dim, q = s->n_head * hd, kv = s->n_head_kv * hd;
    char n[96];
    matrix(&b, "token_embd.weight", E, s->n_vocab);
    vector(&b, "output_norm.weight", E, 1.0f, 0.1f);
    if (!s->tied) matrix(&b, "output.weight", E, s->n_vocab);
    if (!strcmp(s->arch, "deepseek2")) {
        deepseek2_layers(&b);
        return gw_finish(b.w, size);
    }
    for (int i = 0; i < s->n_layer; i++) {
        vector(&b, blk(n, i, "attn_norm.weight"), E, 1.0f, 0.1f);
        vector(&b, blk(n, i, "ffn_norm.weight"), E, 1.0f, 0.1f);
        matrix(&b, blk(n, i, "attn_q.weight"), E, q);
        matrix(&b, blk(n, i, "attn_k.weight"), E, kv);
        matrix(&b, blk(n, i, "attn_v.weight"), E, kv);
        matrix(&b, blk(n, i, "attn_output.weight"), q, E);
        if (qwen2 && s->qkv_bias) {
            vector(&b, blk(n, i, "attn_q.bias"), q, 0, 0.1f);
            vector(&b, blk(n, i, "attn_k.bias"), kv, 0, 0.1f);
            vector(&b, blk(n, i, "attn_v.bias"), kv, 0, 0.1f);
        }
        if (qwen3) {
            vector(&b, blk(n, i, "attn_q_norm.weight"), hd, 1.0f, 0.1f);
            vector(&b, blk(n, i, "attn_k_norm.weight"), hd, 1.0f, 0.1f);
        }
        if (!s->n_expert) {
            matrix(&b, blk(n, i, "ffn_gate.weight"), E, s->n_ff);
            matrix(&b, blk(n, i, "ffn_up.weight"), E, s->n_ff);
            matrix(&b, blk(n, i, "ffn_down.weight"), s->n_ff, E);
            continue;
        }
        int64_t F = llama ? s->n_ff : s->n_ff_exp;
        tensor(&b, blk(n, i, "ffn_gate_inp.weight"), s->type, 2, E, s->n_expert, 1, 0, 2.0f / sqrtf((float)E));
        experts(&b, blk(n, i, "ffn_gate_exps.weight"), E, F);
        experts(&b, blk(n, i, "ffn_up_exps.weight"), E, F);
        experts(&b, blk(n, i, "ffn_down_exps.weight"), F, E);
        if (qwen2) {
            matrix(&b, blk(n, i, "ffn_gate_shexp.weight"), E, s->n_ff_shexp);
            matrix(&b, blk(n, i, "ffn_up_shexp.weight"), E, s->n_ff_shexp);
            matrix(&b, blk(n, i, "ffn_down_shexp.weight"), s->n_ff_shexp, E);
            tensor(&b, blk(n, i, "ffn_gate_inp_shexp.weight"), s->type, 1, E, 1, 1, 0, 1.0f / sqrtf((float)E));
        }
    }
    return gw_finish(b.w, size);
}
