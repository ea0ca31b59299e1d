/* AVX2+FMA+F16C and AVX-512F kernels. The exact ones dequantize 32 values of the weight row into registers (for a
 * K-quant: one sub-block, with the fp32 operations of the reference dequantization, so the values are bitwise
 * those of to_float), then multiply-add them with every activation row; the weight row is read once for all nt
 * rows. The integer kernels of the -q8a paths (end of file) multiply 32 int8 weights with 32 int8 activations per
 * block instead. */
#include <immintrin.h>

#include "kernels_x86.h"

#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma,f16c")))
#define AVX512_TARGET __attribute__((target("avx512f,avx2,fma,f16c")))
#define AVX512_INLINE static inline __attribute__((always_inline, target("avx512f,avx2,fma,f16c")))

/* ---- K-quant sub-blocks (shared by the exact paths) ----------------------------------------------------- */

#define IS_K(type) ((type) == GGML_TYPE_Q4_K || (type) == GGML_TYPE_Q5_K || (type) == GGML_TYPE_Q6_K)

/* The fp32 factors of the reference dequantization of the 8 sub-blocks of the K-quant super-block at p:
 * Q4_K/Q5_K value = fl(fl(u * f[j][0]) - f[j][1]) with f[j][0] = fl(d sc_j), f[j][1] = fl(dmin m_j); Q6_K value =
 * fl(q * f[j][0]) for values 0..15 of sub-block j, fl(q * f[j][1]) for 16..31, f[j] = fl(d scales[2 j]),
 * fl(d scales[2 j + 1]). */
static inline void k_factors(uint32_t type, const uint8_t *p, float f[8][2]) {
    if (type == GGML_TYPE_Q6_K) {
        float d = fp16_to_fp32(load_u16(p + 208));
        for (int j = 0; j < 8; j++)
            f[j][0] = d * (float)(int8_t)p[192 + 2 * j], f[j][1] = d * (float)(int8_t)p[193 + 2 * j];
        return;
    }
    uint64_t sc, mn;
    k_scales_mins(p + 4, &sc, &mn);
    float d = fp16_to_fp32(load_u16(p)), dmin = fp16_to_fp32(load_u16(p + 2));
    for (int j = 0; j < 8; j++)
        f[j][0] = d * (float)(uint8_t)(sc >> 8 * j), f[j][1] = dmin * (float)(uint8_t)(mn >> 8 * j);
}

/* Sub-block j (values 32 j .. 32 j + 31) of the K-quant super-block at p, as 32 bytes in value order: the
 * unsigned quants (Q4_K 0..15, Q5_K 0..31) or the signed ones (Q6_K -32..31). */
AVX2_INLINE __m256i k_quants_avx2(uint32_t type, const uint8_t *p, int j) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    if (type == GGML_TYPE_Q6_K) {
        int c = j / 4, g = j % 4;
        __m256i ql = _mm256_loadu_si256((const __m256i *)(p + 64 * c + 32 * (g % 2)));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(p + 128 + 32 * c));
        __m256i lo = _mm256_and_si256(g / 2 ? _mm256_srli_epi16(ql, 4) : ql, low4);
        __m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * g)), _mm256_set1_epi8(3));
        return _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32));
    }
    int five = type == GGML_TYPE_Q5_K;
    __m256i qs = _mm256_loadu_si256((const __m256i *)(p + (five ? 48 : 16) + 32 * (j / 2)));
    __m256i u = _mm256_and_si256(j & 1 ? _mm256_srli_epi16(qs, 4) : qs, low4);
    if (five) { /* bit j of qh[l] -> 16 */
        __m256i bit = _mm256_set1_epi8((char)(1 << j)), qh = _mm256_loadu_si256((const __m256i *)(p + 16));
        __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
        u = _mm256_or_si256(u, _mm256_and_si256(set, _mm256_set1_epi8(16)));
    }
    return u;
}

/* The super-block of a K-quant row that holds value i (its sub-block is i % QK_K / 32). */
#define K_SUPER_BLOCK(type, w, i)                                                                                \
    ((w) + (i) / QK_K * ((type) == GGML_TYPE_Q4_K ? Q4_K_BYTES : (type) == GGML_TYPE_Q5_K ? Q5_K_BYTES : Q6_K_BYTES))

/* ---- AVX2: 32 values = four vectors of 8 ---------------------------------------------------------------- */

