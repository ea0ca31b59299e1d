/* The forward pass of docs/model-math.md over a batch of tokens from several sequences. Tokens are run
 * through the layers in chunks of up to STEP_CHUNK; within a chunk every matrix product covers all its
 * tokens at once, attention reads each token's own sequence cache, and logits are computed only for each
 * sequence's last token. */
#include "forward.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEP_CHUNK 64

struct RunState {
    /* the chunk's tokens */
    int32_t tok[STEP_CHUNK];
    int pos[STEP_CHUNK];
    Sequence *seq[STEP_CHUNK];
    int last_of[STEP_CHUNK];       /* index in the step of the sequence whose last token this is, or -1 */
    int n_runs;                    /* runs of consecutive tokens of one sequence */
    int run_first[STEP_CHUNK + 1];
    /* activations, one row per token */
    float *x, *xb, *xb2;           /* [C][n_embd]: residual stream, sublayer input, sublayer output */
    float *q, *k, *v;              /* [C][n_head * hd_k], [C][n_head_kv * hd_k], [C][n_head_kv * hd_v] */
    float *o;                      /* [C][n_head * hd_v] attention output */
    float *hb, *hb2;               /* [C][max(n_ff, n_ff_shexp)]: dense FFN / shared expert hidden */
    float *rope_cos, *rope_sin;    /* [C][n_rot / 2] */
    /* multi-head latent attention (deepseek2) */
    float *qa;                     /* [C][q_lora_rank] */
    float *kva;                    /* [C][kv_lora_rank + n_rot]: the latent, then the shared rope key */
    float *qn;                     /* [n_head][C][qk_nope]: each head's non-rotated query part, by head */
    float *qabs;                   /* [n_head][C][kv_lora_rank]: the same absorbed into the latent space */
    float *ql;                     /* [C][n_head][kv_lora_rank + n_rot]: the query against the cached rows */
    float *olat;                   /* [n_head][C][kv_lora_rank]: attention output in the latent space */
    float *ov;                     /* [n_head][C][head_dim_v]: the same after the value up-projection */
    float *rowbuf;                 /* [threads][kv_lora_rank]: a dequantized attn_kv_b row (combined layout) */
    /* MoE */
    float *router;                 /* [C][n_expert] logits, then probabilities */
    float *sel_score;              /* [C][n_expert] the scores experts are selected by */
    float *group_score;            /* [n_group] */
    int *group_keep;               /* [n_group] */
    float *shared_gate;            /* [C] */
    int *sel;                      /* [C][k] chosen experts, best first */
    float *sel_w;                  /* [C][k] their weights */
    int *pair_row;                 /* [C][k] row of (token, slot) in the expert-grouped buffers */
    int *expert_first, *expert_next; /* [n_expert + 1], [n_expert] */
    float *xe, *ye;                /* [C * k][n_embd] expert inputs / outputs, grouped by expert */
    float *he, *he2;               /* [C * k][n_ff_exp] */
    MatJob *jobs;                  /* [2 * n_expert + 4] */
    Q8Scratch q8;                  /* the -q8a paths' quantized inputs of one matmul call (see runstate_new) */
};

static int pages_for(int positions) { return (positions + KV_PAGE - 1) / KV_PAGE; }

/* ---- the math -------------------------------------------------------------------------------------------- */

static void rmsnorm(float *out, const float *x, const float *w, int n, double eps) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    float scale = (float)(1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

static void softmax(float *x, int n) {
    float max = x[0], sum = 0;
    for (int i = 1; i < n; i++) max = x[i] > max ? x[i] : max;
    for (int i = 0; i < n; i++) sum += x[i] = expf(x[i] - max);
    for (int i = 0; i < n; i++) x[i] /= sum;
}

static float silu(float z) { return z / (1.0f + expf(-z)); }

static float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

/* Rotates the pairs (2i, 2i+1) (normal) or (i, i + n_rot/2) (NeoX) of a head by the angles of its position. */
static void rope(float *a, const float *cos_t, const float *sin_t, int n_rot, int neox) {
    int half = n_rot / 2;
    for (int i = 0; i < half; i++) {
        int m = neox ? i : 2 * i, n = neox ? i + half : 2 * i + 1;
        float a0 = a[m], a1 = a[n];
        a[m] = a0 * cos_t[i] - a1 * sin_t[i];
        a[n] = a0 * sin_t[i] + a1 * cos_t[i];
    }
}

/* The k largest of p[0..n) in decreasing order; ties (and NaNs) go to the lower index. */
static void top_k(const float *p, int n, int k, int *sel) {
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int e = 0; e < n; e++) {
            int taken = 0;
            for (int i = 0; i < j; i++) taken |= sel[i] == e;
            if (!taken && (best < 0 || p[e] > p[best])) best = e;
        }
        sel[j] = best;
    }
}

