/* A model: hyper-parameters and weights bound by name from a GGUF file (see docs/model-math.md), plus what
 * running it needs (kernel path, thread pool, scratch buffers, expert statistics). */
#ifndef MOE_MODEL_H
#define MOE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "gguf.h"
#include "kernels.h"
#include "matmul.h"
#include "threadpool.h"

#define MODEL_MAGIC 0x4d4f452d4d4f444cULL /* "MOE-MODL" */

typedef enum { ARCH_LLAMA, ARCH_QWEN2MOE, ARCH_QWEN3MOE } Arch;

typedef struct {
    Arch arch;
    int n_vocab, n_embd, n_layer, context_length;
    int n_head, n_head_kv, head_dim_k, head_dim_v, n_rot;
    int n_ff;                     /* dense FFN width (0 when no layer is dense and the key is absent) */
    int n_expert, n_expert_used;  /* 0 experts: every layer is dense; else every layer is MoE */
    int n_ff_exp, n_ff_shexp;     /* expert width; shared expert width (qwen2moe) */
    double rope_theta, eps;
    int rope_neox;                /* pairing (i, i + n_rot/2) instead of (2i, 2i + 1) */
    int expert_weights_norm;      /* renormalise the top-k router weights */
} Config;

typedef struct {
    const float *attn_norm, *ffn_norm;
    Mat wq, wk, wv, wo;
    const float *bq, *bk, *bv;          /* qwen2moe only */
    const float *q_norm, *k_norm;       /* qwen3moe only: [head_dim_k], applied per head */
    Mat ffn_gate, ffn_up, ffn_down;     /* dense layers */
    Mat router;                         /* MoE: n_expert rows */
    Mat gate_exps, up_exps, down_exps;  /* MoE: expert 0's matrix, see mat_expert */
    Mat gate_shexp, up_shexp, down_shexp, shexp_gate; /* qwen2moe: shared expert; its gate has 1 row */
} Layer;

typedef struct Model {
    uint64_t magic;
    Config c;
    Gguf *gguf;
    Mat token_embd, output; /* output aliases token_embd when the file has no output.weight */
    const float *output_norm;
    Layer *layers;
    size_t file_bytes, weight_bytes, active_weight_bytes, kv_bytes_per_token;
    const Kernels *kernels;
    ThreadPool *pool;
    struct RunState *rs;    /* scratch of step(), see forward.c */
    int64_t *expert_counts; /* [n_layer][n_expert] */
    uint64_t step_stamp;    /* marks the sequences of the step being validated */
} Model;

/* Expert e's matrix of a stacked expert tensor. */
static inline Mat mat_expert(const Mat *m, int e) {
    Mat r = *m;
    r.data += (size_t)e * (size_t)m->n_out * m->row_bytes;
    return r;
}

const char *arch_name(Arch arch);

/* Binds a parsed file (whose ownership passes to the model, also on failure) and allocates what running it
 * needs: a pool of `threads` threads (the caller of step included) and the scratch buffers. */
Model *model_from_gguf(Gguf *g, int threads, const Kernels *kernels, Error *err);
Model *model_load(const char *path, int threads, const Kernels *kernels, Error *err);
void model_free(Model *m);

#endif
