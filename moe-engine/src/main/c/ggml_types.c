#include "ggml_types.h"

#include <string.h>

float fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000 | man << 13; /* inf, NaN */
    } else if (exp != 0) {
        bits = sign | (exp + 112) << 23 | man << 13; /* normal: rebias 15 -> 127 */
    } else if (man == 0) {
        bits = sign; /* zero */
    } else { /* subnormal: normalise */
        int e = -1;
        do {
            man <<= 1;
            e++;
        } while (!(man & 0x400));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 0x3ff) << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t abs = x & 0x7fffffff;
    if (abs > 0x7f800000) return sign | 0x7e00;            /* NaN */
    if (abs >= 0x477ff000) return sign | 0x7c00;           /* rounds to >= 65536: inf */
    if (abs < 0x38800000) {                                /* below 2^-14: subnormal or zero */
        if (abs < 0x33000000) return sign;                 /* below half the smallest subnormal */
        uint32_t man = (abs & 0x7fffff) | 0x800000, shift = 126 - (abs >> 23); /* 14..24 */
        uint32_t q = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return sign | (uint16_t)q;
    }
    uint32_t q = ((abs >> 23) - 112) << 10 | (abs & 0x7fffff) >> 13, rem = abs & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) q++; /* a carry into the exponent is correct */
    return sign | (uint16_t)q;
}

float bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t fp32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000) return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

static void f32_to_float(const uint8_t *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }

static void f16_to_float(const uint8_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = fp16_to_fp32(load_u16(src + 2 * i));
}

static void bf16_to_float(const uint8_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_fp32(load_u16(src + 2 * i));
}

/* Q4_0 block: d (fp16), qs[16]; value j < 16 is (qs[j] & 15) - 8, value j >= 16 is (qs[j-16] >> 4) - 8, times d. */
static void q4_0_to_float(const uint8_t *src, float *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK; b++, src += 18, dst += QK) {
        float d = fp16_to_fp32(load_u16(src));
        for (int j = 0; j < QK / 2; j++) {
            dst[j] = (float)((src[2 + j] & 0x0f) - 8) * d;
            dst[j + QK / 2] = (float)((src[2 + j] >> 4) - 8) * d;
        }
    }
}

/* Q8_0 block: d (fp16), qs[32] (int8); value j is qs[j] * d. */
static void q8_0_to_float(const uint8_t *src, float *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK; b++, src += 34, dst += QK) {
        float d = fp16_to_fp32(load_u16(src));
        for (int j = 0; j < QK; j++) dst[j] = (float)(int8_t)src[2 + j] * d;
    }
}

static const TypeTraits TRAITS[N_TYPE_SLOTS] = {
    {GGML_TYPE_F32, 0, "F32", 1, 4, f32_to_float},
    {GGML_TYPE_F16, 1, "F16", 1, 2, f16_to_float},
    {GGML_TYPE_Q4_0, 2, "Q4_0", QK, 18, q4_0_to_float},
    {GGML_TYPE_Q8_0, 3, "Q8_0", QK, 34, q8_0_to_float},
    {GGML_TYPE_BF16, 4, "BF16", 1, 2, bf16_to_float},
};

const TypeTraits *type_traits(uint32_t id) {
    for (int i = 0; i < N_TYPE_SLOTS; i++)
        if (TRAITS[i].id == id) return &TRAITS[i];
    return NULL;
}

const char *slot_type_name(int slot) { return TRAITS[slot].name; }

const char *ggml_type_name(uint32_t id) {
    static const char *const NAMES[] = {
        "F32", "F16", "Q4_0", "Q4_1", NULL, NULL, "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K",
        "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
        "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", NULL, NULL, NULL, "TQ1_0", "TQ2_0",
    };
    return id < sizeof NAMES / sizeof NAMES[0] ? NAMES[id] : NULL;
}

const char *supported_types_list(void) { return "F32, F16, Q4_0, Q8_0, BF16"; }