/* Values [i, i + 32) of row w (i a multiple of 32); for a K-quant, i is sub-block j of its super-block, whose
 * factors are kf. */
AVX2_INLINE void load32_avx2(uint32_t type, const uint8_t *w, int64_t i, const float kf[8][2], int j, __m256 v[4]) {
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
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
    case GGML_TYPE_Q6_K: {
        const float *f = kf[j];
        __m256i q = k_quants_avx2(type, K_SUPER_BLOCK(type, w, i), j);
        __m128i part[4] = {_mm256_castsi256_si128(q), _mm_srli_si128(_mm256_castsi256_si128(q), 8),
                           _mm256_extracti128_si256(q, 1), _mm_srli_si128(_mm256_extracti128_si256(q, 1), 8)};
        for (int k = 0; k < 4; k++) {
            if (type == GGML_TYPE_Q6_K) {
                __m256 qf = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(part[k]));
                v[k] = _mm256_mul_ps(qf, _mm256_set1_ps(f[k / 2]));
            } else {
                __m256 uf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(part[k]));
                v[k] = _mm256_sub_ps(_mm256_mul_ps(uf, _mm256_set1_ps(f[0])), _mm256_set1_ps(f[1]));
            }
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
    float kf[8][2];
    const int sub = IS_K(type) ? QK_K / 32 : 1; /* K-quants: a super-block's 8 sub-blocks, its factors once */
    for (int64_t i0 = 0; i0 < n32; i0 += 32 * sub) {
        if (IS_K(type)) k_factors(type, K_SUPER_BLOCK(type, w, i0), kf);
#pragma GCC unroll 8
        for (int j = 0; j < sub; j++) {
            int64_t i = i0 + 32 * j;
            __m256 v[4];
            load32_avx2(type, w, i, kf, j, v);
            for (int t = 0; t < nt; t++) {
                const float *xt = x + t * ldx + i;
                acc[t][0] = _mm256_fmadd_ps(v[0], _mm256_loadu_ps(xt), acc[t][0]);
                acc[t][1] = _mm256_fmadd_ps(v[1], _mm256_loadu_ps(xt + 8), acc[t][1]);
                acc[t][0] = _mm256_fmadd_ps(v[2], _mm256_loadu_ps(xt + 16), acc[t][0]);
                acc[t][1] = _mm256_fmadd_ps(v[3], _mm256_loadu_ps(xt + 24), acc[t][1]);
            }
        }
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(_mm256_add_ps(acc[t][0], acc[t][1]));
    if (n32 < n) dot_chunk(type_traits(type), w, x, ldx, nt, n32, n - n32, out);
}

/* ---- AVX-512F: 32 values = two vectors of 16 ------------------------------------------------------------ */

AVX512_INLINE void load32_avx512(uint32_t type, const uint8_t *w, int64_t i, const float kf[8][2], int j,
                                 __m512 v[2]) {
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
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
    case GGML_TYPE_Q6_K: {
        const float *f = kf[j];
        __m256i q = k_quants_avx2(type, K_SUPER_BLOCK(type, w, i), j);
        __m128i half[2] = {_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)};
        for (int k = 0; k < 2; k++) {
            if (type == GGML_TYPE_Q6_K) {
                v[k] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(half[k])), _mm512_set1_ps(f[k]));
            } else {
                __m512 uf = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(half[k]));
                v[k] = _mm512_sub_ps(_mm512_mul_ps(uf, _mm512_set1_ps(f[0])), _mm512_set1_ps(f[1]));
            }
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
    float kf[8][2];
    const int sub = IS_K(type) ? QK_K / 32 : 1; /* K-quants: a super-block's 8 sub-blocks, its factors once */
    for (int64_t i0 = 0; i0 < n32; i0 += 32 * sub) {
        if (IS_K(type)) k_factors(type, K_SUPER_BLOCK(type, w, i0), kf);
#pragma GCC unroll 8
        for (int j = 0; j < sub; j++) {
            int64_t i = i0 + 32 * j;
            __m512 v[2];
            load32_avx512(type, w, i, kf, j, v);
            for (int t = 0; t < nt; t++) {
                const float *xt = x + t * ldx + i;
                acc[t][0] = _mm512_fmadd_ps(v[0], _mm512_loadu_ps(xt), acc[t][0]);
                acc[t][1] = _mm512_fmadd_ps(v[1], _mm512_loadu_ps(xt + 16), acc[t][1]);
            }
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
    DEFINE_DOT(path, bf16, GGML_TYPE_BF16)                                                                       \
    DEFINE_DOT(path, q4_k, GGML_TYPE_Q4_K)                                                                       \
    DEFINE_DOT(path, q5_k, GGML_TYPE_Q5_K)                                                                       \
    DEFINE_DOT(path, q6_k, GGML_TYPE_Q6_K)

DEFINE_DOTS(avx2)
DEFINE_DOTS(avx512)

/* ---- AVX2 integer kernels on activations quantized to 8 bits (kernels.h) ----------------------------------- */

AVX2_TARGET void quantize_q8a_avx2(const float *x, BlockQ8A *out, int64_t n) {
    const __m256 sign = _mm256_set1_ps(-0.0f), fmax = _mm256_set1_ps(3.40282347e38f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t b = 0; b < n / QK; b++) {
        const float *xb = x + b * QK;
        BlockQ8A *o = &out[b];
        __m256 v[4], a[4], bad = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(xb + 8 * k);
            a[k] = _mm256_andnot_ps(sign, v[k]);
            bad = _mm256_or_ps(bad, _mm256_cmp_ps(a[k], fmax, _CMP_NLE_UQ)); /* NaN or infinity */
        }
        __m256 m = _mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3]));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float amax = _mm_cvtss_f32(h);
        if (_mm256_movemask_ps(bad) || !(amax >= 1e-30f)) {
            o->d = _mm256_movemask_ps(bad) ? __builtin_nanf("") : 0.0f;
            o->qsum = 0;
            _mm256_storeu_si256((__m256i *)o->q, _mm256_setzero_si256());
            _mm256_storeu_si256((__m256i *)o->qsum8, _mm256_setzero_si256());
            continue;
        }
        __m256 id = _mm256_set1_ps(127.0f / amax);
        o->d = amax / 127.0f;
        __m256i q[4];
        for (int k = 0; k < 4; k++) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], id)); /* nearest, ties even */
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)o->q, _mm256_permutevar8x32_epi32(p, order));
        /* hadd twice: lanes (q[0] 0..3, q[1] 0..3, q[2] 0..3, q[3] 0..3, then the 4..7 sums); order sorts them */
        __m256i s4 = _mm256_hadd_epi32(_mm256_hadd_epi32(q[0], q[1]), _mm256_hadd_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)o->qsum8, _mm256_slli_epi32(_mm256_permutevar8x32_epi32(s4, order), 3));
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s4), _mm256_extracti128_si256(s4, 1));
        s = _mm_hadd_epi32(s, s);
        o->qsum = _mm_cvtsi128_si32(_mm_hadd_epi32(s, s));
    }
}

