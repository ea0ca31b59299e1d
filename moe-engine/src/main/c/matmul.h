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
    int64_t first_unit; /* filled by matmul */
} MatJob;

void matmul(ThreadPool *pool, const Kernels *kernels, MatJob *jobs, int n_jobs);

#endif
