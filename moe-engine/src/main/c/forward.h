/* Sequences and the forward pass. A sequence's KV cache is paged: pages of KV_PAGE positions (all layers, float32)
 * are taken as the sequence grows, counted against the model's budget, and returned when it is truncated or freed.
 * One step runs any number of sequences, each consuming >= 1 tokens, through the model together and returns the
 * logits after each one's last token. */
#ifndef MOE_FORWARD_H
#define MOE_FORWARD_H

#include <stdint.h>

#include "error.h"
#include "model.h"

#define SEQUENCE_MAGIC 0x4d4f452d53455121ULL /* "MOE-SEQ!" */

#define KV_PAGE 32 /* positions per KV cache page */

typedef struct Sequence {
    uint64_t magic;
    Model *model;
    int n_ctx;           /* positions it may hold */
    int pos;             /* positions consumed */
    float **pages;       /* [n_ctx / KV_PAGE rounded up]; the first n_pages allocated: [n_layer][KV_PAGE][kv_k + kv_v] */
    int n_pages;
    float *scores;       /* [n_head][n_ctx]: attention weights of the token being processed */
    uint64_t step_stamp; /* the last step that listed it (duplicate check) */
} Sequence;

/* The cached keys of (layer, position); the values follow at + kv_k_dim. */
static inline float *kv_cell(const Sequence *s, int layer, int pos) {
    const Model *m = s->model;
    return s->pages[pos / KV_PAGE] + ((size_t)layer * KV_PAGE + (size_t)(pos % KV_PAGE)) * (size_t)(m->kv_k_dim + m->kv_v_dim);
}

/* The model's scratch buffers for one chunk of up to STEP_CHUNK tokens (forward.c). */
struct RunState *runstate_new(const Model *m, Error *err);
void runstate_free(struct RunState *rs);

Sequence *sequence_new(Model *m, int n_ctx, Error *err);
void sequence_free(Sequence *s);
/* Forgets positions >= pos (0 <= pos <= s->pos) and returns the pages no longer needed. */
int sequence_truncate(Sequence *s, int pos, Error *err);

/* Sequence seqs[i] consumes counts[i] tokens (taken in order from tokens, n_tokens in all) and its logits after
 * its last token go to logits[i * n_vocab ..]. Everything is checked before anything is computed: on error
 * (ERR_ARG, or ERR_KV_FULL when the pages the step needs exceed the budget) nothing changed. Sequences must be distinct
 * and belong to m. */
int model_step(Model *m, Sequence *const *seqs, const int32_t *counts, int n_seqs, const int32_t *tokens,
               int64_t n_tokens, float *logits, int64_t n_logits, Error *err);

#endif