/* Block b of a Q8_0 or Q4_0 row as 32 signed integers (lane order = value order), and its scale. */
AVX2_INLINE __m256i wblock_avx2(uint32_t type, const uint8_t *w, int64_t b, float *d) {
    if (type == GGML_TYPE_Q8_0) {
        const uint8_t *p = w + b * 34;
        *d = _cvtsh_ss(load_u16(p));
        return _mm256_loadu_si256((const __m256i *)(p + 2));
    }
    const uint8_t *p = w + b * 18;
    *d = _cvtsh_ss(load_u16(p));
    __m128i qs = _mm_loadu_si128((const __m128i *)(p + 2)); /* byte j: value j (low nibble), j + 16 (high) */
    __m256i nib = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(qs, 4), qs), _mm256_set1_epi8(0x0f));
    return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
}

/* acc += (sum_i w_i q_i, as 8 int32 partial sums) * (d_w * d_x). |w| <= 128 and |q| <= 127: every pair sum of
 * maddubs is at most 2 * 128 * 127 = 32512, so it never saturates; all integer sums are exact. */
AVX2_INLINE __m256 block_fma_avx2(__m256i aw, __m256i wq, const BlockQ8A *x, float dw, __m256 acc) {
    __m256i xv = _mm256_loadu_si256((const __m256i *)x->q);
    __m256i p16 = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(xv, wq));
    __m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p32), _mm256_set1_ps(dw * x->d), acc);
}

