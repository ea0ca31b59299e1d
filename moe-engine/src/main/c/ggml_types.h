/* The GGML tensor types this engine reads, with their block layouts (bit-exact with ggml), and the
 * fp16/bf16 conversions. Q4_0/Q8_0 store blocks of QK values: an fp16 scale d, then the quants. The K-quants
 * Q4_K/Q5_K/Q6_K store super-blocks of QK_K values split into sub-blocks with their own small integer scales
 * (docs/model-math.md, "Tensor types"). */
#ifndef MOE_GGML_TYPES_H
#define MOE_GGML_TYPES_H

#include <stddef.h>
#include <stdint.h>

enum {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_BF16 = 30,
};

#define QK 32          /* values per Q4_0/Q8_0 block, and per block of quantized activations */
#define QK_K 256       /* values per K-quant super-block: the largest block of any type */
#define N_TYPE_SLOTS 8 /* supported types, numbered 0..7 by TypeTraits.slot */

/* Bytes per super-block. */
#define Q4_K_BYTES 144 /* d, dmin (fp16), scales[12], qs[128] */
#define Q5_K_BYTES 176 /* d, dmin (fp16), scales[12], qh[32], qs[128] */
#define Q6_K_BYTES 210 /* ql[128], qh[64], scales[16] (int8), d (fp16) */

typedef struct {
    uint32_t id;      /* GGML type id */
    int slot;         /* dense index 0..N_TYPE_SLOTS-1, for per-type tables */
    const char *name;
    int block;        /* values per block */
    int block_bytes;  /* bytes per block */
    /* Converts n values (n a multiple of block) starting at src; the reference dequantization. */
    void (*to_float)(const uint8_t *src, float *dst, int64_t n);
} TypeTraits;

/* The traits of a supported type, or NULL. */
const TypeTraits *type_traits(uint32_t id);
/* The name of the type in slot 0..N_TYPE_SLOTS-1. */
const char *slot_type_name(int slot);
/* "Q4_K" etc. for every GGML type id known, supported or not; NULL for unknown ids. */
const char *ggml_type_name(uint32_t id);
/* "F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16" */
const char *supported_types_list(void);
/* Bytes of n values (n a multiple of the block size). */
static inline size_t type_bytes(const TypeTraits *t, int64_t n) {
    return (size_t)(n / t->block) * (size_t)t->block_bytes;
}

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f); /* round to nearest even */
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f); /* round to nearest even, NaN stays NaN */

/* Unaligned little-endian loads from file data. */
static inline uint16_t load_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t load_u32(const uint8_t *p) { return (uint32_t)load_u16(p) | (uint32_t)load_u16(p + 2) << 16; }

/* The 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K super-block, from its 12 packed bytes s:
 * byte j of *scales is the scale of sub-block j, byte j of *mins its min. Sub-blocks 0..3: the low 6 bits of
 * s[j] (scale) and s[j + 4] (min); sub-blocks 4..7: the low nibble of s[j + 4] (scale) and its high nibble (min)
 * give bits 0..3, the top two bits of s[j - 4] (scale) and of s[j] (min) give bits 4..5. */
static inline void k_scales_mins(const uint8_t *s, uint64_t *scales, uint64_t *mins) {
    uint32_t w0 = load_u32(s), w1 = load_u32(s + 4), w2 = load_u32(s + 8);
    uint32_t sc_lo = w0 & 0x3f3f3f3f, sc_hi = (w2 & 0x0f0f0f0f) | ((w0 >> 2) & 0x30303030);
    uint32_t mn_lo = w1 & 0x3f3f3f3f, mn_hi = ((w2 >> 4) & 0x0f0f0f0f) | ((w1 >> 2) & 0x30303030);
    *scales = sc_lo | (uint64_t)sc_hi << 32;
    *mins = mn_lo | (uint64_t)mn_hi << 32;
}

#endif
