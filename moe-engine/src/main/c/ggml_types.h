/* The GGML tensor types this engine reads, with their block layouts (bit-exact with ggml), and the
 * fp16/bf16 conversions. Quantized types store blocks of QK values: an fp16 scale d, then the quants. */
#ifndef MOE_GGML_TYPES_H
#define MOE_GGML_TYPES_H

#include <stddef.h>
#include <stdint.h>

enum {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_BF16 = 30,
};

#define QK 32          /* values per quantized block */
#define N_TYPE_SLOTS 5 /* supported types, numbered 0..4 by TypeTraits.slot */

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
/* "F32, F16, Q4_0, Q8_0, BF16" */
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

#endif
