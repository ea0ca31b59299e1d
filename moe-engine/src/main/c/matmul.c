#include "matmul.h"

#include <stdatomic.h>

/* Output rows per unit of work. A unit's weight rows (a few KiB each) stay in cache while every group of
 * MAX_NT activation rows passes over them. */
#define UNIT_ROWS 16

typedef struct {
    const Kernels *kernels;
    MatJob *jobs;
    int n_jobs;
    int64_t n_units;
    atomic_llong next_unit;
} MatmulCtx;

static void matmul_unit(const Kernels *k, const MatJob *job, int64_t r0, int64_t r1) {
    const Mat *w = &job->w;
    DotFn dot = k->dot[type_traits(w->type)->slot];
    float out[MAX_NT];
    for (int t0 = 0; t0 < job->nt; t0 += MAX_NT) {
        int nt = job->nt - t0 < MAX_NT ? job->nt - t0 : MAX_NT;
        for (int64_t r = r0; r < r1; r++) {
            dot(w->data + (size_t)r * w->row_bytes, job->x + (int64_t)t0 * w->n_in, w->n_in, nt, w->n_in, out);
            for (int t = 0; t < nt; t++) job->y[(int64_t)(t0 + t) * w->n_out + r] = out[t];
        }
    }
}

static void matmul_thread(void *arg, int thread) {
    (void)thread;
    MatmulCtx *c = arg;
    int j = 0;
    for (;;) {
        int64_t u = atomic_fetch_add(&c->next_unit, 1);
        if (u >= c->n_units) return;
        while (j + 1 < c->n_jobs && c->jobs[j + 1].first_unit <= u) j++; /* units are taken in increasing order */
        const MatJob *job = &c->jobs[j];
        int64_t r0 = (u - job->first_unit) * UNIT_ROWS;
        int64_t r1 = r0 + UNIT_ROWS < job->w.n_out ? r0 + UNIT_ROWS : job->w.n_out;
        matmul_unit(c->kernels, job, r0, r1);
    }
}

void matmul(ThreadPool *pool, const Kernels *kernels, MatJob *jobs, int n_jobs) {
    MatmulCtx c = {.kernels = kernels, .jobs = jobs, .n_jobs = n_jobs};
    for (int j = 0; j < n_jobs; j++) {
        jobs[j].first_unit = c.n_units;
        if (jobs[j].nt > 0) c.n_units += (jobs[j].w.n_out + UNIT_ROWS - 1) / UNIT_ROWS;
    }
    atomic_init(&c.next_unit, 0);
    if (c.n_units > 0) pool_run(pool, matmul_thread, &c);
}