/* ---- timing (the benchmark's profile: where a step's time goes) -------------------------------------------- */

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The model's first nj jobs; the time goes to their weight types in proportion to the bytes each reads. */
static void run_matmul(Model *m, int nj) {
    struct RunState *rs = m->rs;
    uint64_t start = now_ns();
    matmul(m->pool, m->kernels, rs->jobs, nj, &rs->q8);
    uint64_t elapsed = now_ns() - start;
    double bytes[N_TYPE_SLOTS] = {0}, total = 0;
    for (int j = 0; j < nj; j++) {
        double b = (double)rs->jobs[j].w.n_out * (double)rs->jobs[j].w.row_bytes;
        bytes[type_traits(rs->jobs[j].w.type)->slot] += b;
        total += b;
    }
    for (int t = 0; t < N_TYPE_SLOTS && total > 0; t++)
        m->profile.matmul_ns[t] += (uint64_t)((double)elapsed * bytes[t] / total);
}

/* Attention work (scores, softmax, weighted sums) on the pool. */
static void run_timed(Model *m, PoolFn fn, void *ctx) {
    uint64_t start = now_ns();
    pool_run(m->pool, fn, ctx);
    m->profile.attention_ns += now_ns() - start;
}

static void add_job(MatJob *jobs, int *n, Mat w, const float *x, float *y, int nt) {
    jobs[(*n)++] = (MatJob){.w = w, .x = x, .y = y, .nt = nt};
}

/* ---- attention --------------------------------------------------------------------------------------------- */

typedef struct {
    const Model *m;
    int layer;
    atomic_int next;
} AttnCtx;

/* Token t of the chunk, head h: attends over positions 0..pos of its sequence's cache. */
static void attend(const Model *m, int layer, int t, int h) {
    const Config *c = &m->c;
    const struct RunState *rs = m->rs;
    Sequence *s = rs->seq[t];
    int pos = rs->pos[t], g = h / (c->n_head / c->n_head_kv), hk = c->head_dim_k, hv = c->head_dim_v;
    const float *q = rs->q + (size_t)t * c->n_head * hk + (size_t)h * hk;
    float *sc = s->scores + (size_t)h * s->n_ctx, *o = rs->o + (size_t)t * c->n_head * hv + (size_t)h * hv;
    DotFn dot = m->kernels->dot[type_traits(GGML_TYPE_F32)->slot];
    float sqrt_hk = sqrtf((float)hk);
    for (int p = 0; p <= pos; p++) {
        dot((const uint8_t *)(kv_cell(s, layer, p) + (size_t)g * hk), q, 0, 1, hk, &sc[p]);
        sc[p] /= sqrt_hk;
    }
    softmax(sc, pos + 1);
    memset(o, 0, (size_t)hv * sizeof *o);
    for (int p = 0; p <= pos; p++) {
        const float *v = kv_cell(s, layer, p) + m->kv_k_dim + (size_t)g * hv;
        for (int i = 0; i < hv; i++) o[i] += sc[p] * v[i];
    }
}

/* MLA, absorbed: token t, heads h0..h1-1 score each cached row [latent | rope key] against their queries
 * [W_UK^T q_nope | q_rope] and sum the latents with those weights; the value up-projection is applied after
 * (attention_mla). All heads read the same rows, so a group of heads goes over each row while it is in cache. */
static void attend_latent(const Model *m, int layer, int t, int h0, int h1) {
    const Config *c = &m->c;
    const struct RunState *rs = m->rs;
    Sequence *s = rs->seq[t];
    int pos = rs->pos[t], R = c->kv_lora_rank, row = m->kv_k_dim;
    DotFn dot = m->kernels->dot[type_traits(GGML_TYPE_F32)->slot];
    float scale = (float)c->kq_scale;
    for (int p = 0; p <= pos; p++) { /* the group's queries are consecutive rows: one pass over the cached row */
        float out[MAX_NT];
        dot((const uint8_t *)kv_cell(s, layer, p), rs->ql + ((size_t)t * c->n_head + h0) * row, row, h1 - h0, row,
            out);
        for (int h = h0; h < h1; h++) s->scores[(size_t)h * s->n_ctx + p] = out[h - h0] * scale;
    }
    for (int h = h0; h < h1; h++) {
        softmax(s->scores + (size_t)h * s->n_ctx, pos + 1);
        memset(rs->olat + ((size_t)h * STEP_CHUNK + t) * R, 0, (size_t)R * sizeof(float));
    }
    for (int p = 0; p <= pos; p++) {
        const float *lat = kv_cell(s, layer, p);
        for (int h = h0; h < h1; h++) {
            float w = s->scores[(size_t)h * s->n_ctx + p], *o = rs->olat + ((size_t)h * STEP_CHUNK + t) * R;
            for (int i = 0; i < R; i++) o[i] += w * lat[i];
        }
    }
}

/* Heads per MLA work item: enough to reuse each cached row from cache, few enough to keep every thread busy; at most
 * MAX_NT (one dot call scores the whole group). */
#define MLA_HEAD_GROUP MAX_NT

/* Work items are (run, group of heads): a run's tokens share their sequence's score buffer, so one thread takes
 * them in order. */
static void attention_thread(void *arg, int thread) {
    (void)thread;
    AttnCtx *a = arg;
    const struct RunState *rs = a->m->rs;
    int n_head = a->m->c.n_head, mla = a->m->c.arch == ARCH_DEEPSEEK2;
    int group = mla ? MLA_HEAD_GROUP : 1, groups = (n_head + group - 1) / group;
    for (;;) {
        int item = atomic_fetch_add(&a->next, 1);
        if (item >= rs->n_runs * groups) return;
        int r = item / groups, h0 = item % groups * group, h1 = h0 + group < n_head ? h0 + group : n_head;
        for (int t = rs->run_first[r]; t < rs->run_first[r + 1]; t++)
            if (mla) attend_latent(a->m, a->layer, t, h0, h1);
            else attend(a->m, a->layer, t, h0);
    }
}

