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

typedef enum { ARCH_LLAMA, ARCH_QWEN2MOE, ARCH_QWEN3MOE, ARCH_DEEPSEEK2 } Arch;

enum { GATING_SOFTMAX = 1, GATING_SIGMOID = 2 }; /* {arch}.expert_gating_func */

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
    /* deepseek2: multi-head latent attention (head_dim_k = qk_nope + n_rot) and DeepSeekMoE */
    int q_lora_rank;              /* 0: queries through attn_q; else attn_q_a -> norm -> attn_q_b */
    int kv_lora_rank, qk_nope;    /* the cached latent's width; the non-rotated part of a query/key head */
    int n_leading_dense;          /* the first layers are dense (n_ff) */
    int n_expert_shared;          /* always-on experts, n_ff_shexp = n_expert_shared * n_ff_exp, unweighted */
    int gating;                   /* GATING_SOFTMAX or GATING_SIGMOID */
    int n_group, n_group_used;    /* group-limited routing: the best n_group_used of n_group groups */
    double expert_weights_scale;  /* multiplies the routed weights (after the renormalisation) */
    /* RoPE scaling (deepseek2): YaRN */
    int yarn;
    double rope_factor, yarn_log_mul, yarn_beta_fast, yarn_beta_slow;
    int rope_orig_ctx;
    double kq_scale;              /* deepseek2: mscale^2 / sqrt(head_dim_k) */
} Config;

typedef struct {
    const float *attn_norm, *ffn_norm;
    Mat wq, wk, wv, wo;
    const float *bq, *bk, *bv;          /* qwen2moe only */
    const float *q_norm, *k_norm;       /* qwen3moe only: [head_dim_k], applied per head */
    Mat ffn_gate, ffn_up, ffn_down;     /* dense layers */
    Mat router;                         /* MoE: n_expert rows */
    Mat gate_exps, up_exps, down_exps;  /* MoE: expert 0's matrix, see mat_expert */
    Mat gate_shexp, up_shexp, down_shexp, shexp_gate; /* shared experts; the gate (1 row) is qwen2moe's */
    int moe;                            /* routed experts in this layer (else the dense FFN) */
    /* deepseek2 */
    Mat wq_a, wq_b, wkv_a;              /* q LoRA down/up; the latent + rope key projection */
    const float *q_a_norm, *kv_a_norm;
    Mat wk_b, wv_b;                     /* split layout: per head (mat_expert) [qk_nope -> kv_lora], [kv_lora -> v] */
    Mat wkv_b;                          /* combined layout: [kv_lora -> n_head * (qk_nope + v)] */
    const float *exp_bias;              /* exp_probs_b: added to the scores for selection only */
} Layer;

typedef struct Model {
    uint64_t magic;
    Config c;
    Gguf *gguf;
    Mat token_embd, output; /* output aliases token_embd when the file has no output.weight */
    const float *output_norm;
    Layer *layers;
    size_t file_bytes, weight_bytes, active_weight_bytes;
    size_t expert_bytes;       /* one routed expert's gate, up and down matrices (in every MoE layer) */
    int kv_k_dim, kv_v_dim;    /* floats cached per token and layer: keys (MLA: latent + rope key), values */
    size_t kv_bytes_per_token; /* n_layer * (kv_k_dim + kv_v_dim) * 4 */
    size_t kv_bytes_per_token_mha; /* what a plain multi-head cache of the same heads would take */
    double *rope_freq;         /* [n_rot / 2]: angle per position of each pair (YaRN applied) */
    /* the KV cache budget, in pages of KV_PAGE positions (forward.h) */
    size_t kv_page_bytes, kv_pages_budget, kv_pages_used; /* budget 0: unlimited */
    const Kernels *kernels;
    ThreadPool *pool;
    struct RunState *rs;    /* scratch of step(), see forward.c */
    int64_t *expert_counts; /* [n_layer][n_expert] */
    uint64_t step_stamp;    /* marks the sequences of the step being validated */
    struct {                /* where the steps' time went since load or the last reset (the benchmark's profile) */
        uint64_t step_ns, attention_ns, tokens;
        uint64_t matmul_ns[N_TYPE_SLOTS]; /* by weight type */
    } profile;
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
/* Sets the KV cache budget (bytes, rounded down to whole pages; 0 = unlimited). Fails (ERR_ARG) below what the
 * live sequences already hold. */
int model_set_kv_budget(Model *m, size_t bytes, Error *err);
void model_free(Model *m);

#endif
