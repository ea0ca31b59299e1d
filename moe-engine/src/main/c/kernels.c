#include "kernels.h"

#include <string.h>

#include "kernels_x86.h"

void dot_chunk(const TypeTraits *tr, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t i,
                      int64_t len, float *out) {
    float buf[QK_K];
    tr->to_float(w + type_bytes(tr, i), buf, len);
    for (int t = 0; t < nt; t++) {
        const float *xt = x + t * ldx + i;
        float acc = 0.0f;
        for (int64_t j = 0; j < len; j++) acc += buf[j] * xt[j];
        out[t] += acc;
    }
}

/* The scalar path: dequantize QK values (a K-quant: a super-block of QK_K) at a time, multiply-add in fp32. Also
 * the SIMD paths' tail. */
static void dot_scalar(uint32_t type, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out) {
    const TypeTraits *tr = type_traits(type);
    const int64_t step = tr->block > QK ? tr->block : QK;
    for (int t = 0; t < nt; t++) out[t] = 0.0f;
    for (int64_t i = 0; i < n; i += step) dot_chunk(tr, w, x, ldx, nt, i, n - i < step ? n - i : step, out);
}

#define SCALAR_DOT(name, type)                                                                                  \
    static void dot_scalar_##name(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out) { \
        dot_scalar(type, w, x, ldx, nt, n, out);                                                                \
    }
SCALAR_DOT(f32, GGML_TYPE_F32)
SCALAR_DOT(f16, GGML_TYPE_F16)
SCALAR_DOT(q4_0, GGML_TYPE_Q4_0)
SCALAR_DOT(q8_0, GGML_TYPE_Q8_0)
SCALAR_DOT(bf16, GGML_TYPE_BF16)
SCALAR_DOT(q4_k, GGML_TYPE_Q4_K)
SCALAR_DOT(q5_k, GGML_TYPE_Q5_K)
SCALAR_DOT(q6_k, GGML_TYPE_Q6_K)

/* ---- activations quantized to 8 bits: the reference ------------------------------------------------------ */

#include <math.h>

void quantize_q8a_ref(const float *x, BlockQ8A *out, int64_t n) {
    for (int64_t b = 0; b < n / QK; b++) {
        const float *xb = x + b * QK;
        BlockQ8A *o = &out[b];
        float amax = 0.0f;
        int finite = 1;
        for (int i = 0; i < QK; i++) {
            finite &= isfinite(xb[i]) != 0;
            amax = fabsf(xb[i]) > amax ? fabsf(xb[i]) : amax;
        }
        memset(o->q, 0, QK);
        if (!finite) {
            o->d = NAN;
        } else if (!(amax >= 1e-30f)) {
            o->d = 0.0f;
        } else {
            float id = 127.0f / amax;
            o->d = amax / 127.0f;
            for (int i = 0; i < QK; i++) o->q[i] = (int8_t)nearbyintf(xb[i] * id); /* |x * id| <= 127 (1 + 2u) */
        }
        o->qsum = 0;
        for (int k = 0; k < QK / 4; k++) {
            o->qsum8[k] = 8 * (o->q[4 * k] + o->q[4 * k + 1] + o->q[4 * k + 2] + o->q[4 * k + 3]);
            o->qsum += o->qsum8[k] / 8;
        }
    }
}

/* The weight's integers and scale of block b: w_int[i] in -128..127 (Q8_0) or -8..7 (Q4_0). */
static float weight_block(uint32_t type, const uint8_t *w, int64_t b, int w_int[QK]) {
    if (type == GGML_TYPE_Q8_0) {
        const uint8_t *p = w + b * 34;
        for (int i = 0; i < QK; i++) w_int[i] = (int8_t)p[2 + i];
        return fp16_to_fp32(load_u16(p));
    }
    const uint8_t *p = w + b * 18;
    for (int i = 0; i < QK / 2; i++) {
        w_int[i] = (p[2 + i] & 0x0f) - 8;
        w_int[i + QK / 2] = (p[2 + i] >> 4) - 8;
    }
    return fp16_to_fp32(load_u16(p));
}

/* Sub-block j (values 32 j .. 32 j + 31) of super-block p of a K-quant: the quants u[i] (0..15 Q4_K, 0..31 Q5_K,
 * -32..31 Q6_K), the integer scale of each value (Q6_K: one per 16 values), the min (0 for Q6_K) and the fp32
 * super-block scales d and dmin (0 for Q6_K). */
