/* Loading and stepping small models of every architecture and type: determinism, batching invariance
 * (several sequences in one step, a prompt in one step), step validation, truncation, statistics. */
#include <math.h>
#include <stdlib.h>

#include "forward.h"
#include "gguf_writer.h"
#include "model.h"
#include "test.h"

typedef struct {
    uint8_t *image; /* the file image the model reads */
    Model *m;
} Loaded;

static Loaded load_spec(const ModelSpec *s, int threads, const char *kernels) {
    Loaded l = {0};
    size_t n;
    Error e;
    l.image = build_model(s, &n);
    Gguf *g = gguf_parse(l.image, n, &e);
    l.m = g ? model_from_gguf(g, threads, kernels_get(kernels), &e) : NULL;
    CHECK(l.m != NULL, "%s %s: %s", s->arch, type_traits(s->type)->name, e.msg);
    return l;
}

static void unload(Loaded *l) {
    model_free(l->m);
    free(l->image);
}

static Sequence *new_seq(Model *m, int n_ctx) {
    Error e;
    Sequence *s = sequence_new(m, n_ctx, &e);
    CHECK(s != NULL, "%s", e.msg);
    return s;
}

/* One step of one sequence. */
static int step1(Model *m, Sequence *s, const int32_t *tokens, int n, float *logits) {
    Error e;
    int32_t count = n;
    int rc = model_step(m, &s, &count, 1, tokens, n, logits, m->c.n_vocab, &e);
    CHECK(rc == 0, "step: %s", e.msg);
    return rc;
}

/* max |a - b| / max |b| */
static double rel_diff(const float *a, const float *b, int n) {
    double d = 0, mag = 1e-30;
    for (int i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i])), mag = fmax(mag, fabs((double)b[i]));
    return d / mag;
}

static void prompt(int32_t *tokens, int n, int n_vocab, int salt) {
    for (int i = 0; i < n; i++) tokens[i] = (i * 7 + salt * 13 + 3) % n_vocab;
}

