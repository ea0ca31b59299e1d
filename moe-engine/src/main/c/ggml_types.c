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

/* Q4_K super-block: d, dmin (fp16), scales[12] (k_scales_mins), qs[128]. Value v = 64 c + 32 h + l (c = 0..3,
 * h = 0..1, l = 0..31) is nibble h (0: low, 1: high) of qs[32 c + l], in sub-block j = 2 c + h:
 * y = fl(fl(d * sc_j) * q) - fl(dmin * m_j). Q5_K adds qh[32] before qs: bit j of qh[l] is the quant's bit 4. */
static void q45_k_to_float(const uint8_t *src, float *dst, int64_t n, int five) {
    const int bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
    for (int64_t b = 0; b < n / QK_K; b++, src += bytes, dst += QK_K) {
        float d = fp16_to_fp32(load_u16(src)), dmin = fp16_to_fp32(load_u16(src + 2));
        uint64_t sc, mn;
        k_scales_mins(src + 4, &sc, &mn);
        const uint8_t *qh = src + 16, *qs = src + (five ? 48 : 16);
        for (int j = 0; j < QK_K / 32; j++) {
            float d1 = d * (float)(uint8_t)(sc >> 8 * j), m1 = dmin * (float)(uint8_t)(mn >> 8 * j);
            const uint8_t *q = qs + 32 * (j / 2);
            for (int l = 0; l < 32; l++) {
                int u = (j & 1 ? q[l] >> 4 : q[l] & 0x0f) | (five ? (qh[l] >> j & 1) << 4 : 0);
                dst[32 * j + l] = d1 * (float)u - m1;
            }
        }
    }
}

static void q4_k_to_float(const uint8_t *src, float *dst, int64_t n) { q45_k_to_float(src, dst, n, 0); }
static void q5_k_to_float(const uint8_t *src, float *dst, int64_t n) { q45_k_to_float(src, dst, n, 1); }

/* Q6_K super-block: ql[128], qh[64], scales[16] (int8), d (fp16). Value v = 128 c + 32 g + l (c = 0..1,
 * g = 0..3, l = 0..31): low 4 bits = nibble g / 2 (0: low) of ql[64 c + 32 (g % 2) + l], bits 4..5 = bits
 * 2 g .. 2 g + 1 of qh[32 c + l]; q = that - 32, y = fl(fl(d * scales[v / 16]) * q). */
static void q6_k_to_float(const uint8_t *src, float *dst, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; b++, src += Q6_K_BYTES, dst += QK_K) {
        float d = fp16_to_fp32(load_u16(src + 208));
        const int8_t *sc = (const int8_t *)(src + 192);
        for (int v = 0; v < QK_K; v++) {
            int c = v / 128, g = v % 128 / 32, l = v % 32;
            int lo = src[64 * c + 32 * (g % 2) + l] >> 4 * (g / 2) & 0x0f, hi = src[128 + 32 * c + l] >> 2 * g & 3;
            dst[v] = d * (float)sc[v / 16] * (float)((lo | hi << 4) - 32);
        }
    }
}

static const TypeTraits TRAITS[N_TYPE_SLOTS] = {
    {GGML_TYPE_F32, 0, "F32", 1, 4, f32_to_float},
    {GGML_TYPE_F16, 1, "F16", 1, 2, f16_to_float},
    {GGML_TYPE_Q4_0, 2, "Q4_0", QK, 18, q4_0_to_float},
    {GGML_TYPE_Q8_0, 3, "Q8_0", QK, 34, q8_0_to_float},
    {GGML_TYPE_BF16, 4, "BF16", 1, 2, bf16_to_float},
    {GGML_TYPE_Q4_K, 5, "Q4_K", QK_K, Q4_K_BYTES, q4_k_to_float},
    {GGML_TYPE_Q5_K, 6, "Q5_K", QK_K, Q5_K_BYTES, q5_k_to_float},
    {GGML_TYPE_Q6_K, 7, "Q6_K", QK_K, Q6_K_BYTES, q6_k_to_float},
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

const char *supported_types_list(void) { return "F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16"; }