static void attention_block(Model *m, int l, int n) {
    const Config *c = &m->c;
    const Layer *L = &m->layers[l];
    struct RunState *rs = m->rs;
    int E = c->n_embd, hk = c->head_dim_k, hv = c->head_dim_v, half = c->n_rot / 2;
    int q_dim = c->n_head * hk, k_dim = c->n_head_kv * hk, v_dim = c->n_head_kv * hv;
    for (int t = 0; t < n; t++) rmsnorm(rs->xb + (size_t)t * E, rs->x + (size_t)t * E, L->attn_norm, E, c->eps);
    int nj = 0;
    add_job(rs->jobs, &nj, L->wq, rs->xb, rs->q, n);
    add_job(rs->jobs, &nj, L->wk, rs->xb, rs->k, n);
    add_job(rs->jobs, &nj, L->wv, rs->xb, rs->v, n);
    run_matmul(m, nj);
    for (int t = 0; t < n; t++) {
        float *q = rs->q + (size_t)t * q_dim, *k = rs->k + (size_t)t * k_dim, *v = rs->v + (size_t)t * v_dim;
        const float *cos_t = rs->rope_cos + (size_t)t * half, *sin_t = rs->rope_sin + (size_t)t * half;
        for (int i = 0; L->bq && i < q_dim; i++) q[i] += L->bq[i];
        for (int i = 0; L->bk && i < k_dim; i++) k[i] += L->bk[i];
        for (int i = 0; L->bv && i < v_dim; i++) v[i] += L->bv[i];
        for (int h = 0; h < c->n_head; h++) {
            if (L->q_norm) rmsnorm(q + h * hk, q + h * hk, L->q_norm, hk, c->eps);
            rope(q + h * hk, cos_t, sin_t, c->n_rot, c->rope_neox);
        }
        for (int h = 0; h < c->n_head_kv; h++) {
            if (L->k_norm) rmsnorm(k + h * hk, k + h * hk, L->k_norm, hk, c->eps);
            rope(k + h * hk, cos_t, sin_t, c->n_rot, c->rope_neox);
        }
        float *cell = kv_cell(rs->seq[t], l, rs->pos[t]);
        memcpy(cell, k, (size_t)k_dim * sizeof *k);
        memcpy(cell + k_dim, v, (size_t)v_dim * sizeof *v);
    }
    AttnCtx a = {.m = m, .layer = l};
    atomic_init(&a.next, 0);
    run_timed(m, attention_thread, &a);
    nj = 0;
    add_job(rs->jobs, &nj, L->wo, rs->o, rs->xb2, n);
    run_matmul(m, nj);
    for (size_t i = 0; i < (size_t)n * E; i++) rs->x[i] += rs->xb2[i];
}

/* W_UK^T q_nope for the combined attn_kv_b layout, whose key rows map the latent to q_nope's space: the product
 * goes through the rows (axpy of each dequantized row), one head per work item. */
typedef struct {
    const Model *m;
    const Layer *L;
    int n;
    atomic_int next;
} AbsorbCtx;

static void absorb_combined_thread(void *arg, int thread) {
    AbsorbCtx *a = arg;
    const Config *c = &a->m->c;
    struct RunState *rs = a->m->rs;
    const Mat *w = &a->L->wkv_b;
    const TypeTraits *tr = type_traits(w->type);
    int R = c->kv_lora_rank, nope = c->qk_nope, per_head = c->qk_nope + c->head_dim_v;
    float *buf = rs->rowbuf + (size_t)thread * R;
    for (;;) {
        int h = atomic_fetch_add(&a->next, 1);
        if (h >= c->n_head) return;
        float *out = rs->qabs + (size_t)h * STEP_CHUNK * R;
        memset(out, 0, (size_t)a->n * R * sizeof *out);
        for (int r = 0; r < nope; r++) {
            tr->to_float(w->data + (size_t)(h * per_head + r) * w->row_bytes, buf, R);
            for (int t = 0; t < a->n; t++) {
                float qr = rs->qn[((size_t)h * STEP_CHUNK + t) * nope + r];
                float *o = out + (size_t)t * R;
                for (int i = 0; i < R; i++) o[i] += qr * buf[i];
            }
        }
    }
}

/* The value up-projection of head h: [kv_lora -> head_dim_v]. */
static Mat value_up(const Layer *L, const Config *c, int h) {
    if (L->wv_b.data) return mat_expert(&L->wv_b, h);
    Mat v = L->wkv_b;
    v.data += (size_t)(h * (c->qk_nope + c->head_dim_v) + c->qk_nope) * v.row_bytes;
    v.n_out = c->head_dim_v;
    return v;
}

/* Multi-head latent attention (deepseek2) in the absorbed form: the cache holds one normalised latent and one
 * rotated key part per position, shared by all heads; each head's query is moved into the latent space (W_UK^T)
 * and its output out of it (W_UV), so keys and values are never expanded. */
