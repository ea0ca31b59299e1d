/* AVX2+FMA+F16C and AVX-512F kernels. Each dequantizes 32 values of the weight row into registers, then
 * multiply-adds them with every activation row; the weight row is read once for all nt rows. */
#include <immintrin.h>

#include "kernels_x86.h"

#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma,f16c")))
#define AVX512_TARGET __attribute__((target("avx512f,avx2,fma,f16c")))
#define AVX512_INLINE static inline __attribute__((always_inline, target("avx512f,avx2,fma,f16c")))

/* ---- AVX2: 32 values = four vectors of 8 ---------------------------------------------------------------- */

/* Values [i, i + 32) of row w (i a multiple of 32). */
AVX2_INLINE void load32_avx2(uint32_t type, const uint8_t *w, int64_t i, __m256 v[4]) {
    switch (type) {
    case GGML_TYPE_F32:
        for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_ps((const float *)(w + 4 * (i + 8 * k)));
        break;
    case GGML_TYPE_F16:
        for (int k = 0; k < 4; k++) v[k] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * (i + 8 * k))));
        break;
    case GGML_TYPE_BF16:
        for (int k = 0; k < 4; k++) {
            __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * (i + 8 * k))));
            v[k] = _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
        }
        break;
    case GGML_TYPE_Q8_0: {
        const uint8_t *b = w + i / QK * 34;
        __m256 d = _mm256_set1_ps(_cvtsh_ss(load_u16(b)));
        for (int k = 0; k < 4; k++) {
            __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b + 2 + 8 * k)));
            v[k] = _mm256_mul_ps(_mm256_cvtepi32_ps(q), d);
        }
        break;
    }
    case GGML_TYPE_Q4_0: {
        const uint8_t *b = w + i / QK * 18;
        float df = _cvtsh_ss(load_u16(b));
        __m256 d = _mm256_set1_ps(df), minus_8d = _mm256_set1_ps(-8.0f * df);
        __m128i qs = _mm_loadu_si128((const __m128i *)(b + 2)), mask = _mm_set1_epi8(0x0f);
        __m128i lo = _mm_and_si128(qs, mask), hi = _mm_and_si128(_mm_srli_epi16(qs, 4), mask);
        __m128i nib[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
        for (int k = 0; k < 4; k++) {
            __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(nib[k]));
            v[k] = _mm256_fmadd_ps(q, d, minus_8d); /* (q - 8) * d exactly (all terms exact; 0 is +0) */
        }
        break;
    }
    }
}