/* Two accumulators per row (even and odd blocks) hide the FMA latency when nt is 1. */
AVX2_INLINE void dotq_avx2(uint32_t type, const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,
                           float *out) {
    __m256 acc[MAX_NT][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    int64_t nb = n / QK, b = 0;
    for (; b + 1 < nb; b += 2) {
        float d0, d1;
        __m256i w0 = wblock_avx2(type, w, b, &d0), w1 = wblock_avx2(type, w, b + 1, &d1);
        __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
        for (int t = 0; t < nt; t++) {
            const BlockQ8A *x = xq + t * ldxq + b;
            acc[t][0] = block_fma_avx2(a0, w0, x, d0, acc[t][0]);
            acc[t][1] = block_fma_avx2(a1, w1, x + 1, d1, acc[t][1]);
        }
    }
    if (b < nb) {
        float d0;
        __m256i w0 = wblock_avx2(type, w, b, &d0), a0 = _mm256_abs_epi8(w0);
        for (int t = 0; t < nt; t++) acc[t][0] = block_fma_avx2(a0, w0, xq + t * ldxq + b, d0, acc[t][0]);
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(_mm256_add_ps(acc[t][0], acc[t][1]));
}

/* Q4_0: the nibbles u_i = w_i + 8 (0..15) are maddubs' unsigned operand as they are, so there is no sign trick:
 * maddubs(u, q) gives exact pair sums (at most 2 * 15 * 127 = 3810), madd with ones the 8 lane sums of four
 * products u_i q_i, and subtracting qsum8 (8 * the four q_i) leaves exactly the lane sums of w_i q_i that the
 * signed form gives. The weight scales of 8 blocks are converted by one vcvtph2ps; d_b = fl(d_w * d_x) and the
 * FMA order (block b into accumulator b % 2) are those of dotq_avx2, so the results are bitwise the same. */
AVX2_INLINE __m256i q4_nibbles_avx2(const uint8_t *p) { /* block at p: values 0..15 low nibbles, 16..31 high */
    __m128i qs = _mm_loadu_si128((const __m128i *)(p + 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(qs, 4), qs), _mm256_set1_epi8(0x0f));
}

AVX2_INLINE __m256 q4_block_fma_avx2(__m256i u, const BlockQ8A *x, __m256 dw, __m256 acc) {
    __m256i p16 = _mm256_maddubs_epi16(u, _mm256_loadu_si256((const __m256i *)x->q));
    __m256i p32 = _mm256_sub_epi32(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)),
                                   _mm256_loadu_si256((const __m256i *)x->qsum8));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p32), _mm256_mul_ps(dw, _mm256_broadcast_ss(&x->d)), acc);
}

AVX2_INLINE void dotq4_avx2(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out) {
    __m256 acc[MAX_NT][2];
    for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    int64_t nb = n / QK, b = 0;
    for (; b + 8 <= nb; b += 8) {
        const uint8_t *p = w + b * 18;
        __m128i h = _mm_cvtsi32_si128(load_u16(p));
        h = _mm_insert_epi16(h, load_u16(p + 18), 1);
        h = _mm_insert_epi16(h, load_u16(p + 36), 2);
        h = _mm_insert_epi16(h, load_u16(p + 54), 3);
        h = _mm_insert_epi16(h, load_u16(p + 72), 4);
        h = _mm_insert_epi16(h, load_u16(p + 90), 5);
        h = _mm_insert_epi16(h, load_u16(p + 108), 6);
        h = _mm_insert_epi16(h, load_u16(p + 126), 7);
        /* the 8 scales, each half in both lanes; then one in-lane shuffle per block (no store and reload) */
        __m256 dw = _mm256_cvtph_ps(h), half[2] = {_mm256_permute2f128_ps(dw, dw, 0x00),
                                                   _mm256_permute2f128_ps(dw, dw, 0x11)};
#pragma GCC unroll 4
        for (int j = 0; j < 8; j += 2) { /* even blocks into acc[t][0], odd into acc[t][1] */
            __m256i u0 = q4_nibbles_avx2(p + 18 * j), u1 = q4_nibbles_avx2(p + 18 * (j + 1));
            __m256 d0 = j % 4 == 0 ? _mm256_permute_ps(half[j / 4], 0x00) : _mm256_permute_ps(half[j / 4], 0xaa);
            __m256 d1 = j % 4 == 0 ? _mm256_permute_ps(half[j / 4], 0x55) : _mm256_permute_ps(half[j / 4], 0xff);
            for (int t = 0; t < nt; t++) {
                const BlockQ8A *x = xq + t * ldxq + b + j;
                acc[t][0] = q4_block_fma_avx2(u0, x, d0, acc[t][0]);
                acc[t][1] = q4_block_fma_avx2(u1, x + 1, d1, acc[t][1]);
            }
        }
    }
    for (; b < nb; b++) {
        const uint8_t *p = w + b * 18;
        __m256i u = q4_nibbles_avx2(p);
        __m256 d = _mm256_set1_ps(_cvtsh_ss(load_u16(p)));
        for (int t = 0; t < nt; t++) acc[t][b & 1] = q4_block_fma_avx2(u, xq + t * ldxq + b, d, acc[t][b & 1]);
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(_mm256_add_ps(acc[t][0], acc[t][1]));
}

#define DEFINE_DOTQ(name, type)                                                                                  \
    AVX2_TARGET void dotq_avx2_##name(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,      \
                                      float *out) {                                                              \
        switch (nt) {                                                                                            \
        case 1: dotq_avx2(type, w, xq, ldxq, 1, n, out); break;                                                  \
        case 2: dotq_avx2(type, w, xq, ldxq, 2, n, out); break;                                                  \
        case 3: dotq_avx2(type, w, xq, ldxq, 3, n, out); break;                                                  \
        default: dotq_avx2(type, w, xq, ldxq, 4, n, out); break;                                                 \
        }                                                                                                        \
    }