static void attention_mla(Model *m, int l, int n) {
    const Config *c = &m->c;
    const Layer *L = &m->layers[l];
    struct RunState *rs = m->rs;
    int E = c->n_embd, H = c->n_head, hk = c->head_dim_k, hv = c->head_dim_v, R = c->kv_lora_rank;
    int nope = c->qk_nope, rot = c->n_rot, half = rot / 2, row = m->kv_k_dim;
    for (int t = 0; t < n; t++) rmsnorm(rs->xb + (size_t)t * E, rs->x + (size_t)t * E, L->attn_norm, E, c->eps);
    int nj = 0;
    add_job(rs->jobs, &nj, L->wkv_a, rs->xb, rs->kva, n);
    add_job(rs->jobs, &nj, c->q_lora_rank ? L->wq_a : L->wq, rs->xb, c->q_lora_rank ? rs->qa : rs->q, n);
    run_matmul(m, nj);
    if (c->q_lora_rank) {
        for (int t = 0; t < n; t++)
            rmsnorm(rs->qa + (size_t)t * c->q_lora_rank, rs->qa + (size_t)t * c->q_lora_rank, L->q_a_norm,
                    c->q_lora_rank, c->eps);
        nj = 0;
        add_job(rs->jobs, &nj, L->wq_b, rs->qa, rs->q, n);
        run_matmul(m, nj);
    }
    for (int t = 0; t < n; t++) {
        float *kv = rs->kva + (size_t)t * row, *q = rs->q + (size_t)t * H * hk;
        const float *cos_t = rs->rope_cos + (size_t)t * half, *sin_t = rs->rope_sin + (size_t)t * half;
        rmsnorm(kv, kv, L->kv_a_norm, R, c->eps);
        rope(kv + R, cos_t, sin_t, rot, 0);
        memcpy(kv_cell(rs->seq[t], l, rs->pos[t]), kv, (size_t)row * sizeof *kv);
        for (int h = 0; h < H; h++) {
            float *qh = q + (size_t)h * hk;
            rope(qh + nope, cos_t, sin_t, rot, 0);
            memcpy(rs->qn + ((size_t)h * STEP_CHUNK + t) * nope, qh, (size_t)nope * sizeof *qh);
            memcpy(rs->ql + ((size_t)t * H + h) * row + R, qh + nope, (size_t)rot * sizeof *qh);
        }
    }
    if (L->wk_b.data) {
        nj = 0;
        for (int h = 0; h < H; h++)
            add_job(rs->jobs, &nj, mat_expert(&L->wk_b, h), rs->qn + (size_t)h * STEP_CHUNK * nope,
                    rs->qabs + (size_t)h * STEP_CHUNK * R, n);
        run_matmul(m, nj);
    } else {
        AbsorbCtx a = {.m = m, .L = L, .n = n};
        atomic_init(&a.next, 0);
        run_timed(m, absorb_combined_thread, &a);
    }
    for (int t = 0; t < n; t++)
        for (int h = 0; h < H; h++)
            memcpy(rs->ql + ((size_t)t * H + h) * row, rs->qabs + ((size_t)h * STEP_CHUNK + t) * R,
                   (size_t)R * sizeof(float));
    AttnCtx a = {.m = m, .layer = l};
    atomic_init(&a.next, 0);
    run_timed(m, attention_thread, &a);
    nj = 0;
    for (int h = 0; h < H; h++)
        add_job(rs->jobs, &nj, value_up(L, c, h), rs->olat + (size_t)h * STEP_CHUNK * R,
                rs->ov + (size_t)h * STEP_CHUNK * hv, n);
    run_matmul(m, nj);
    for (int t = 0; t < n; t++)
        for (int h = 0; h < H; h++)
            memcpy(rs->o + ((size_t)t * H + h) * hv, rs->ov + ((size_t)h * STEP_CHUNK + t) * hv,
                   (size_t)hv * sizeof(float));
    nj = 0;
    add_job(rs->jobs, &nj, L->wo, rs->o, rs->xb2, n);
    run_matmul(m, nj);
    for (size_t i = 0; i < (size_t)n * E; i++) rs->x[i] += rs->xb2[i];
}

/* ---- feed-forward ---------------------------------------------------------------------------------------- */

static void ffn_dense(Model *m, int l, int n) {
    const Config *c = &m->c;
    const Layer *L = &m->layers[l];
    struct RunState *rs = m->rs;
    int nj = 0;
    add_job(rs->jobs, &nj, L->ffn_gate, rs->xb, rs->hb, n);
    add_job(rs->jobs, &nj, L->ffn_up, rs->xb, rs->hb2, n);
    run_matmul(m, nj);
    for (size_t i = 0; i < (size_t)n * c->n_ff; i++) rs->hb[i] = silu(rs->hb[i]) * rs->hb2[i];
    nj = 0;
    add_job(rs->jobs, &nj, L->ffn_down, rs->hb, rs->xb2, n);
    run_matmul(m, nj);
    for (size_t i = 0; i < (size_t)n * c->n_embd; i++) rs->x[i] += rs->xb2[i];
}

/* The best n_group_used groups of experts (each group's score: its best selection score with softmax gating, the sum
 * of its two best with sigmoid gating); the experts of the other groups get -inf, so top-k cannot take them. */
