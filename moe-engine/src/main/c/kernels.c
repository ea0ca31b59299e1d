#include "kernels.h"

#include <string.h>

#include "kernels_x86.h"

void dot_chunk(const TypeTraits *tr, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t i,
                      int64_t len, float *out) {
    float buf[QK];
    tr->to_float(w + type_bytes(tr, i), buf, len);
    for (int t = 0; t < nt; t++) {
        const float *xt = x + t * ldx + i;
        float acc = 0.0f;
        for (int64_t j = 0; j < len; j++) acc += buf[j] * xt[j];
        out[t] += acc;
    }
}

/* The scalar path: dequantize QK values at a time, multiply-add in fp32. Also the SIMD paths' tail. */
static void dot_scalar(uint32_t type, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out) {
    const TypeTraits *tr = type_traits(type);
    for (int t = 0; t < nt; t++) out[t] = 0.0f;
    for (int64_t i = 0; i < n; i += QK) dot_chunk(tr, w, x, ldx, nt, i, n - i < QK ? n - i : QK, out);
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

/* Slot order of ggml_types.c: F32, F16, Q4_0, Q8_0, BF16. */
static const Kernels PATHS[3] = {
    {"avx512", {dot_avx512_f32, dot_avx512_f16, dot_avx512_q4_0, dot_avx512_q8_0, dot_avx512_bf16}},
    {"avx2", {dot_avx2_f32, dot_avx2_f16, dot_avx2_q4_0, dot_avx2_q8_0, dot_avx2_bf16}},
    {"scalar", {dot_scalar_f32, dot_scalar_f16, dot_scalar_q4_0, dot_scalar_q8_0, dot_scalar_bf16}},
};

static int cpu_runs(int path) {
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    switch (path) {
    case 0: return avx2 && __builtin_cpu_supports("avx512f");
    case 1: return avx2;
    default: return 1;
    }
}

int kernels_supported(const char *names[3]) {
    int n = 0;
    for (int p = 0; p < 3; p++)
        if (cpu_runs(p)) names[n++] = PATHS[p].name;
    return n;
}

const Kernels *kernels_get(const char *name) {
    for (int p = 0; p < 3; p++)
        if (cpu_runs(p) && (!strcmp(name, "auto") || !strcmp(name, PATHS[p].name))) return &PATHS[p];
    return NULL;
}
