/* Dot-product kernels: one weight row of any supported type against up to MAX_NT float activation rows.
 * Quantized rows are dequantized a block at a time (into registers or a 32-float buffer) and multiplied
 * with x in fp32; activations are never quantized. Three paths share one table layout: "scalar" (always),
 * "avx2" (AVX2+FMA+F16C) and "avx512" (AVX-512F), the SIMD ones compiled with function-level target
 * attributes and chosen at run time, so one library runs on every x86-64 CPU.
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

typedef struct {
    const char *name;
    DotFn dot[N_TYPE_SLOTS]; /* by TypeTraits.slot */
} Kernels;

/* "auto" (the best this CPU runs), "avx512", "avx2" or "scalar"; NULL if unknown or not supported here. */
const Kernels *kernels_get(const char *name);
/* The paths this CPU runs, best first; returns how many (at most 3). */
int kernels_supported(const char *names[3]);

#endif