static void limit_groups(const Config *c, float *score, float *group, int *keep) {
    int per = c->n_expert / c->n_group, two = c->gating == GATING_SIGMOID && per > 1;
    for (int g = 0; g < c->n_group; g++) {
        const float *sg = score + (size_t)g * per;
        int best[2];
        top_k(sg, per, two ? 2 : 1, best);
        group[g] = two ? sg[best[0]] + sg[best[1]] : sg[best[0]];
    }
    top_k(group, c->n_group, c->n_group_used, keep);
    for (int g = 0; g < c->n_group; g++) {
        int used = 0;
        for (int j = 0; j < c->n_group_used; j++) used |= keep[j] == g;
        for (int e = 0; !used && e < per; e++) score[(size_t)g * per + e] = -INFINITY;
    }
}

/* Router logits -> each token's top-k experts (sel) and their weights (sel_w); counts the choices. Scores are the
 * softmax (or the sigmoids) of the logits; selection adds the expert bias (deepseek2 V3) and may be limited to the
 * best groups; the weights are the unbiased scores, renormalised over the chosen if expert_weights_norm, times
 * expert_weights_scale. */
static void route(Model *m, int l, int n) {
    const Config *c = &m->c;
    const Layer *L = &m->layers[l];
    struct RunState *rs = m->rs;
    int X = c->n_expert, K = c->n_expert_used;
    float scale = (float)c->expert_weights_scale;
    for (int t = 0; t < n; t++) {
        float *p = rs->router + (size_t)t * X, *score = rs->sel_score + (size_t)t * X, sum = 0;
        int *sel = rs->sel + (size_t)t * K;
        if (c->gating == GATING_SIGMOID)
            for (int e = 0; e < X; e++) p[e] = sigmoid(p[e]);
        else
            softmax(p, X);
        for (int e = 0; e < X; e++) score[e] = L->exp_bias ? p[e] + L->exp_bias[e] : p[e];
        if (c->n_group > 1 && c->n_group_used < c->n_group)
            limit_groups(c, score, rs->group_score, rs->group_keep);
        top_k(score, X, K, sel);
        for (int j = 0; j < K; j++) sum += p[sel[j]];
        for (int j = 0; j < K; j++) {
            rs->sel_w[(size_t)t * K + j] = (c->expert_weights_norm ? p[sel[j]] / sum : p[sel[j]]) * scale;
            m->expert_counts[(size_t)l * X + sel[j]]++;
        }
    }
}

static void ffn_moe(Model *m, int l, int n) {
    const Config *c = &m->c;
    const Layer *L = &m->layers[l];
    struct RunState *rs = m->rs;
    int E = c->n_embd, X = c->n_expert, K = c->n_expert_used, F = c->n_ff_exp, S = c->n_ff_shexp;
    int shared = L->gate_shexp.data != NULL;
    /* router, and the shared experts' hidden layer and gate (qwen2moe; deepseek2's are ungated) */
    int nj = 0;
    add_job(rs->jobs, &nj, L->router, rs->xb, rs->router, n);
    rs->jobs[nj - 1].exact = 1; /* a few rows: fp32 activations keep the expert choice as close as possible */
    if (shared) {
        if (L->shexp_gate.data) add_job(rs->jobs, &nj, L->shexp_gate, rs->xb, rs->shared_gate, n);
        add_job(rs->jobs, &nj, L->gate_shexp, rs->xb, rs->hb, n);
        add_job(rs->jobs, &nj, L->up_shexp, rs->xb, rs->hb2, n);
    }
    run_matmul(m, nj);
    route(m, l, n);
    /* group the (token, slot) pairs by expert: expert e's inputs are rows expert_first[e] .. of xe */
    memset(rs->expert_first, 0, (size_t)(X + 1) * sizeof *rs->expert_first);
    for (int i = 0; i < n * K; i++) rs->expert_first[rs->sel[i] + 1]++;
    for (int e = 0; e < X; e++) rs->expert_first[e + 1] += rs->expert_first[e];
    memcpy(rs->expert_next, rs->expert_first, (size_t)X * sizeof *rs->expert_next);
    for (int i = 0; i < n * K; i++) {
        int row = rs->expert_next[rs->sel[i]]++;
        rs->pair_row[i] = row;
        memcpy(rs->xe + (size_t)row * E, rs->xb + (size_t)(i / K) * E, (size_t)E * sizeof *rs->xe);
    }
    /* gate and up of every chosen expert (and the shared expert's down) in one pass */
    nj = 0;
    for (int e = 0; e < X; e++) {
        int first = rs->expert_first[e], rows = rs->expert_first[e + 1] - first;
        if (!rows) continue;
        const float *in = rs->xe + (size_t)first * E;
        add_job(rs->jobs, &nj, mat_expert(&L->gate_exps, e), in, rs->he + (size_t)first * F, rows);
        add_job(rs->jobs, &nj, mat_expert(&L->up_exps, e), in, rs->he2 + (size_t)first * F, rows);
    }
    if (shared) {
        for (size_t i = 0; i < (size_t)n * S; i++) rs->hb[i] = silu(rs->hb[i]) * rs->hb2[i];
        add_job(rs->jobs, &nj, L->down_shexp, rs->hb, rs->xb2, n);
    }
    run_matmul(m, nj);
    for (size_t i = 0; i < (size_t)n * K * F; i++) rs->he[i] = silu(rs->he[i]) * rs->he2[i];
    nj = 0;
    for (int e = 0; e < X; e++) {
        int first = rs->expert_first[e], rows = rs->expert_first[e + 1] - first;
        if (rows)
            add_job(rs->jobs, &nj, mat_expert(&L->down_exps, e), rs->he + (size_t)first * F, rs->ye + (size_t)first * E,
                    rows);
    }
    run_matmul(m, nj);
    /* x += sum over the chosen experts, in order, of w_e * expert_e(h) (+ the shared experts, gated or not) */
    for (int t = 0; t < n; t++) {
        float *x = rs->x + (size_t)t * E, g = !shared ? 0.0f : L->shexp_gate.data ? sigmoid(rs->shared_gate[t]) : 1.0f;
        for (int i = 0; i < E; i++) {
            float f = 0;
            for (int j = 0; j < K; j++)
                f += rs->sel_w[(size_t)t * K + j] * rs->ye[(size_t)rs->pair_row[t * K + j] * E + i];
            if (shared) f += g * rs->xb2[(size_t)t * E + i];
            x[i] += f;
        }
    }
}

