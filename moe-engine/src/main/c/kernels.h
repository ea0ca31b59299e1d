/* Dot-product kernels: one weight row of any supported type against up to MAX_NT activation rows.
 *
 * The exact paths "scalar" (always), "avx2" (AVX2+FMA+F16C) and "avx512" (AVX-512F) dequantize quantized rows
 * a block (K-quants: a sub-block of 32, or on the scalar path a super-block of 256) at a time into registers or
 * a buffer and multiply with x in fp32; activations are never quantized. The SIMD ones are compiled with
 * function-level target attributes and chosen at run time, so one library runs on every x86-64 CPU.
 *
 * The paths "avx2-q8a" and "avx512-q8a" ("activations quantized to 8 bits") do the same for F32/F16/BF16
 * weights, but for Q4_0, Q8_0, Q4_K, Q5_K and Q6_K weights a matrix product first quantizes each activation row
 * once to blocks of 32 int8 with one float scale (BlockQ8A), then every block's dot product is an exact integer
 * sum, scaled by d_w * d_x and accumulated in fp32 (dotq). For the K-quants a block of activations meets one
 * sub-block of 32 weights: its integer sum carries the sub-block's integer scale (Q6_K: one per 16 values), is
 * scaled by fl(d * d_x), and for Q4_K/Q5_K fl(dmin * d_x) * min * (sum of the block's q) is subtracted. That
 * reads the same weight bytes with far fewer instructions; the price is the activation rounding error: each x_i is
 * replaced by d_x * q_i with
 * |x_i - d_x q_i| <= d_x (1/2 + 400 u), d_x = max|x in its block| / 127, u = 2^-24 (see quantize_q8a).
 * dot_q8a_ref is the scalar reference of the same integer math (tests).
 *
 * For a given path the result for activation row t does not depend on nt or on the other rows: each row
 * has its own accumulators and the same operation order (batched and single-token runs agree bitwise). */
#ifndef MOE_KERNELS_H
#define MOE_KERNELS_H

#include <stdint.h>

#include "ggml_types.h"

#define MAX_NT 4

/* out[t] = sum_i w[i] * x[t * ldx + i] for t < nt (1..MAX_NT), i < n; w is a row of n values. */
typedef void (*DotFn)(const uint8_t *w, const float *x, int64_t ldx, int nt, int64_t n, float *out);

/* 32 activations quantized: x_i ~ d * q[i], |q[i]| <= 127 (never -128, so the sign trick cannot overflow).
 * qsum = q[0] + ... + q[31] (exact), next to d so that the K-quant kernels load both of 8 blocks with 8 loads (the
 * min terms of Q4_K/Q5_K need it). qsum8[k] = 8 * (q[4k] + q[4k + 1] + q[4k + 2] + q[4k + 3]) (exact; 0 when
 * q = 0): the Q4_0 kernels multiply the unsigned nibbles u_i = w_i + 8 with q and subtract it from each group of
 * four products, which gives the exact sums of w_i q_i over the same groups as the signed form. */
typedef struct {
    float d;
    int32_t qsum;
    int8_t q[QK];
    int32_t qsum8[QK / 4];
} BlockQ8A;

/* out[t] = sum over the blocks b of row w of (integer dot of block b with xq[t * ldxq + b]) * (d_w * d_x), for
 * t < nt (1..MAX_NT); n is a multiple of QK. */
typedef void (*DotQFn)(const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n, float *out);

#define MAX_PATHS 5

typedef struct {
    const char *name;
    DotFn dot[N_TYPE_SLOTS];   /* by TypeTraits.slot: exact fp32-activation kernels, on every path */
    DotQFn dotq[N_TYPE_SLOTS]; /* non-NULL where this path quantizes the activations for that weight type */
    void (*quantize)(const float *x, BlockQ8A *out, int64_t n); /* with dotq: n a multiple of QK */
} Kernels;

/* "auto" (the best this CPU runs), "avx512-q8a", "avx512", "avx2-q8a", "avx2" or "scalar"; NULL if unknown or
 * not supported here. */
const Kernels *kernels_get(const char *name);
/* The paths this CPU runs, best first; returns how many (at most MAX_PATHS). */
int kernels_supported(const char *names[MAX_PATHS]);
/* The best exact (fp32-activation) path this CPU runs. */
const Kernels *kernels_best_exact(void);

/* The reference quantizer (every path's quantize gives the same bits): per block, amax = max |x_i|; a block
 * with amax < 1e-30 (or all zeros) gets d = 0, q = 0; a block holding a NaN or infinity gets d = NaN, q = 0;
 * otherwise d = amax / 127 and q_i = round-half-even(x_i * (127 / amax)), all in fp32; qsum, qsum8 from q as above. */
void quantize_q8a_ref(const float *x, BlockQ8A *out, int64_t n);
/* The reference integer dot of one weight row (Q4_0, Q8_0, Q4_K, Q5_K or Q6_K) with quantized rows: per block the
 * exact int32 sum of w_int * q times fp32(d_w * d_x), accumulated in double (so it differs from dotq only by dotq's
 * fp32 accumulation). K-quants, per block b (sub-block b % 8 of super-block b / 8): the int32 sum of
 * scale_i * u_i * q_i (u the stored quant: Q4_K 0..15, Q5_K 0..31, Q6_K -32..31; scale_i the integer scale of
 * value i's sub-block) times fl(d * d_x), minus (Q4_K/Q5_K) min * sum_i q_i times fl(dmin * d_x). */
void dot_q8a_ref(uint32_t type, const uint8_t *w, const BlockQ8A *xq, int64_t ldxq, int nt, int64_t n,
                 double *out);

#endif