DEFINE_DOTQ(q8_0, GGML_TYPE_Q8_0)

AVX2_TARGET void dotq_avx2_q4_0(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out) {
    switch (nt) {
    case 1: dotq4_avx2(w, xq, ldxq, 1, n, out); break;
    case 2: dotq4_avx2(w, xq, ldxq, 2, n, out); break;
    case 3: dotq4_avx2(w, xq, ldxq, 3, n, out); break;
    default: dotq4_avx2(w, xq, ldxq, 4, n, out); break;
    }
}

/* ---- AVX2 integer kernels for the K-quants ------------------------------------------------------------------
 *
 * A super-block of 256 weights meets 8 activation blocks (BlockQ8A, 32 values each, own scale d_x). Per activation
 * row and super-block, all in 256-bit integer ops: the 8 sub-blocks' products (maddubs, then madd into 8 int32
 * lane sums each) are reduced by one hadd tree (its first level right after each pair of sub-blocks, to keep few
 * registers live) into one vector whose lane j is sub-block j's exact sum; that is multiplied by the integer
 * scales, converted to fp32 once, and one FMA with the lane vector fl(d * d_x[j]) adds it to the row's
 * accumulator. Q4_K/Q5_K then subtract (one more FMA) min_j * qsum_j (the blocks' sums of q, loaded with their
 * d_x) times fl(dmin * d_x[j]). The terms are exactly dot_q8a_ref's; only the fp32 accumulation differs.
 *
 * Ranges (all exact): Q4_K/Q5_K maddubs pairs |u q| <= 2 * 31 * 127 = 7874; a sub-block's sum times its scale
 * <= 63 * 31 * 127 * 32 = 7.9e6 < 2^24 (exact in fp32), mins times sum q <= 63 * 127 * 32. Q6_K: sign trick as in
 * Q8_0 (|q| <= 32), pairs <= 2 * 32 * 127, madd with the two 16-value scales (|sc| <= 128), a block's sum <=
 * 128 * 32 * 127 * 32 = 16646144 < 2^24. */

/* Lanes j = x[j].d and x[j].qsum of 8 consecutive blocks: one 8-byte load per block. */
AVX2_INLINE void d_qsum_8_avx2(const BlockQ8A *x, __m256 *d, __m256i *qsum) {
    __m128i p01 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)&x[0]), _mm_loadl_epi64((const __m128i *)&x[1]));
    __m128i p23 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)&x[2]), _mm_loadl_epi64((const __m128i *)&x[3]));
    __m128i p45 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)&x[4]), _mm_loadl_epi64((const __m128i *)&x[5]));
    __m128i p67 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)&x[6]), _mm_loadl_epi64((const __m128i *)&x[7]));
    __m256 a = _mm256_castsi256_ps(_mm256_set_m128i(p45, p01)); /* d0 s0 d1 s1 | d4 s4 d5 s5 */
    __m256 b = _mm256_castsi256_ps(_mm256_set_m128i(p67, p23)); /* d2 s2 d3 s3 | d6 s6 d7 s7 */
    *d = _mm256_shuffle_ps(a, b, 0x88);
    *qsum = _mm256_castps_si256(_mm256_shuffle_ps(a, b, 0xdd));
}