static void ffn_block(Model *m, int l, int n) {
    struct RunState *rs = m->rs;
    int E = m->c.n_embd;
    for (int t = 0; t < n; t++)
        rmsnorm(rs->xb + (size_t)t * E, rs->x + (size_t)t * E, m->layers[l].ffn_norm, E, m->c.eps);
    if (m->layers[l].moe) ffn_moe(m, l, n);
    else ffn_dense(m, l, n);
}

/* ---- a chunk of tokens through the model ------------------------------------------------------------------ */

static void forward_chunk(Model *m, int n, float *logits) {
    const Config *c = &m->c;
    struct RunState *rs = m->rs;
    int E = c->n_embd, half = c->n_rot / 2;
    const TypeTraits *te = type_traits(m->token_embd.type);
    rs->n_runs = 0;
    for (int t = 0; t < n; t++) {
        te->to_float(m->token_embd.data + (size_t)rs->tok[t] * m->token_embd.row_bytes, rs->x + (size_t)t * E, E);
        for (int i = 0; i < half; i++) {
            double angle = rs->pos[t] * m->rope_freq[i];
            rs->rope_cos[(size_t)t * half + i] = (float)cos(angle);
            rs->rope_sin[(size_t)t * half + i] = (float)sin(angle);
        }
        if (t == 0 || rs->seq[t] != rs->seq[t - 1]) rs->run_first[rs->n_runs++] = t;
    }
    rs->run_first[rs->n_runs] = n;
    for (int l = 0; l < c->n_layer; l++) {
        if (c->arch == ARCH_DEEPSEEK2) attention_mla(m, l, n);
        else attention_block(m, l, n);
        ffn_block(m, l, n);
    }
    /* logits of the sequences whose last token is in this chunk: consecutive sequences of the step */
    int first = -1, rows = 0;
    for (int t = 0; t < n; t++) {
        if (rs->last_of[t] < 0) continue;
        if (first < 0) first = rs->last_of[t];
        rmsnorm(rs->xb + (size_t)rows++ * E, rs->x + (size_t)t * E, m->output_norm, E, c->eps);
    }
    if (rows) {
        int nj = 0;
        add_job(rs->jobs, &nj, m->output, rs->xb, logits + (size_t)first * c->n_vocab, rows);
        run_matmul(m, nj);
    }
}

static int validate_step(Model *m, Sequence *const *seqs, const int32_t *counts, int n_seqs, const int32_t *tokens,
                         int64_t n_tokens, int64_t n_logits, Error *err) {
    int64_t total = 0;
    uint64_t stamp = ++m->step_stamp;
    if (n_seqs < 0 || n_tokens < 0) return err_set(err, ERR_ARG, "negative sequence or token count");
    for (int i = 0; i < n_seqs; i++) {
        Sequence *s = seqs[i];
        if (!s || s->magic != SEQUENCE_MAGIC) return err_set(err, ERR_ARG, "sequence %d: invalid handle", i);
        if (s->model != m) return err_set(err, ERR_ARG, "sequence %d belongs to another model", i);
        if (s->step_stamp == stamp) return err_set(err, ERR_ARG, "sequence %d appears twice in the step", i);
        s->step_stamp = stamp;
        if (counts[i] < 1) return err_set(err, ERR_ARG, "sequence %d: token count %d must be >= 1", i, counts[i]);
        if (counts[i] > s->n_ctx - s->pos)
            return err_set(err, ERR_ARG, "sequence %d: %d tokens at position %d exceed its context length %d", i,
                           counts[i], s->pos, s->n_ctx);
        total += counts[i];
    }
    if (total != n_tokens)
        return err_set(err, ERR_ARG, "the counts add up to %lld tokens but %lld were given", (long long)total,
                       (long long)n_tokens);
    for (int64_t i = 0; i < n_tokens; i++)
        if (tokens[i] < 0 || tokens[i] >= m->c.n_vocab)
            return err_set(err, ERR_ARG, "token %d (index %lld) is out of range 0..%d", tokens[i], (long long)i,
                           m->c.n_vocab - 1);
    if (n_logits < (int64_t)n_seqs * m->c.n_vocab)
        return err_set(err, ERR_ARG, "logits hold %lld values, %lld needed", (long long)n_logits,
                       (long long)n_seqs * m->c.n_vocab);
    size_t new_pages = 0;
    for (int i = 0; i < n_seqs; i++) new_pages += (size_t)pages_for(seqs[i]->pos + counts[i]) - (size_t)seqs[i]->n_pages;
    if (m->kv_pages_budget && m->kv_pages_used + new_pages > m->kv_pages_budget)
        return err_set(err, ERR_KV_FULL,
                       "KV cache budget exhausted: this step needs %zu more bytes, %zu of %zu are free",
                       new_pages * m->kv_page_bytes, (m->kv_pages_budget - m->kv_pages_used) * m->kv_page_bytes,
                       m->kv_pages_budget * m->kv_page_bytes);
    return 0;
}

