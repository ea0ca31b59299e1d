/* Matrix products y = W x for a batch of activation rows, split over the thread pool by blocks of output
 * rows. Several independent products (say, the gate and up matrices of every active expert) run in one
 * pool_run. Each weight row is read from memory once per product, whatever the number of activation rows. */
#ifndef MOE_MATMUL_H
#define MOE_MATMUL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "threadpool.h"

/* A weight matrix of n_out rows of n_in values (GGUF dims [n_in, n_out]). */
typedef struct {
    const uint8_t *data;
    uint32_t type;
    int64_t n_in, n_out;
    size_t row_bytes;
} Mat;

/* y[t * w.n_out + r] = (row r of w) . x[t * w.n_in ..] for t < nt. */
typedef struct {
    Mat w;
    const float *x;
    float *y;
    int nt;
    int exact;           /* 1: always the exact fp32 kernels (e.g. the MoE router, whose top-k must not flip) */
    int64_t first_unit;  /* filled by matmul */
    int64_t unit_rows;   /* filled by matmul: output rows per unit of work */
    const BlockQ8A *xq;  /* filled by matmul: x quantized (kernels with dotq for this type), else NULL */
    int64_t first_qrow;  /* filled by matmul: this job quantizes x (first of the jobs sharing it), else -1 */
} MatJob;

/* Room for activations quantized by the -q8a paths, allocated once with the caller's other scratch buffers. */
typedef struct {
    BlockQ8A *blocks;
    int64_t cap; /* blocks */
} Q8Scratch;

/* With a path that quantizes activations, each distinct input of the jobs (same x, n_in, and nt no larger than
 * the first job's) is quantized once into scratch before the products; a job whose input does not fit (or with
 * scratch NULL) uses the path's exact fp32 kernel instead. */
void matmul(ThreadPool *pool, const Kernels *kernels, MatJob *jobs, int n_jobs, Q8Scratch *scratch);

#endif