static const uint32_t TYPES[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q8_0,
                                 GGML_TYPE_Q4_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
static const struct {
    const char *arch;
    int moe;
} ARCHS[] = {{"llama", 0}, {"llama", 1}, {"qwen2moe", 1}, {"qwen3moe", 1}};

/* Loads, steps a prompt and a decoded token, and checks the logits are finite and reproducible (another
 * instance with another thread count gives the same bits). */
static void test_load_and_step(const ModelSpec *s) {
    Loaded a = load_spec(s, 2, "auto"), b = load_spec(s, 1, "auto");
    if (!a.m || !b.m) goto done;
    int V = a.m->c.n_vocab;
    CHECK(V == s->n_vocab && a.m->c.n_embd == s->n_embd && a.m->c.n_layer == s->n_layer, "config");
    CHECK(a.m->c.n_expert == s->n_expert && a.m->c.n_expert_used == s->n_expert_used, "experts");
    float *la = malloc((size_t)V * 4), *lb = malloc((size_t)V * 4);
    int32_t tokens[6];
    prompt(tokens, 6, V, 1);
    Sequence *sa = new_seq(a.m, 32), *sb = new_seq(b.m, 32);
    step1(a.m, sa, tokens, 5, la);
    step1(a.m, sa, tokens + 5, 1, la);
    step1(b.m, sb, tokens, 5, lb);
    step1(b.m, sb, tokens + 5, 1, lb);
    int finite = 1;
    for (int i = 0; i < V; i++) finite &= isfinite(la[i]);
    CHECK(finite && la[0] != la[1], "%s %s: logits finite and not constant", s->arch, type_traits(s->type)->name);
    CHECK(!memcmp(la, lb, (size_t)V * 4), "%s %s: not reproducible across instances/thread counts", s->arch,
          type_traits(s->type)->name);
    CHECK(sa->pos == 6, "position after steps");
    if (s->n_expert) { /* every token counts once per chosen expert in every MoE layer */
        for (int l = a.m->c.n_leading_dense; l < s->n_layer; l++) {
            int64_t sum = 0;
            for (int e = 0; e < s->n_expert; e++) sum += a.m->expert_counts[l * s->n_expert + e];
            CHECK(sum == 6 * s->n_expert_used, "expert counts of layer %d: %lld", l, (long long)sum);
        }
    }
    sequence_free(sa), sequence_free(sb);
    free(la), free(lb);
done:
    unload(&a), unload(&b);
}

/* Sequences stepped together give the logits each gives alone; a prompt in one step (several chunks long)
 * gives the logits of feeding it one token per step. */
static void test_batching(const ModelSpec *s) {
    Loaded a = load_spec(s, 3, "auto");
    if (!a.m) return;
    Model *m = a.m;
    int V = m->c.n_vocab, lens[3] = {1, 4, 70}, total = 75;
    int32_t tokens[75], counts[3] = {1, 4, 70};
    prompt(tokens, 1, V, 1), prompt(tokens + 1, 4, V, 2), prompt(tokens + 5, 70, V, 3);
    float *together = malloc((size_t)3 * V * 4), *alone = malloc((size_t)V * 4), *one = malloc((size_t)V * 4);
    Sequence *seqs[3], *solo[3];
    for (int i = 0; i < 3; i++) seqs[i] = new_seq(m, 96), solo[i] = new_seq(m, 96);
    Error e;
    CHECK(model_step(m, seqs, counts, 3, tokens, total, together, 3 * V, &e) == 0, "%s", e.msg);
    for (int i = 0, at = 0; i < 3; at += lens[i++]) {
        step1(m, solo[i], tokens + at, lens[i], alone);
        CHECK(rel_diff(together + (size_t)i * V, alone, V) <= 1e-6, "%s %s: sequence %d differs in a batch by %g",
              s->arch, type_traits(s->type)->name, i, rel_diff(together + (size_t)i * V, alone, V));
    }
    /* a decode step of all three against each alone */
    int32_t next[3] = {5, 6, 7}, ones[3] = {1, 1, 1};
    CHECK(model_step(m, seqs, ones, 3, next, 3, together, 3 * V, &e) == 0, "%s", e.msg);
    for (int i = 0; i < 3; i++) {
        step1(m, solo[i], next + i, 1, alone);
        CHECK(rel_diff(together + (size_t)i * V, alone, V) <= 1e-6, "decode step: sequence %d differs", i);
    }
    /* the 70-token prompt one token per step */
    Sequence *slow = new_seq(m, 96);
    for (int i = 0; i < 70; i++) step1(m, slow, tokens + 5 + i, 1, one);
    step1(m, slow, next + 2, 1, one);
    CHECK(rel_diff(one, alone, V) <= 1e-5, "%s %s: prompt in one step vs token by token: %g", s->arch,
          type_traits(s->type)->name, rel_diff(one, alone, V));
    sequence_free(slow);
    for (int i = 0; i < 3; i++) sequence_free(seqs[i]), sequence_free(solo[i]);
    free(together), free(alone), free(one);
    unload(&a);
}

/* A rejected step changes nothing: the next valid step gives what it would have given. */
static void test_validation(void) {
    ModelSpec s = spec_small("qwen3moe", GGML_TYPE_Q8_0, 1);
    Loaded a = load_spec(&s, 2, "auto"), b = load_spec(&s, 1, "auto");
    if (!a.m || !b.m) goto done;
    Model *m = a.m;
    int V = m->c.n_vocab;
    float *logits = malloc((size_t)2 * V * 4), *want = malloc((size_t)V * 4);
    int32_t tokens[4] = {1, 2, 3, 4};
    Sequence *x = new_seq(m, 8), *y = new_seq(m, 8), *other = new_seq(b.m, 8), *ref = new_seq(m, 8);
    step1(m, x, tokens, 2, logits);
    step1(m, ref, tokens, 2, logits);
    int64_t counts_before = m->expert_counts[0] + m->expert_counts[1] + m->expert_counts[2] + m->expert_counts[3];
    Error e;
    Sequence *pair[2] = {x, y}, *dup[2] = {x, x}, *foreign[2] = {x, other}, *null_seq[2] = {x, NULL};
    int32_t c11[2] = {1, 1}, c10[2] = {1, 0}, c19[2] = {1, 9};
    int32_t bad_tok[2] = {1, 50}, neg_tok[2] = {-1, 1};
    struct {
        Sequence **seqs;
        int32_t *counts, *tokens;
        int64_t n_tokens, n_logits;
        const char *want;
    } cases[] = {
        {pair, c11, bad_tok, 2, 2 * V, "token 50 (index 1) is out of range 0..49"},
        {pair, c11, neg_tok, 2, 2 * V, "token -1 (index 0) is out of range"},
        {dup, c11, tokens, 2, 2 * V, "sequence 1 appears twice in the step"},
        {foreign, c11, tokens, 2, 2 * V, "sequence 1 belongs to another model"},
        {null_seq, c11, tokens, 2, 2 * V, "sequence 1: invalid handle"},
        {pair, c10, tokens, 1, 2 * V, "sequence 1: token count 0 must be >= 1"},
        {pair, c19, tokens, 10, 2 * V, "sequence 1: 9 tokens at position 0 exceed its context length 8"},
        {pair, c11, tokens, 3, 2 * V, "the counts add up to 2 tokens but 3 were given"},
        {pair, c11, tokens, 2, 2 * V - 1, "logits hold"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        e = (Error){0};
        int rc = model_step(m, cases[i].seqs, cases[i].counts, 2, cases[i].tokens, cases[i].n_tokens, logits,
                            cases[i].n_logits, &e);
        CHECK(rc == -1 && e.kind == ERR_ARG, "case %zu accepted", i);
        CHECK_MSG(e, cases[i].want);
    }
    CHECK(x->pos == 2 && y->pos == 0, "positions unchanged by rejected steps");
    int64_t counts_after = m->expert_counts[0] + m->expert_counts[1] + m->expert_counts[2] + m->expert_counts[3];
    CHECK(counts_before == counts_after, "expert counts unchanged by rejected steps");
    step1(m, x, tokens + 2, 1, logits);
    step1(m, ref, tokens + 2, 1, want);
    CHECK(!memcmp(logits, want, (size_t)V * 4), "a step after rejected ones is unaffected");
    /* sequence_new and truncate arguments */
    CHECK(!sequence_new(m, 0, &e) && e.kind == ERR_ARG, "context 0 refused");
    CHECK(sequence_truncate(x, 4, &e) == -1 && e.kind == ERR_ARG, "truncate past the position refused");
    CHECK(sequence_truncate(x, -1, &e) == -1, "negative truncate refused");
    /* truncate, then the same tokens again: same logits as the first time */
    float *first = malloc((size_t)V * 4);
    Sequence *t = new_seq(m, 8);
    int32_t more[3] = {7, 8, 9};
    step1(m, t, tokens, 3, logits);
    step1(m, t, more, 3, first);
    CHECK(sequence_truncate(t, 3, &e) == 0 && t->pos == 3, "truncate");
    step1(m, t, more, 1, logits);
    step1(m, t, more + 1, 2, logits);
    CHECK(!memcmp(logits, first, (size_t)V * 4), "after truncation the same tokens give the same logits");
    CHECK(sequence_truncate(t, 0, &e) == 0, "truncate to 0");
    free(first);
    sequence_free(t);
    sequence_free(x), sequence_free(y), sequence_free(other), sequence_free(ref);
    free(logits), free(want);
done:
    unload(&a), unload(&b);
}

/* Every kernel path computes the same model (within float reassociation). */
static void test_kernel_paths(const ModelSpec *s) {
    const char *paths[MAX_PATHS];
    int n = kernels_supported(paths);
    Loaded ref = load_spec(s, 2, "scalar");
    if (!ref.m) return;
    int V = ref.m->c.n_vocab;
    int32_t tokens[5];
    prompt(tokens, 5, V, 4);
    float *want = malloc((size_t)V * 4), *got = malloc((size_t)V * 4);
    Sequence *q = new_seq(ref.m, 8);
    step1(ref.m, q, tokens, 5, want);
    sequence_free(q);
    for (int p = 0; p < n; p++) {
        Loaded l = load_spec(s, 2, paths[p]);
        if (!l.m) continue;
        q = new_seq(l.m, 8);
        step1(l.m, q, tokens, 5, got);
        /* -q8a on quantized weights: activation rounding, see Q8A_LOGITS_BOUND in test_reference.c */
        double bound = l.m->kernels->dotq[type_traits(s->type)->slot] ? 5e-2 : 1e-4;
        CHECK(rel_diff(got, want, V) <= bound, "%s %s on %s: %g from scalar", s->arch, type_traits(s->type)->name,
              paths[p], rel_diff(got, want, V));
        sequence_free(q);
        unload(&l);
    }
    free(want), free(got);
    unload(&ref);
}

/* weight_bytes: every tensor; active: all but the experts (k of n_expert) and token_embd (one row). */
static void test_sizes(void) {
    ModelSpec s = spec_small("qwen2moe", GGML_TYPE_Q8_0, 1);
    Loaded a = load_spec(&s, 1, "auto");
    if (!a.m) return;
    Model *m = a.m;
    size_t all = 0, experts = 0, embd = gguf_tensor(m->gguf, "token_embd.weight")->nbytes;
    for (uint64_t i = 0; i < m->gguf->n_tensors; i++) {
        const GgufTensor *t = &m->gguf->tensors[i];
        all += t->nbytes;
        if (t->name.len > 12 && !memcmp(t->name.ptr + t->name.len - 12, "_exps.weight", 12)) experts += t->nbytes;
    }
    size_t active = all - embd + m->token_embd.row_bytes - experts + experts / 4 * 2;
    CHECK(m->weight_bytes == all, "weight_bytes %zu, tensors %zu", m->weight_bytes, all);
    CHECK(m->active_weight_bytes == active, "active bytes %zu, expected %zu", m->active_weight_bytes, active);
    CHECK(m->kv_bytes_per_token == 2 * 2 * (16 + 16) * 4, "kv bytes %zu", m->kv_bytes_per_token);
    unload(&a);
    /* tied output: token_embd counts whole (the logits) plus one row (the embedding) */
    s = spec_small("llama", GGML_TYPE_Q4_0, 1);
    Loaded t = load_spec(&s, 1, "auto"), u;
    s.tied = 1;
    u = load_spec(&s, 1, "auto");
    if (t.m && u.m) {
        size_t out = gguf_tensor(t.m->gguf, "output.weight")->nbytes;
        CHECK(u.m->weight_bytes + out == t.m->weight_bytes, "tied weight bytes");
        CHECK(u.m->active_weight_bytes == t.m->active_weight_bytes, "tied active bytes (same sizes)");
        int V = u.m->c.n_vocab;
        float *logits = malloc((size_t)V * 4);
        int32_t tok[2] = {3, 4};
        Sequence *q = new_seq(u.m, 4);
        step1(u.m, q, tok, 2, logits);
        CHECK(isfinite(logits[0]), "tied model steps");
        sequence_free(q);
        free(logits);
    }
    unload(&t), unload(&u);
}

/* The KV cache budget: pages are taken as sequences grow, a step that does not fit is refused (ERR_KV_FULL) and
 * changes nothing, and truncating or freeing a sequence returns its pages at once. */
static void test_kv_budget(void) {
    ModelSpec s = spec_small("deepseek2", GGML_TYPE_Q8_0, 1);
    Loaded a = load_spec(&s, 1, "auto");
    if (!a.m) return;
    Model *m = a.m;
    int V = m->c.n_vocab;
    Error e;
    CHECK(m->kv_bytes_per_token == (size_t)2 * (32 + 16) * 4, "MLA caches latent + rope key: %zu",
          m->kv_bytes_per_token);
    CHECK(m->kv_bytes_per_token_mha == (size_t)2 * 4 * (48 + 32) * 4, "plain cache of the same heads: %zu",
          m->kv_bytes_per_token_mha);
    CHECK(model_set_kv_budget(m, 3 * m->kv_page_bytes + 5, &e) == 0 && m->kv_pages_budget == 3, "budget: %s", e.msg);
    float *logits = malloc((size_t)2 * V * 4);
    int32_t tokens[80];
    prompt(tokens, 80, V, 4);
    Sequence *x = new_seq(m, 128), *y = new_seq(m, 128);
    CHECK(m->kv_pages_used == 0, "a new sequence holds no pages");
    step1(m, x, tokens, 40, logits); /* 2 pages */
    CHECK(m->kv_pages_used == 2 && x->n_pages == 2, "40 positions take 2 pages: %zu", m->kv_pages_used);
    int32_t count = 40;
    CHECK(model_step(m, &y, &count, 1, tokens + 40, 40, logits, V, &e) == -1 && e.kind == ERR_KV_FULL,
          "a step beyond the budget is refused");
    CHECK(strstr(e.msg, "KV cache budget exhausted") != NULL, "message: %s", e.msg);
    CHECK(y->pos == 0 && y->n_pages == 0 && m->kv_pages_used == 2, "the refused step changed nothing");
    CHECK(model_set_kv_budget(m, m->kv_page_bytes, &e) == -1 && e.kind == ERR_ARG, "budget below what is held");
    CHECK(sequence_truncate(x, 10, &e) == 0 && x->n_pages == 1 && m->kv_pages_used == 1, "truncation frees pages");
    step1(m, y, tokens + 40, 40, logits);
    CHECK(m->kv_pages_used == 3, "pages reused after truncation: %zu", m->kv_pages_used);
    sequence_free(x);
    CHECK(m->kv_pages_used == 2, "freeing returns the pages at once");
    sequence_free(y);
    CHECK(m->kv_pages_used == 0, "all returned");
    free(logits);
    unload(&a);
}

void suite_model(void) {
    for (int t = 0; t < 5; t++) { /* deepseek2: attn_q + split layout + softmax, and q LoRA + combined + sigmoid */
        ModelSpec s = spec_small("deepseek2", TYPES[t], 1);
        test_load_and_step(&s);
        s.q_lora = 32, s.kv_b_combined = 1, s.sigmoid_bias = 1;
        test_load_and_step(&s);
        if (t == 0 || t == 4) test_batching(&s);
        if (t == 3) test_kernel_paths(&s);
    }
    test_kv_budget();
    for (size_t a = 0; a < sizeof ARCHS / sizeof *ARCHS; a++)
        for (size_t t = 0; t < sizeof TYPES / sizeof *TYPES; t++) {
            ModelSpec s = spec_small(ARCHS[a].arch, TYPES[t], ARCHS[a].moe); /* K-quants: rows of 256 */
            test_load_and_step(&s);
            if (t == 0 || t == 4 || (t == 5 && a == 2)) test_batching(&s);
            if (t == 3 || t == 5) test_kernel_paths(&s);
        }
    /* sizes that are not multiples of 32 (float types only), explicit head dims, GQA 1:1 */
    ModelSpec odd = spec_small("llama", GGML_TYPE_F16, 0);
    odd.n_embd = 40, odd.n_head = 5, odd.n_head_kv = 5, odd.head_dim = 12, odd.write_head_dim = 1, odd.n_ff = 72;
    test_load_and_step(&odd);
    test_batching(&odd);
    test_kernel_paths(&odd);
    test_validation();
    test_sizes();
}