/* Takes the pages a sequence needs to hold `positions`. */
static int grow(Sequence *s, int positions, Error *err) {
    Model *m = s->model;
    while (s->n_pages < pages_for(positions)) {
        float *page = malloc(m->kv_page_bytes);
        if (!page) return err_set(err, ERR_OOM, "out of memory for a KV cache page of %zu bytes", m->kv_page_bytes);
        s->pages[s->n_pages++] = page;
        m->kv_pages_used++;
    }
    return 0;
}

int model_step(Model *m, Sequence *const *seqs, const int32_t *counts, int n_seqs, const int32_t *tokens,
               int64_t n_tokens, float *logits, int64_t n_logits, Error *err) {
    if (validate_step(m, seqs, counts, n_seqs, tokens, n_tokens, n_logits, err)) return -1;
    uint64_t start = now_ns();
    for (int i = 0; i < n_seqs; i++)
        if (grow(seqs[i], seqs[i]->pos + counts[i], err)) return -1; /* pages taken stay the sequence's */
    struct RunState *rs = m->rs;
    int si = 0, sj = 0; /* sequence, and token within it, of token g of the step */
    for (int64_t g = 0; g < n_tokens;) {
        int n = 0;
        for (; n < STEP_CHUNK && g < n_tokens; n++, g++) {
            rs->tok[n] = tokens[g];
            rs->seq[n] = seqs[si];
            rs->pos[n] = seqs[si]->pos + sj;
            rs->last_of[n] = sj == counts[si] - 1 ? si : -1;
            if (++sj == counts[si]) si++, sj = 0;
        }
        forward_chunk(m, n, logits);
    }
    for (int i = 0; i < n_seqs; i++) seqs[i]->pos += counts[i];
    m->profile.step_ns += now_ns() - start;
    m->profile.tokens += (uint64_t)n_tokens;
    return 0;
}

/* ---- allocation ------------------------------------------------------------------------------------------ */

static void *alloc(size_t n, size_t size, int *ok) {
    void *p = *ok ? calloc(n ? n : 1, size) : NULL;
    if (!p) *ok = 0;
    return p;
}

