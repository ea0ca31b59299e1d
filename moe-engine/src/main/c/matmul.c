#include "matmul.h"

#include <stdatomic.h>

/* Output rows per unit of work. With more activation rows than one pass takes (prefill), a unit's weight rows (a
 * few KiB each) stay in cache while every group of MAX_NT activation rows passes over them; with one pass (decode)
 * longer runs of rows keep each thread streaming one contiguous region. */
#define UNIT_ROWS 16
#define STREAM_UNIT_ROWS 64
/* Inputs of fewer values are quantized by the calling thread (decode: a pool_run costs more than that). */
#define INLINE_QUANTIZE_VALUES 65536
/* How far ahead (in rows) a single pass over a weight matrix asks for its cache lines. */
#define PREFETCH_ROWS 4

typedef struct {
    const Kernels *kernels;
    MatJob *jobs;
    int n_jobs;
    int64_t n_units, n_qrows;
    atomic_llong next_unit, next_qrow;
} MatmulCtx;

static void matmul_unit(const Kernels *k, const MatJob *job, int64_t r0, int64_t r1) {
    const Mat *w = &job->w;
    int slot = type_traits(w->type)->slot;
    DotFn dot = k->dot[slot];
    DotQFn dotq = job->xq ? k->dotq[slot] : NULL;
    int64_t nb = w->n_in / QK;
    float out[MAX_NT];
    for (int t0 = 0; t0 < job->nt; t0 += MAX_NT) {
        int nt = job->nt - t0 < MAX_NT ? job->nt - t0 : MAX_NT;
        for (int64_t r = r0; r < r1; r++) {
            const uint8_t *row = w->data + (size_t)r * w->row_bytes;
            if (nt == job->nt && r + PREFETCH_ROWS < w->n_out) /* single pass over the rows: stream ahead */
                for (size_t off = 0; off < w->row_bytes; off += 64)
                    __builtin_prefetch(row + PREFETCH_ROWS * w->row_bytes + off, 0, 0);
            if (dotq) dotq(row, job->xq + (int64_t)t0 * nb, nb, nt, w->n_in, out);
            else dot(row, job->x + (int64_t)t0 * w->n_in, w->n_in, nt, w->n_in, out);
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
        int64_t r0 = (u - job->first_unit) * job->unit_rows;
        int64_t r1 = r0 + job->unit_rows < job->w.n_out ? r0 + job->unit_rows : job->w.n_out;
        matmul_unit(c->kernels, job, r0, r1);
    }
}

/* Quantizes activation rows: row q of all the jobs' inputs is row q - first_qrow of the job that owns it. */
static void quantize_thread(void *arg, int thread) {
    (void)thread;
    MatmulCtx *c = arg;
    int j = 0;
    for (;;) {
        int64_t q = atomic_fetch_add(&c->next_qrow, 1);
        if (q >= c->n_qrows) return;
        while (c->jobs[j].first_qrow < 0 || c->jobs[j].first_qrow + c->jobs[j].nt <= q) j++;
        const MatJob *job = &c->jobs[j];
        int64_t t = q - job->first_qrow, n = job->w.n_in;
        c->kernels->quantize(job->x + t * n, (BlockQ8A *)job->xq + t * (n / QK), n);
    }
}

/* Points each job that a dotq kernel can run at its quantized input; returns the values to quantize. */
static int64_t plan_quantization(MatmulCtx *c, Q8Scratch *scratch) {
    int64_t used = 0, values = 0;
    for (int j = 0; j < c->n_jobs; j++) {
        MatJob *job = &c->jobs[j];
        job->xq = NULL;
        job->first_qrow = -1;
        if (!scratch || job->exact || job->nt <= 0 || !c->kernels->dotq[type_traits(job->w.type)->slot] || job->w.n_in % QK)
            continue;
        for (int i = 0; i < j && !job->xq; i++) {
            const MatJob *o = &c->jobs[i];
            if (o->xq && o->x == job->x && o->w.n_in == job->w.n_in && o->nt >= job->nt) job->xq = o->xq;
        }
        int64_t blocks = (int64_t)job->nt * (job->w.n_in / QK);
        if (job->xq || blocks > scratch->cap - used) continue;
        job->xq = scratch->blocks + used;
        job->first_qrow = c->n_qrows;
        c->n_qrows += job->nt;
        used += blocks;
        values += blocks * QK;
    }
    return values;
}

void matmul(ThreadPool *pool, const Kernels *kernels, MatJob *jobs, int n_jobs, Q8Scratch *scratch) {
    MatmulCtx c = {.kernels = kernels, .jobs = jobs, .n_jobs = n_jobs};
    for (int j = 0; j < n_jobs; j++) {
        jobs[j].first_unit = c.n_units;
        jobs[j].unit_rows = jobs[j].nt <= MAX_NT ? STREAM_UNIT_ROWS : UNIT_ROWS;
        if (jobs[j].nt > 0) c.n_units += (jobs[j].w.n_out + jobs[j].unit_rows - 1) / jobs[j].unit_rows;
    }
    atomic_init(&c.next_unit, 0);
    atomic_init(&c.next_qrow, 0);
    if (c.n_units == 0) return;
    if (kernels->quantize) {
        int64_t values = plan_quantization(&c, scratch);
        if (values > INLINE_QUANTIZE_VALUES) pool_run(pool, quantize_thread, &c);
        else if (values > 0) quantize_thread(&c, 0);
    } else {
        for (int j = 0; j < n_jobs; j++) jobs[j].xq = NULL, jobs[j].first_qrow = -1;
    }
    pool_run(pool, matmul_thread, &c);
}