/* The second and third levels of the tree: h[c] = hadd(sums of sub-block 2 c, of 2 c + 1); lane j = sub-block j. */
AVX2_INLINE __m256i hsum_tree_avx2(const __m256i h[4]) {
    /* lanes: sub-blocks 0..3, their lanes 0..3 summed | the same of lanes 4..7 */
    __m256i a = _mm256_hadd_epi32(h[0], h[1]), b = _mm256_hadd_epi32(h[2], h[3]);
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

/* Q4_K (five = 0) and Q5_K (five = 1). */
AVX2_INLINE void dotq45k_avx2(int five, const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,
                              float *out) {
    __m256 acc[MAX_NT];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0f), bit4 = _mm256_set1_epi8(0x10), ones = _mm256_set1_epi16(1);
    for (int64_t sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *p = w + sb * (five ? Q5_K_BYTES : Q4_K_BYTES), *qs = p + (five ? 48 : 16);
        const BlockQ8A *x0 = xq + sb * 8;
        __m256i h[MAX_NT][4], qh = five ? _mm256_loadu_si256((const __m256i *)(p + 16)) : _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) { /* qs[32 c + l]: value l of sub-block 2 c (low nibble), of 2 c + 1 (high) */
            __m256i b = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i u0 = _mm256_and_si256(b, low4), u1 = _mm256_and_si256(_mm256_srli_epi16(b, 4), low4);
            if (five) { /* bits 2 c and 2 c + 1 of qh[l], moved to bit 4 (qh shifted right by 2 per c) */
                u0 = _mm256_or_si256(u0, _mm256_and_si256(_mm256_slli_epi16(qh, 4), bit4));
                u1 = _mm256_or_si256(u1, _mm256_and_si256(_mm256_slli_epi16(qh, 3), bit4));
                qh = _mm256_srli_epi16(qh, 2); /* bits 0..1 of each byte stay its own for the 3 shifts used */
            }
            for (int t = 0; t < nt; t++) {
                const BlockQ8A *x = x0 + t * ldxq + 2 * c;
                __m256i x0v = _mm256_loadu_si256((const __m256i *)x[0].q);
                __m256i x1v = _mm256_loadu_si256((const __m256i *)x[1].q);
                __m256i s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(u0, x0v), ones);
                __m256i s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(u1, x1v), ones);
                h[t][c] = _mm256_hadd_epi32(s0, s1);
            }
        }
        __m128 ddm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)load_u32(p))); /* d, dmin */
        __m256 d = _mm256_broadcastss_ps(ddm), dmin = _mm256_broadcastss_ps(_mm_movehdup_ps(ddm));
        uint64_t sc64, mn64;
        k_scales_mins(p + 4, &sc64, &mn64);
        __m256i sc = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc64));
        __m256i mn = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mn64));
        for (int t = 0; t < nt; t++) {
            __m256 dx;
            __m256i qsum;
            d_qsum_8_avx2(x0 + t * ldxq, &dx, &qsum);
            __m256i isum = _mm256_mullo_epi32(hsum_tree_avx2(h[t]), sc), msum = _mm256_mullo_epi32(qsum, mn);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(d, dx), acc[t]);
            acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, dx), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(acc[t]);
}

