/* The SIMD kernels of kernels_x86.c; call only on a CPU that has the features (see kernels.c). */
#ifndef MOE_KERNELS_X86_H
#define MOE_KERNELS_X86_H

#include "kernels.h"

#define DECLARE_DOTS(path)                                                                                       \
    void dot_##path##_f32(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);         \
    void dot_##path##_f16(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);         \
    void dot_##path##_q4_0(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);        \
    void dot_##path##_q8_0(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);        \
    void dot_##path##_bf16(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);         \
    void dot_##path##_q4_k(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);        \
    void dot_##path##_q5_k(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);        \
    void dot_##path##_q6_k(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);

/* Adds the products of values [i, i + len) of row w (len <= QK_K, i and len multiples of the block size except
 * for a last partial chunk of F32/F16/BF16) to out[t]: the scalar path's step, and the SIMD paths' tail for rows
 * of F32/F16/BF16 that are not a multiple of QK. */
void dot_chunk(const TypeTraits *tr, const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t i, int64_t len,
               float *out);

DECLARE_DOTS(avx2)
DECLARE_DOTS(avx512)

/* Integer kernels on quantized activations (AVX2; see kernels.h). */
void quantize_q8a_avx2(const float *x, BlockQ8A *out, int64_t n);
void dotq_avx2_q4_0(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);
void dotq_avx2_q8_0(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);
void dotq_avx2_q4_k(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);
void dotq_avx2_q5_k(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);
void dotq_avx2_q6_k(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);

#endif