struct RunState *runstate_new(const Model *m, Error *err) {
    const Config *c = &m->c;
    size_t C = STEP_CHUNK, E = (size_t)c->n_embd, X = (size_t)c->n_expert, K = (size_t)c->n_expert_used;
    size_t ff = (size_t)(c->n_ff > c->n_ff_shexp ? c->n_ff : c->n_ff_shexp);
    int ok = 1;
    struct RunState *rs = alloc(1, sizeof *rs, &ok);
    if (rs) {
        rs->x = alloc(C * E, sizeof(float), &ok);
        rs->xb = alloc(C * E, sizeof(float), &ok);
        rs->xb2 = alloc(C * E, sizeof(float), &ok);
        rs->q = alloc(C * c->n_head * c->head_dim_k, sizeof(float), &ok);
        rs->k = alloc(C * c->n_head_kv * c->head_dim_k, sizeof(float), &ok);
        rs->v = alloc(C * c->n_head_kv * c->head_dim_v, sizeof(float), &ok);
        rs->o = alloc(C * c->n_head * c->head_dim_v, sizeof(float), &ok);
        rs->hb = alloc(C * ff, sizeof(float), &ok);
        rs->hb2 = alloc(C * ff, sizeof(float), &ok);
        rs->rope_cos = alloc(C * (size_t)(c->n_rot / 2), sizeof(float), &ok);
        rs->rope_sin = alloc(C * (size_t)(c->n_rot / 2), sizeof(float), &ok);
        size_t H = (size_t)c->n_head, R = (size_t)c->kv_lora_rank;
        if (c->arch == ARCH_DEEPSEEK2) {
            rs->qa = alloc(C * (size_t)c->q_lora_rank, sizeof(float), &ok);
            rs->kva = alloc(C * (size_t)m->kv_k_dim, sizeof(float), &ok);
            rs->qn = alloc(H * C * (size_t)c->qk_nope, sizeof(float), &ok);
            rs->qabs = alloc(H * C * R, sizeof(float), &ok);
            rs->ql = alloc(C * H * (size_t)m->kv_k_dim, sizeof(float), &ok);
            rs->olat = alloc(H * C * R, sizeof(float), &ok);
            rs->ov = alloc(H * C * (size_t)c->head_dim_v, sizeof(float), &ok);
            rs->rowbuf = alloc((size_t)pool_size(m->pool) * R, sizeof(float), &ok);
        }
        rs->router = alloc(C * X, sizeof(float), &ok);
        rs->sel_score = alloc(C * X, sizeof(float), &ok);
        rs->group_score = alloc((size_t)c->n_group, sizeof(float), &ok);
        rs->group_keep = alloc((size_t)c->n_group, sizeof(int), &ok);
        rs->shared_gate = alloc(C, sizeof(float), &ok);
        rs->sel = alloc(C * K, sizeof(int), &ok);
        rs->sel_w = alloc(C * K, sizeof(float), &ok);
        rs->pair_row = alloc(C * K, sizeof(int), &ok);
        rs->expert_first = alloc(X + 1, sizeof(int), &ok);
        rs->expert_next = alloc(X, sizeof(int), &ok);
        rs->xe = alloc(C * K * E, sizeof(float), &ok);
        rs->ye = alloc(C * K * E, sizeof(float), &ok);
        rs->he = alloc(C * K * (size_t)c->n_ff_exp, sizeof(float), &ok);
        rs->he2 = alloc(C * K * (size_t)c->n_ff_exp, sizeof(float), &ok);
        rs->jobs = alloc(2 * X + 4 > H + 4 ? 2 * X + 4 : H + 4, sizeof(MatJob), &ok);
        /* The largest set of distinct inputs of one matmul call: xb (n_embd), o (n_head * head_dim_v), hb (ff),
         * xe + hb (k * n_embd + ff, the experts' gate/up with the shared expert's down) or he (k * n_ff_exp), for
         * up to C tokens; quantized inputs have rows of a multiple of QK values. */
        if (m->kernels && m->kernels->quantize) {
            size_t per_token = E, o = (size_t)c->n_head * c->head_dim_v, ke = K * E + ff, kf = K * c->n_ff_exp;
            per_token = per_token > o ? per_token : o;
            per_token = per_token > ff ? per_token : ff;
            per_token = per_token > ke ? per_token : ke;
            per_token = per_token > kf ? per_token : kf;
            size_t mla = H * (size_t)(c->qk_nope > c->kv_lora_rank ? c->qk_nope : c->kv_lora_rank); /* W_UK, W_UV */
            per_token = per_token > mla ? per_token : mla;
            per_token = per_token > (size_t)c->q_lora_rank ? per_token : (size_t)c->q_lora_rank;
            rs->q8.cap = (int64_t)(C * per_token / QK);
            rs->q8.blocks = alloc((size_t)rs->q8.cap, sizeof(BlockQ8A), &ok);
        }
    }
    if (!ok) {
        runstate_free(rs);
        err_set(err, ERR_OOM, "out of memory for the model's scratch buffers");
        return NULL;
    }
    return rs;
}

void runstate_free(struct RunState *rs) {
    if (!rs) return;
    float *floats[] = {rs->x, rs->xb, rs->xb2, rs->q, rs->k, rs->v, rs->o, rs->hb, rs->hb2, rs->rope_cos,
                       rs->rope_sin, rs->router, rs->shared_gate, rs->sel_w, rs->xe, rs->ye, rs->he, rs->he2,
                       rs->qa, rs->kva, rs->qn, rs->qabs, rs->ql, rs->olat, rs->ov, rs->rowbuf, rs->sel_score,
                       rs->group_score};
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) free(floats[i]);
    free(rs->sel);
    free(rs->pair_row);
    free(rs->expert_first);
    free(rs->expert_next);
    free(rs->group_keep);
    free(rs->jobs);
    free(rs->q8.blocks);
    free(rs);
}

/* ---- sequences ------------------------------------------------------------------------------------------- */

Sequence *sequence_new(Model *m, int n_ctx, Error *err) {
    const Config *c = &m->c;
    if (n_ctx < 1) {
        err_set(err, ERR_ARG, "context length must be >= 1, got %d", n_ctx);
        return NULL;
    }
    size_t scores;
    int ok = size_mul((size_t)c->n_head, (size_t)n_ctx, &scores);
    Sequence *s = alloc(1, sizeof *s, &ok);
    if (s) {
        s->pages = alloc((size_t)pages_for(n_ctx), sizeof *s->pages, &ok);
        s->scores = alloc(scores, sizeof(float), &ok);
    }
    if (!ok) {
        if (s) free(s->pages), free(s->scores), free(s);
        err_set(err, ERR_OOM, "out of memory for a sequence of %d positions", n_ctx);
        return NULL;
    }
    s->magic = SEQUENCE_MAGIC;
    s->model = m;
    s->n_ctx = n_ctx;
    return s;
}

/* Returns the pages beyond the first `keep`. */
static void release_pages(Sequence *s, int keep) {
    while (s->n_pages > keep) {
        free(s->pages[--s->n_pages]);
        s->model->kv_pages_used--;
    }
}

void sequence_free(Sequence *s) {
    if (!s) return;
    release_pages(s, 0);
    s->magic = 0;
    free(s->pages);
    free(s->scores);
    free(s);
}

int sequence_truncate(Sequence *s, int pos, Error *err) {
    if (pos < 0 || pos > s->pos)
        return err_set(err, ERR_ARG, "cannot truncate a sequence at position %d to %d", s->pos, pos);
    s->pos = pos;
    release_pages(s, pages_for(pos));
    return 0;
}