/* Q6_K: per 32-value group j of a super-block, int16 lanes 0..7 carry scales[2 j], lanes 8..15 scales[2 j + 1]. */
AVX2_INLINE void dotq6k_avx2(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out) {
    __m256 acc[MAX_NT];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0f), m32 = _mm256_set1_epi8(32);
    for (int64_t sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *p = w + sb * Q6_K_BYTES;
        const BlockQ8A *x0 = xq + sb * 8;
        __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(p + 192))); /* scales 0..7 | 8..15 */
        __m256i h[MAX_NT][4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) { /* groups 2 k, 2 k + 1: chunk c = k / 2, g = 2 (k % 2), 2 (k % 2) + 1 */
            int c = k / 2, g0 = 2 * (k % 2);
            __m256i ql0 = _mm256_loadu_si256((const __m256i *)(p + 64 * c));
            __m256i ql1 = _mm256_loadu_si256((const __m256i *)(p + 64 * c + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(p + 128 + 32 * c));
            __m256i u0, u1; /* g = 0, 1: low nibbles, qh bits 0..1, 2..3; g = 2, 3: high nibbles, bits 4..5, 6..7 */
            if (g0 == 0) {
                u0 = _mm256_or_si256(_mm256_and_si256(ql0, low4),
                                     _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x03)), 4));
                u1 = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                     _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x0c)), 2));
            } else {
                u0 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                     _mm256_and_si256(qh, _mm256_set1_epi8(0x30)));
                u1 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                     _mm256_srli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8((char)0xc0)), 2));
            }
            __m256i q0 = _mm256_sub_epi8(u0, m32), q1 = _mm256_sub_epi8(u1, m32);
            __m256i a0 = _mm256_abs_epi8(q0), a1 = _mm256_abs_epi8(q1);
            /* group j = 2 k + i uses scales[2 j], [2 j + 1] = int16 elements e, e + 1 of half j / 4 of s16 */
            __m256i half = k < 2 ? _mm256_permute2x128_si256(s16, s16, 0x00)
                                 : _mm256_permute2x128_si256(s16, s16, 0x11);
            int e0 = 4 * k % 8, e1 = e0 + 2;
            __m256i pick0 = _mm256_setr_epi8(2 * e0, 2 * e0 + 1, 2 * e0, 2 * e0 + 1, 2 * e0, 2 * e0 + 1, 2 * e0,
                                             2 * e0 + 1, 2 * e0, 2 * e0 + 1, 2 * e0, 2 * e0 + 1, 2 * e0, 2 * e0 + 1,
                                             2 * e0, 2 * e0 + 1, 2 * e0 + 2, 2 * e0 + 3, 2 * e0 + 2, 2 * e0 + 3,
                                             2 * e0 + 2, 2 * e0 + 3, 2 * e0 + 2, 2 * e0 + 3, 2 * e0 + 2, 2 * e0 + 3,
                                             2 * e0 + 2, 2 * e0 + 3, 2 * e0 + 2, 2 * e0 + 3, 2 * e0 + 2, 2 * e0 + 3);
            __m256i pick1 = _mm256_add_epi8(pick0, _mm256_set1_epi8((char)(2 * (e1 - e0))));
            __m256i sc0 = _mm256_shuffle_epi8(half, pick0), sc1 = _mm256_shuffle_epi8(half, pick1);
            for (int t = 0; t < nt; t++) {
                const BlockQ8A *x = x0 + t * ldxq + 2 * k;
                __m256i x0v = _mm256_loadu_si256((const __m256i *)x[0].q);
                __m256i x1v = _mm256_loadu_si256((const __m256i *)x[1].q);
                __m256i s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(a0, _mm256_sign_epi8(x0v, q0)), sc0);
                __m256i s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(a1, _mm256_sign_epi8(x1v, q1)), sc1);
                h[t][k] = _mm256_hadd_epi32(s0, s1);
            }
        }
        __m256 d = _mm256_set1_ps(_cvtsh_ss(load_u16(p + 208)));
        for (int t = 0; t < nt; t++) {
            __m256 dx;
            __m256i unused;
            d_qsum_8_avx2(x0 + t * ldxq, &dx, &unused);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hsum_tree_avx2(h[t])), _mm256_mul_ps(d, dx), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[t] = hsum_avx2(acc[t]);
}

#define DEFINE_DOTQ_K(name, call)                                                                                \
    AVX2_TARGET void dotq_avx2_##name(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,      \
                                      float *out) {                                                              \
        switch (nt) {                                                                                            \
        case 1: call(w, xq, ldxq, 1, n, out); break;                                                             \
        case 2: call(w, xq, ldxq, 2, n, out); break;                                                             \
        case 3: call(w, xq, ldxq, 3, n, out); break;                                                             \
        default: call(w, xq, ldxq, 4, n, out); break;                                                            \
        }                                                                                                        \
    }
#define DOTQ4K(...) dotq45k_avx2(0, __VA_ARGS__)
#define DOTQ5K(...) dotq45k_avx2(1, __VA_ARGS__)
DEFINE_DOTQ_K(q4_k, DOTQ4K)
DEFINE_DOTQ_K(q5_k, DOTQ5K)
DEFINE_DOTQ_K(q6_k, dotq6k_avx2)