static void k_sub_block(uint32_t type, const uint8_t *p, int j, int u[QK], int scale[QK], int *min, float *d,
                        float *dmin) {
    if (type == GGML_TYPE_Q6_K) {
        int c = j / 4, g = j % 4;
        for (int l = 0; l < QK; l++) {
            int lo = p[64 * c + 32 * (g % 2) + l] >> 4 * (g / 2) & 0x0f, hi = p[128 + 32 * c + l] >> 2 * g & 3;
            u[l] = (lo | hi << 4) - 32;
            scale[l] = (int8_t)p[192 + 2 * j + l / 16];
        }
        *min = 0;
        *d = fp16_to_fp32(load_u16(p + 208));
        *dmin = 0.0f;
        return;
    }
    int five = type == GGML_TYPE_Q5_K;
    uint64_t sc, mn;
    k_scales_mins(p + 4, &sc, &mn);
    const uint8_t *qs = p + (five ? 48 : 16) + 32 * (j / 2), *qh = p + 16;
    for (int l = 0; l < QK; l++) {
        u[l] = (j & 1 ? qs[l] >> 4 : qs[l] & 0x0f) | (five ? (qh[l] >> j & 1) << 4 : 0);
        scale[l] = (uint8_t)(sc >> 8 * j);
    }
    *min = (uint8_t)(mn >> 8 * j);
    *d = fp16_to_fp32(load_u16(p));
    *dmin = fp16_to_fp32(load_u16(p + 2));
}

void dot_q8a_ref(uint32_t type, const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,
                 double *out) {
    for (int t = 0; t < nt; t++) out[t] = 0.0;
    const TypeTraits *tr = type_traits(type);
    for (int64_t b = 0; b < n / QK; b++) {
        int w_int[QK], scale[QK], min = 0;
        float dw, dmin = 0.0f;
        if (tr->block == QK_K)
            k_sub_block(type, w + b / 8 * tr->block_bytes, (int)(b % 8), w_int, scale, &min, &dw, &dmin);
        else
            dw = weight_block(type, w, b, w_int);
        for (int t = 0; t < nt; t++) {
            const BlockQ8A *x = &xq[t * ldxq + b];
            int32_t isum = 0, qsum = 0;
            for (int i = 0; i < QK; i++) {
                isum += w_int[i] * x->q[i] * (tr->block == QK_K ? scale[i] : 1);
                qsum += x->q[i];
            }
            float d = dw * x->d; /* rounded to fp32 exactly as the kernels do */
            out[t] += (double)isum * d;
            if (min) out[t] -= (double)(min * qsum) * (float)(dmin * x->d);
        }
    }
}

/* Slot order of ggml_types.c: F32, F16, Q4_0, Q8_0, BF16, Q4_K, Q5_K, Q6_K. */
#define AVX512_DOTS                                                                                              \
    {dot_avx512_f32, dot_avx512_f16, dot_avx512_q4_0, dot_avx512_q8_0, dot_avx512_bf16, dot_avx512_q4_k,          \
     dot_avx512_q5_k, dot_avx512_q6_k}
#define AVX2_DOTS                                                                                                \
    {dot_avx2_f32, dot_avx2_f16, dot_avx2_q4_0, dot_avx2_q8_0, dot_avx2_bf16, dot_avx2_q4_k, dot_avx2_q5_k,       \
     dot_avx2_q6_k}
/* AVX-512F adds nothing the 256-bit integer sums need (no VNNI assumed), so both -q8a paths share them. */
#define AVX2_DOTQ {NULL, NULL, dotq_avx2_q4_0, dotq_avx2_q8_0, NULL, dotq_avx2_q4_k, dotq_avx2_q5_k, dotq_avx2_q6_k}

static const Kernels PATHS[MAX_PATHS] = {
    {"avx512-q8a", AVX512_DOTS, AVX2_DOTQ, quantize_q8a_avx2},
    {"avx512", AVX512_DOTS, {0}, NULL},
    {"avx2-q8a", AVX2_DOTS, AVX2_DOTQ, quantize_q8a_avx2},
    {"avx2", AVX2_DOTS, {0}, NULL},
    {"scalar",
     {dot_scalar_f32, dot_scalar_f16, dot_scalar_q4_0, dot_scalar_q8_0, dot_scalar_bf16, dot_scalar_q4_k,
      dot_scalar_q5_k, dot_scalar_q6_k},
     {0},
     NULL},
};

static int cpu_runs(int path) {
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    switch (path) {
    case 0:
    case 1: return avx2 && __builtin_cpu_supports("avx512f");
    case 2:
    case 3: return avx2;
    default: return 1;
    }
}

int kernels_supported(const char *names[MAX_PATHS]) {
    int n = 0;
    for (int p = 0; p < MAX_PATHS; p++)
        if (cpu_runs(p)) names[n++] = PATHS[p].name;
    return n;
}

const Kernels *kernels_get(const char *name) {
    for (int p = 0; p < MAX_PATHS; p++)
        if (cpu_runs(p) && (!strcmp(name, "auto") || !strcmp(name, PATHS[p].name))) return &PATHS[p];
    return NULL;
}

const Kernels *kernels_best_exact(void) {
    for (int p = 0; p < MAX_PATHS; p++)
        if (cpu_runs(p) && !PATHS[p].quantize) return &PATHS[p];
    return NULL;
}
