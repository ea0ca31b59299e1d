/* Test-only: a GGUF writer that builds file images in memory, the reference quantizers of the spec, and a
 * builder of small random models of every supported architecture and tensor type. */
#ifndef MOE_GGUF_WRITER_H
#define MOE_GGUF_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct GgufWriter GgufWriter;

GgufWriter *gw_new(uint32_t alignment); /* 0: write no general.alignment, align to 32 */
void gw_str(GgufWriter *w, const char *key, const char *value);
void gw_u32(GgufWriter *w, const char *key, uint32_t value);
void gw_f32(GgufWriter *w, const char *key, float value);
void gw_bool(GgufWriter *w, const char *key, int value);
void gw_str_array(GgufWriter *w, const char *key, const char *const *values, int n);
void gw_f32_array(GgufWriter *w, const char *key, const float *values, int n);
void gw_i32_array(GgufWriter *w, const char *key, const int32_t *values, int n);
/* A tensor of dims ne[0..n_dims) whose values are converted (quantized) to type. */
void gw_tensor(GgufWriter *w, const char *name, uint32_t type, int n_dims, const int64_t *ne, const float *values);
/* The file image (malloc'd; no padding after the last tensor); frees w. */
uint8_t *gw_finish(GgufWriter *w, size_t *size);

/* n values (a multiple of the block size for quantized types) to their bytes, as docs/model-math.md says. */
void quantize_row(uint32_t type, const float *x, uint8_t *out, int64_t n);

/* A deterministic PRNG (splitmix64). */
typedef struct {
    uint64_t s;
} Rng;
uint64_t rng_next(Rng *r);
float rng_float(Rng *r); /* uniform in [-1, 1) */

typedef struct {
    const char *arch; /* "llama", "qwen2moe", "qwen3moe", "deepseek2", or anything else (refused on load) */
    uint32_t type;    /* type of every matrix */
    int n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_expert, n_expert_used, n_ff_exp, n_ff_shexp;
    int context_length;
    int tied;         /* no output.weight */
    int qkv_bias;     /* qwen2moe q/k/v biases */
    int write_head_dim; /* write attention.key_length / value_length */
    uint64_t seed;
    uint32_t alignment;
    /* deepseek2 (built with a fixed MLA shape: kv_lora_rank 32, heads of 32 + 16 rotated / 32, one dense layer
     * first, one shared expert, YaRN): q LoRA rank (0: attn_q), the combined attn_kv_b layout, sigmoid + bias */
    int q_lora, kv_b_combined, sigmoid_bias;
    /* for malformed-file tests */
    const char *skip_tensor, *skip_key, *bad_dims_tensor, *f16_tensor;
} ModelSpec;

/* A small model: n_embd 64, 4 heads (2 KV heads) of 16, 2 layers, 4 experts (2 used) when moe; for a K-quant
 * n_embd 256, heads of 64 and FFN widths 256 (rows of a multiple of 256). */
ModelSpec spec_small(const char *arch, uint32_t type, int moe);
uint8_t *build_model(const ModelSpec *spec, size_t *size);

#endif
