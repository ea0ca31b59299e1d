/* Sequences and the forward pass. A sequence owns its KV cache (float32, [layer][position][kv_dim], for a
 * fixed context length, allocated once) and its attention scores. One step runs any number of sequences,
 * each consuming >= 1 tokens, through the model together and returns the logits after each one's last token. */
#ifndef MOE_FORWARD_H
#define MOE_FORWARD_H

#include <stdint.h>

#include "error.h"
#include "model.h"

#define SEQUENCE_MAGIC 0x4d4f452d53455121ULL /* "MOE-SEQ!" */

typedef struct Sequence {
    uint64_t magic;
    Model *model;
    int n_ctx;           /* positions the cache holds */
    int pos;             /* positions consumed */
    float *k_cache;      /* [n_layer][n_ctx][n_head_kv * head_dim_k] */
    float *v_cache;      /* [n_layer][n_ctx][n_head_kv * head_dim_v] */
    float *scores;       /* [n_head][n_ctx]: attention weights of the token being processed */
    uint64_t step_stamp; /* the last step that listed it (duplicate check) */
} Sequence;

/* The model's scratch buffers for one chunk of up to STEP_CHUNK tokens (forward.c). */
struct RunState *runstate_new(const Model *m, Error *err);
void runstate_free(struct RunState *rs);

Sequence *sequence_new(Model *m, int n_ctx, Error *err);
void sequence_free(Sequence *s);
/* Forgets positions >= pos (0 <= pos <= s->pos). */
int sequence_truncate(Sequence *s, int pos, Error *err);

/* Sequence seqs[i] consumes counts[i] tokens (taken in order from tokens, n_tokens in all) and its logits after
 * its last token go to logits[i * n_vocab ..]. Everything is checked before anything is computed: on error
 * (ERR_ARG) nothing changed. Sequences must be distinct and belong to m. */
int model_step(Model *m, Sequence *const *seqs, const int32_t *counts, int n_seqs, const int32_t *tokens,
               int64_t n_tokens, float *logits, int64_t n_logits, Error *err);

#endif