AVX2_INLINE float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* nt is a constant in every instantiation, so the accumulators stay in registers. */
AVX2_INLINE void dot_avx2(uint32_t type, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n,
                          float *out) {
    __m256 acc[MAX_NT][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    int64_t n32 = n / 32 * 32;
    for (int64_t i = 0; i < n32; i += 32) {
        __m256 v[4];
        load32_avx2(type, w, i, v);
        for (int t = 0; t < nt; t++) {
            const float *xt = x + t * ldx + i;
            acc[t][0] = _mm256_fmadd_ps(v[0], _mm256_loadu_ps(xt), acc[t][0]);
            acc[t][1] = _mm256_fmadd_ps(v[1], _mm256_loadu_ps(xt + 8), acc[t][1]);
            acc[t][0] = _mm256_fmadd_ps(v[2], _mm256_loadu_ps(xt + 16), acc[t][0]);
            acc[t][1] = _mm256_fmadd_ps(v[3], _mm256_loadu_ps(xt + 24), acc[t][1]);
        }
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(_mm256_add_ps(acc[t][0], acc[t][1]));
    if (n32 < n) dot_chunk(type_traits(type), w, x, ldx, nt, n32, n - n32, out);
}

/* ---- AVX-512F: 32 values = two vectors of 16 ------------------------------------------------------------ */

AVX512_INLINE void load32_avx512(uint32_t type, const uint8_t *w, int64_t i, __m512 v[2]) {
    switch (type) {
    case GGML_TYPE_F32:
        for (int k = 0; k < 2; k++) v[k] = _mm512_loadu_ps((const float *)(w + 4 * (i + 16 * k)));
        break;
    case GGML_TYPE_F16:
        for (int k = 0; k < 2; k++)
            v[k] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 2 * (i + 16 * k))));
        break;
    case GGML_TYPE_BF16:
        for (int k = 0; k < 2; k++) {
            __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w + 2 * (i + 16 * k))));
            v[k] = _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
        }
        break;
    case GGML_TYPE_Q8_0: {
        const uint8_t *b = w + i / QK * 34;
        __m512 d = _mm512_set1_ps(_cvtsh_ss(load_u16(b)));
        for (int k = 0; k < 2; k++) {
            __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 2 + 16 * k)));
            v[k] = _mm512_mul_ps(_mm512_cvtepi32_ps(q), d);
        }
        break;
    }
    case GGML_TYPE_Q4_0: {
        const uint8_t *b = w + i / QK * 18;
        float df = _cvtsh_ss(load_u16(b));
        __m512 d = _mm512_set1_ps(df), minus_8d = _mm512_set1_ps(-8.0f * df);
        __m128i qs = _mm_loadu_si128((const __m128i *)(b + 2)), mask = _mm_set1_epi8(0x0f);
        __m128i nib[2] = {_mm_and_si128(qs, mask), _mm_and_si128(_mm_srli_epi16(qs, 4), mask)};
        for (int k = 0; k < 2; k++) {
            __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(nib[k]));
            v[k] = _mm512_fmadd_ps(q, d, minus_8d);
        }
        break;
    }
    }
}

AVX512_INLINE void dot_avx512(uint32_t type, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n,
                              float *out) {
    __m512 acc[MAX_NT][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm512_setzero_ps();
    int64_t n32 = n / 32 * 32;
    for (int64_t i = 0; i < n32; i += 32) {
        __m512 v[2];
        load32_avx512(type, w, i, v);
        for (int t = 0; t < nt; t++) {
            const float *xt = x + t * ldx + i;
            acc[t][0] = _mm512_fmadd_ps(v[0], _mm512_loadu_ps(xt), acc[t][0]);
            acc[t][1] = _mm512_fmadd_ps(v[1], _mm512_loadu_ps(xt + 16), acc[t][1]);
        }
    }
    for (int t = 0; t < nt; t++) out[t] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]));
    if (n32 < n) dot_chunk(type_traits(type), w, x, ldx, nt, n32, n - n32, out);
}

/* ---- one exported function per path and type, specialised on nt ------------------------------------------ */

#define DEFINE_DOT(path, name, type)                                                                             \
    path##_TARGET void dot_##path##_##name(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n,      \
                                           float *out) {                                                         \
        switch (nt) {                                                                                            \
        case 1: dot_##path(type, w, x, ldx, 1, n, out); break;                                                   \
        case 2: dot_##path(type, w, x, ldx, 2, n, out); break;                                                   \
        case 3: dot_##path(type, w, x, ldx, 3, n, out); break;                                                   \
        default: dot_##path(type, w, x, ldx, 4, n, out); break;                                                  \
        }                                                                                                        \
    }

#define avx2_TARGET AVX2_TARGET
#define avx512_TARGET AVX512_TARGET
#define DEFINE_DOTS(path)                                                                                        \
    DEFINE_DOT(path, f32, GGML_TYPE_F32)                                                                         \
    DEFINE_DOT(path, f16, GGML_TYPE_F16)                                                                         \
    DEFINE_DOT(path, q4_0, GGML_TYPE_Q4_0)                                                                       \
    DEFINE_DOT(path, q8_0, GGML_TYPE_Q8_0)                                                                       \
    DEFINE_DOT(path, bf16, GGML_TYPE_BF16)

DEFINE_DOTS(avx2)
DEFINE_DOTS(avx512)
