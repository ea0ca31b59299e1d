/* Types and kernels: conversions and dequantization against straightforward references, every kernel path
 * against the scalar one, batched against single-row products, and the threaded matrix product. */
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "ggml_types.h"
#include "gguf_writer.h"
#include "kernels.h"
#include "matmul.h"
#include "test.h"
#include "threadpool.h"

static float ref_half(uint16_t h) {
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    return (float)(h >> 15 ? -v : v);
}

static float ref_bf16(uint16_t h) {
    int e = (h >> 7) & 0xff, m = h & 0x7f;
    double v = e == 0 ? ldexp(m, -133) : ldexp(128 + m, e - 134);
    return (float)(h >> 15 ? -v : v);
}

static uint16_t u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Value v (0..255) of a K-quant super-block at b, per docs/model-math.md "Tensor types" read literally: its stored
 * quant (Q6_K: minus 32), the integer scale and min that apply to it (min 0 for Q6_K), and d, dmin. */
static void k_decode(uint32_t type, const uint8_t *b, int v, int *q, int *scale, int *min, float *d, float *dmin) {
    if (type == GGML_TYPE_Q6_K) {
        int c = v / 128, g = v % 128 / 32, l = v % 32;
        int ql = b[64 * c + 32 * (g % 2) + l], qh = b[128 + 32 * c + l];
        *q = ((g < 2 ? ql & 15 : ql >> 4) | ((qh >> (2 * g)) & 3) << 4) - 32;
        *scale = (int8_t)b[192 + v / 16];
        *min = 0;
        *d = ref_half(u16(b + 208)), *dmin = 0;
        return;
    }
    int j = v / 32, l = v % 32, five = type == GGML_TYPE_Q5_K;
    const uint8_t *s = b + 4, *qs = b + (five ? 48 : 16);
    int byte = qs[32 * (j / 2) + l];
    *q = (j % 2 ? byte >> 4 : byte & 15) + (five && (b[16 + l] >> j) % 2 ? 16 : 0);
    if (j < 4) {
        *scale = s[j] & 63, *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 15) + (s[j - 4] >> 6) * 16;
        *min = (s[j + 4] >> 4) + (s[j] >> 6) * 16;
    }
    *d = ref_half(u16(b)), *dmin = ref_half(u16(b + 2));
}

/* docs/model-math.md, "Tensor types", read literally. */
static void ref_dequant(uint32_t type, const uint8_t *p, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        switch (type) {
        case GGML_TYPE_F32: memcpy(&out[i], p + 4 * i, 4); break;
        case GGML_TYPE_F16: out[i] = ref_half(u16(p + 2 * i)); break;
        case GGML_TYPE_BF16: out[i] = ref_bf16(u16(p + 2 * i)); break;
        case GGML_TYPE_Q8_0: {
            const uint8_t *b = p + i / 32 * 34;
            out[i] = (float)(int8_t)b[2 + i % 32] * ref_half(u16(b));
            break;
        }
        case GGML_TYPE_Q4_0: {
            const uint8_t *b = p + i / 32 * 18;
            int j = (int)(i % 32), q = j < 16 ? (b[2 + j] & 0x0f) - 8 : (b[2 + j - 16] >> 4) - 8;
            out[i] = (float)q * ref_half(u16(b));
            break;
        }
        case GGML_TYPE_Q4_K:
        case GGML_TYPE_Q5_K:
        case GGML_TYPE_Q6_K: {
            int q, scale, min;
            float d, dmin;
            k_decode(type, p + i / 256 * type_traits(type)->block_bytes, (int)(i % 256), &q, &scale, &min, &d, &dmin);
            float d1 = d * (float)scale, m1 = dmin * (float)min; /* the fp32 operations of the spec, in its order */
            out[i] = type == GGML_TYPE_Q6_K ? d1 * (float)q : d1 * (float)q - m1;
            break;
        }
        }
    }
}

/* Random finite data of n values of a type. */
static uint8_t *random_row(Rng *r, uint32_t type, int64_t n) {
    const TypeTraits *tr = type_traits(type);
    size_t bytes = type_bytes(tr, n);
    uint8_t *p = malloc(bytes + 1);
    for (size_t i = 0; i < bytes; i++) p[i] = (uint8_t)rng_next(r);
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        switch (type) {
        case GGML_TYPE_F32: {
            float f = rng_float(r) * 4;
            memcpy(p + 4 * i, &f, 4);
            break;
        }
        case GGML_TYPE_F16: h = fp32_to_fp16(rng_float(r) * 4), memcpy(p + 2 * i, &h, 2); break;
        case GGML_TYPE_BF16: h = fp32_to_bf16(rng_float(r) * 4), memcpy(p + 2 * i, &h, 2); break;
        default: /* quantized: random quants and scales, a sane fp16 d (and dmin) per block */
            if (i % tr->block == 0) {
                uint8_t *b = p + i / tr->block * tr->block_bytes;
                h = fp32_to_fp16(rng_float(r) * (tr->block == QK ? 0.1f : 0.01f));
                memcpy(b + (type == GGML_TYPE_Q6_K ? 208 : 0), &h, 2);
                h = fp32_to_fp16(rng_float(r) * 0.01f); /* Q4_K/Q5_K dmin */
                if (type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K) memcpy(b + 2, &h, 2);
            }
        }
    }
    return p;
}

static void test_conversions(void) {
    for (uint32_t h = 0; h < 65536; h++) {
        float f = fp16_to_fp32((uint16_t)h), want = ref_half((uint16_t)h);
        if (isnan(want)) {
            CHECK(isnan(f), "fp16 %04x", h);
            continue;
        }
        CHECK(!memcmp(&f, &want, 4), "fp16 %04x: %g != %g", h, f, want);
        CHECK(fp32_to_fp16(f) == h, "fp16 round trip %04x -> %04x", h, fp32_to_fp16(f));
        float b = bf16_to_fp32((uint16_t)h), want_b = ref_bf16((uint16_t)h);
        if (((h >> 7) & 0xff) != 0xff) CHECK(!memcmp(&b, &want_b, 4) || (b == 0 && want_b == 0), "bf16 %04x", h);
    }
    /* fp32 -> bf16 rounds to the nearer neighbour (fp32 -> fp16 is checked against F16C below) */
    Rng r = {7};
    for (int i = 0; i < 200000; i++) {
        uint32_t bits = (uint32_t)rng_next(&r);
        float x;
        memcpy(&x, &bits, 4);
        if (isnan(x)) continue;
        uint16_t h = fp32_to_bf16(x);
        double v = bf16_to_fp32(h), up = bf16_to_fp32((uint16_t)(h + 1)), down = bf16_to_fp32((uint16_t)(h - 1));
        if (!isinf(v) && !isinf(up) && !isnan(up))
            CHECK(fabs(v - x) < fabs(up - x) || (fabs(v - x) == fabs(up - x) && !(h & 1)), "bf16(%a) = %04x", x, h);
        if (!isinf(v) && (h & 0x7fff) && !isnan(down))
            CHECK(fabs(v - x) < fabs(down - x) || (fabs(v - x) == fabs(down - x) && !(h & 1)), "bf16(%a) = %04x", x, h);
    }
}

__attribute__((target("f16c"))) static uint16_t hw_fp16(float x) { return _cvtss_sh(x, 0); }

static void test_fp16_vs_hardware(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("f16c")) return;
    Rng r = {11};
    for (int i = 0; i < 200000; i++) {
        uint32_t bits = (uint32_t)rng_next(&r);
        if (i % 2) bits = (bits & 0x87ffffff) | 0x30000000;
        float x;
        memcpy(&x, &bits, 4);
        if (!isnan(x))
            CHECK(fp32_to_fp16(x) == hw_fp16(x), "fp16(%a): %04x, F16C says %04x", x, fp32_to_fp16(x), hw_fp16(x));
    }
}

static const uint32_t TYPES[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q8_0,
                                 GGML_TYPE_Q4_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
#define N_TYPES (sizeof TYPES / sizeof TYPES[0])

static void test_dequantize(void) {
    Rng r = {3};
    for (size_t ti = 0; ti < N_TYPES; ti++) {
        const int64_t blocks[] = {1, 3, 7, 33};
        for (int k = 0; k < 4; k++) {
            int block = type_traits(TYPES[ti])->block;
            int64_t n = blocks[k] * (block == 1 ? 32 : block) + (block == 1 ? 5 : 0);
            uint8_t *p = random_row(&r, TYPES[ti], n);
            float *got = malloc((size_t)n * 4), *want = malloc((size_t)n * 4);
            type_traits(TYPES[ti])->to_float(p, got, n);
            ref_dequant(TYPES[ti], p, want, n);
            CHECK(!memcmp(got, want, (size_t)n * 4), "dequantize %s, n = %lld", type_traits(TYPES[ti])->name,
                  (long long)n);
            free(p), free(got), free(want);
        }
    }
    /* the spec's quantizers (test writer) round-trip within half a step */
    float x[64], y[64];
    uint8_t q[2 * 34];
    for (int i = 0; i < 64; i++) x[i] = rng_float(&r);
    quantize_row(GGML_TYPE_Q8_0, x, q, 64);
    type_traits(GGML_TYPE_Q8_0)->to_float(q, y, 64);
    for (int i = 0; i < 64; i++) CHECK(fabsf(x[i] - y[i]) <= 1.01f / 127 / 2 + 1e-3f, "q8_0 %d", i);
    quantize_row(GGML_TYPE_Q4_0, x, q, 64);
    type_traits(GGML_TYPE_Q4_0)->to_float(q, y, 64);
    for (int i = 0; i < 64; i++) CHECK(fabsf(x[i] - y[i]) <= 1.01f / 8 + 1e-3f, "q4_0 %d", i);
}

static void test_dot_paths(void) {
    const char *paths[MAX_PATHS];
    int n_paths = kernels_supported(paths);
    const Kernels *scalar = kernels_get("scalar");
    CHECK(scalar && !strcmp(paths[n_paths - 1], "scalar"), "scalar path always present");
    CHECK(kernels_get("auto") == kernels_get(paths[0]), "auto is the best path");
    CHECK(!kernels_get("sse9"), "unknown path refused");
    printf("kernel paths on this CPU:");
    for (int i = 0; i < n_paths; i++) printf(" %s", paths[i]);
    printf("\n");
    Rng r = {5};
    const int64_t sizes[] = {32, 96, 224, 1056, 1, 7, 31, 33, 100, 1000, 256, 768, 2304};
    for (size_t ti = 0; ti < N_TYPES; ti++) {
        const TypeTraits *tr = type_traits(TYPES[ti]);
        for (int si = 0; si < 13; si++) {
            int64_t n = sizes[si], ldx = n + 3;
            if (n % tr->block) continue;
            uint8_t *w = random_row(&r, TYPES[ti], n);
            float *x = malloc((size_t)(ldx * MAX_NT) * 4), *deq = malloc((size_t)n * 4);
            for (int64_t i = 0; i < ldx * MAX_NT; i++) x[i] = rng_float(&r);
            tr->to_float(w, deq, n);
            float ref[MAX_NT];
            scalar->dot[tr->slot](w, x, ldx, MAX_NT, n, ref);
            for (int t = 0; t < MAX_NT; t++) {
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < n; i++) {
                    exact += (double)deq[i] * x[t * ldx + i];
                    mag += fabs((double)deq[i] * x[t * ldx + i]);
                }
                CHECK(fabs(ref[t] - exact) <= 1e-5 * mag, "scalar %s n=%lld: %g vs %g", tr->name, (long long)n, ref[t],
                      exact);
            }
            for (int p = 0; p < n_paths; p++) {
                const Kernels *k = kernels_get(paths[p]);
                float out[MAX_NT], one;
                k->dot[tr->slot](w, x, ldx, MAX_NT, n, out);
                for (int t = 0; t < MAX_NT; t++) {
                    double mag = 0;
                    for (int64_t i = 0; i < n; i++) mag += fabs((double)deq[i] * x[t * ldx + i]);
                    CHECK(fabs((double)out[t] - ref[t]) <= 1e-5 * mag, "%s %s n=%lld row %d: %g vs scalar %g",
                          paths[p], tr->name, (long long)n, t, out[t], ref[t]);
                    k->dot[tr->slot](w, x + t * ldx, ldx, 1, n, &one);
                    CHECK(!memcmp(&one, &out[t], 4), "%s %s n=%lld: batched row %d differs from single", paths[p],
                          tr->name, (long long)n, t);
                }
            }
            free(w), free(x), free(deq);
        }
    }
}

/* Jobs of two quantized types and a float type on one input (e.g. Q8_0, F16 and Q4_0: the third job on its first
 * rows only, so it reuses the first job's quantized input), on every path; the -q8a ones with room for the
 * quantized input, with too little (the quantized types fall back to the exact kernels) and with none. The large
 * cases quantize on the pool. */
static void matmul_case(ThreadPool *pool, Rng *r, int64_t n_in, int nt, const uint32_t types[3]) {
    int64_t rows[3] = {37, 5, 19};
    int nts[3] = {nt, nt, nt - 4};
    uint8_t *w[3];
    float *x = malloc((size_t)(nt * n_in) * 4), *y[3];
    for (int64_t i = 0; i < nt * n_in; i++) x[i] = rng_float(r);
    MatJob jobs[3];
    for (int j = 0; j < 3; j++) {
        w[j] = random_row(r, types[j], n_in * rows[j]);
        y[j] = malloc((size_t)(nt * rows[j]) * 4);
        Mat mat = {w[j], types[j], n_in, rows[j], type_bytes(type_traits(types[j]), n_in)};
        jobs[j] = (MatJob){.w = mat, .x = x, .y = y[j], .nt = nts[j]};
    }
    const char *paths[MAX_PATHS];
    int n_paths = kernels_supported(paths);
    int64_t need = nt * n_in / QK;
    BlockQ8A *xq = malloc((size_t)need * sizeof *xq), *blocks = malloc((size_t)need * sizeof *xq);
    for (int p = 0; p < n_paths; p++) {
        const Kernels *k = kernels_get(paths[p]);
        for (int room = 0; room < (k->quantize ? 3 : 1); room++) {
            Q8Scratch scratch = {blocks, room == 0 ? need : (nt - 4) * n_in / QK - 1}; /* room 1: neither fits */
            matmul(pool, k, jobs, 3, room == 2 ? NULL : &scratch);
            int quantized = k->quantize && room == 0;
            CHECK(!jobs[1].xq && (jobs[0].xq != NULL) == quantized && jobs[2].xq == jobs[0].xq,
                  "%s: quantized input %d", paths[p], room);
            if (quantized) k->quantize(x, xq, nt * n_in);
            for (int j = 0; j < 3; j++)
                for (int t = 0; t < nts[j]; t++)
                    for (int64_t row = 0; row < rows[j]; row++) {
                        float want;
                        const uint8_t *wr = w[j] + row * jobs[j].w.row_bytes;
                        int slot = type_traits(types[j])->slot;
                        if (quantized && k->dotq[slot]) k->dotq[slot](wr, xq + t * n_in / QK, 0, 1, n_in, &want);
                        else k->dot[slot](wr, x + t * n_in, n_in, 1, n_in, &want);
                        CHECK(!memcmp(&want, &y[j][t * rows[j] + row], 4), "%s matmul job %d token %d row %lld",
                              paths[p], j, t, (long long)row);
                    }
        }
    }
    free(xq), free(blocks);
    for (int j = 0; j < 3; j++) free(w[j]), free(y[j]);
    free(x);
}

static void test_matmul(void) {
    Error err;
    ThreadPool *pool = pool_new(3, &err);
    CHECK(pool != NULL, "%s", err.msg);
    if (!pool) return;
    Rng r = {9};
    matmul_case(pool, &r, 96, 9, (uint32_t[3]){GGML_TYPE_Q8_0, GGML_TYPE_F16, GGML_TYPE_Q4_0});
    matmul_case(pool, &r, 4096, 19, (uint32_t[3]){GGML_TYPE_Q8_0, GGML_TYPE_F16, GGML_TYPE_Q4_0});
    matmul_case(pool, &r, 512, 7, (uint32_t[3]){GGML_TYPE_Q4_K, GGML_TYPE_BF16, GGML_TYPE_Q6_K});
    matmul_case(pool, &r, 4096, 17, (uint32_t[3]){GGML_TYPE_Q5_K, GGML_TYPE_F32, GGML_TYPE_Q4_K});
    pool_free(pool);
}

/* ---- the -q8a paths: activations quantized to int8 blocks, integer dot products ------------------------------ */

static double max_q8a_vs_int_ref, max_q8a_vs_float_ref; /* observed error / bound, printed */

/* Activations with spikes, exact zeros and a tiny block, so the scales vary a lot between blocks. */
static void q8a_inputs(Rng *r, float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        x[i] = rng_float(r) * (i % 7 == 0 ? 10.0f : 1.0f);
        if (i % 13 == 5) x[i] = 0.0f;
        if (i / QK == 3) x[i] *= 1e-20f;
    }
}

static void test_q8a_quantize(void) {
    const char *paths[MAX_PATHS];
    int n_paths = kernels_supported(paths);
    Rng r = {21};
    enum { N = 40 * QK };
    float x[N];
    BlockQ8A want[N / QK], got[N / QK];
    q8a_inputs(&r, x, N);
    for (int i = 0; i < QK; i++) x[4 * QK + i] = (float)(i - 16) / 2 * (127.0f / 16); /* ties of x * 127 / amax */
    for (int i = 0; i < QK; i++) x[5 * QK + i] = 0.0f;                               /* all zero: d = 0 */
    for (int i = 0; i < QK; i++) x[6 * QK + i] = 1e-32f * (float)i;                  /* amax < 1e-30: d = 0 */
    x[7 * QK + 3] = NAN, x[8 * QK + 31] = INFINITY, x[9 * QK] = -INFINITY;           /* d = NaN, q = 0 */
    for (int i = 0; i < QK; i++) x[10 * QK + i] = i % 2 ? -3e38f : 3e38f;            /* huge but finite */
    quantize_q8a_ref(x, want, N);
    CHECK(want[5].d == 0 && want[6].d == 0 && isnan(want[7].d) && isnan(want[8].d) && isnan(want[9].d),
          "special blocks");
    for (int b = 0; b < N / QK; b++) {
        int sum = 0;
        for (int i = 0; i < QK; i++) sum += want[b].q[i];
        CHECK(want[b].qsum == sum, "block %d qsum", b); /* the K-quant kernels' min terms */
        for (int k4 = 0; k4 < QK / 4; k4++) /* the Q4_0 kernels' offset correction */
            CHECK(want[b].qsum8[k4] == 8 * (want[b].q[4 * k4] + want[b].q[4 * k4 + 1] + want[b].q[4 * k4 + 2] +
                                              want[b].q[4 * k4 + 3]),
                  "block %d qsum8[%d]", b, k4);
        for (int i = 0; i < QK; i++) {
            CHECK(want[b].q[i] >= -127 && want[b].q[i] <= 127, "q in -127..127");
            if (want[b].d > 0 && !isnan(want[b].d)) /* |x - d q| <= d (1/2 + 400u) (kernels.h) */
                CHECK(fabs(x[b * QK + i] - (double)want[b].d * want[b].q[i]) <= want[b].d * (0.5 + 400 * 0x1p-24),
                      "block %d value %d: %g vs %g * %d", b, i, x[b * QK + i], want[b].d, want[b].q[i]);
        }
    }
    for (int p = 0; p < n_paths; p++) {
        const Kernels *k = kernels_get(paths[p]);
        if (!k->quantize) continue;
        k->quantize(x, got, N);
        for (int b = 0; b < N / QK; b++)
            CHECK((!memcmp(&got[b].d, &want[b].d, 4) || (isnan(got[b].d) && isnan(want[b].d))) &&
                      got[b].qsum == want[b].qsum && !memcmp(got[b].q, want[b].q, QK) &&
                      !memcmp(got[b].qsum8, want[b].qsum8, sizeof want[b].qsum8),
                  "%s quantizes block %d like the reference", paths[p], b);
    }
}

/* Every -q8a path's integer kernels against the scalar integer reference and against a double reference of the
 * unquantized product.
 *
 * Against dot_q8a_ref (same quantized inputs, same fp32 scales d_b = fl(d_w * d_x), exact int32 block sums, double
 * accumulation): the kernel forms each block's sum as 8 exact int32 lane sums s_bk, adds s_bk * d_b into fp32 lane
 * accumulators with one rounding per FMA (nb / 2 per accumulator, two accumulators per lane), then 4 additions
 * (accumulators, then the 8 lanes). By the standard summation bound its error is at most gamma(nb + 4) * T with
 * T = sum_b |d_b| sum_i |w_i q_i| >= sum_b,k |s_bk d_b| and gamma(m) = m u / (1 - m u), u = 2^-24. The K-quant
 * kernels add one exact integer block sum per lane and super-block (and Q4_K/Q5_K the min terms into a second
 * accumulator, subtracted at the end): fewer roundings in a row than nb + 4, with T = sum_i |scale_i u_i q_i|
 * fl(d d_x) + |min q_i| fl(dmin d_x).
 *
 * Against the exact product sum_i w_i x_i (weights dequantized exactly, x in fp32, computed in double): each x_i is
 * d_x q_i + e_i with |e_i| <= d_x (1/2 + 400 u) (kernels.h), so the quantization adds at most
 * A = sum_i |w_i| d_x(b(i)) (1/2 + 400 u); d_b = d_w d_x (1 + delta), |delta| <= u, adds at most u T; the fp32
 * accumulation at most gamma(nb + 4) T as above. Bound: A + (u + gamma(nb + 4)) T. For the K-quants w_i is the
 * exact d scale u - dmin min, |w_i| <= W_i = |d scale u| + |dmin min|, while the dequantized value rounds it
 * three times (fl(fl(d scale) u) - fl(dmin min)): that adds R = sum_i 3.01 u W_i |x_i|, and A uses W_i. */
static void test_q8a_dots(void) {
    const char *paths[MAX_PATHS];
    int n_paths = kernels_supported(paths);
    const uint32_t types[5] = {GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
    const int64_t sizes[] = {32, 64, 96, 224, 256, 768, 1056, 1280, 4096};
    const double u = 0x1p-24;
    Rng r = {23};
    for (int ti = 0; ti < 5; ti++) {
        const TypeTraits *tr = type_traits(types[ti]);
        int kq = tr->block == QK_K;
        for (int si = 0; si < 9; si++) {
            int64_t n = sizes[si], nb = n / QK, ldxq = nb + 2;
            if (n % tr->block) continue;
            int extreme = n == (kq ? 768 : 96);
            uint8_t *w = random_row(&r, types[ti], n);
            if (extreme && types[ti] == GGML_TYPE_Q8_0) /* the extreme weights -128 and 127 */
                for (int64_t i = 0; i < n; i++) w[i / QK * 34 + 2 + i % QK] = i % 3 ? 0x80 : 0x7f;
            if (extreme && kq) /* the largest integer products: all quants and scales at their extremes */
                for (int64_t b = 0; b < n / QK_K; b++) {
                    uint8_t *p = w + b * tr->block_bytes;
                    if (types[ti] == GGML_TYPE_Q6_K) /* q = -32, scales -128 */
                        memset(p, 0, 192), memset(p + 192, 0x80, 16);
                    else /* u = 15 or 31, scales and mins 63 */
                        memset(p + 4, 0xff, (size_t)tr->block_bytes - 4);
                }
            float *x = malloc((size_t)(n * MAX_NT) * 4), *deq = malloc((size_t)n * 4);
            BlockQ8A *xq = malloc((size_t)(ldxq * MAX_NT) * sizeof *xq);
            q8a_inputs(&r, x, n * MAX_NT);
            if (extreme) /* activations at +-amax everywhere: q = +-127 */
                for (int64_t i = 0; i < n; i++) x[i] = i % 5 ? -2.5f : 2.5f;
            for (int t = 0; t < MAX_NT; t++) quantize_q8a_ref(x + t * n, xq + t * ldxq, n);
            tr->to_float(w, deq, n);
            double ref[MAX_NT], exact[MAX_NT], T[MAX_NT], A[MAX_NT], R[MAX_NT];
            dot_q8a_ref(types[ti], w, xq, ldxq, MAX_NT, n, ref);
            for (int t = 0; t < MAX_NT; t++) {
                exact[t] = T[t] = A[t] = R[t] = 0;
                for (int64_t i = 0; i < n; i++) {
                    const BlockQ8A *xb = &xq[t * ldxq + i / QK];
                    int qx = xb->q[i % QK];
                    double W;
                    if (kq) {
                        int q, scale, min;
                        float d, dmin;
                        k_decode(types[ti], w + i / QK_K * tr->block_bytes, (int)(i % QK_K), &q, &scale, &min, &d,
                                 &dmin);
                        W = fabs((double)d * scale * q) + fabs((double)dmin * min);
                        T[t] += fabs((double)scale * q * qx * (d * xb->d)) + fabs((double)min * qx * (dmin * xb->d));
                        R[t] += 3.01 * u * W * fabs(x[t * n + i]);
                    } else {
                        float dw = deq[i] == 0 ? 0 : fp16_to_fp32(load_u16(w + i / QK * tr->block_bytes));
                        double w_int = dw == 0 ? 0 : deq[i] / dw;
                        W = fabs((double)deq[i]);
                        T[t] += fabs(w_int * qx * (dw * xb->d));
                    }
                    exact[t] += (double)deq[i] * x[t * n + i];
                    A[t] += W * xb->d * (0.5 + 400 * u);
                }
            }
            double gamma = (double)(nb + 4) * u / (1 - (double)(nb + 4) * u);
            for (int p = 0; p < n_paths; p++) {
                const Kernels *k = kernels_get(paths[p]);
                if (!k->dotq[tr->slot]) continue;
                float out[MAX_NT], one;
                k->dotq[tr->slot](w, xq, ldxq, MAX_NT, n, out);
                for (int t = 0; t < MAX_NT; t++) {
                    double e_int = fabs(out[t] - ref[t]), b_int = gamma * T[t];
                    double e_flt = fabs(out[t] - exact[t]), b_flt = A[t] + R[t] + (u + gamma) * T[t];
                    CHECK(e_int <= b_int, "%s %s n=%lld row %d: %.9g vs integer reference %.9g (bound %g)", paths[p],
                          tr->name, (long long)n, t, out[t], ref[t], b_int);
                    CHECK(e_flt <= b_flt, "%s %s n=%lld row %d: %.9g vs exact %.9g (bound %g)", paths[p], tr->name,
                          (long long)n, t, out[t], exact[t], b_flt);
                    if (T[t] > 0) max_q8a_vs_int_ref = fmax(max_q8a_vs_int_ref, e_int / T[t]);
                    if (b_flt > 0) max_q8a_vs_float_ref = fmax(max_q8a_vs_float_ref, e_flt / b_flt);
                    k->dotq[tr->slot](w, xq + t * ldxq, ldxq, 1, n, &one);
                    CHECK(!memcmp(&one, &out[t], 4), "%s %s n=%lld: batched row %d differs from single", paths[p],
                          tr->name, (long long)n, t);
                }
                for (int nt = 1; nt < MAX_NT; nt++) { /* every batch size: row t as alone */
                    float part[MAX_NT];
                    k->dotq[tr->slot](w, xq, ldxq, nt, n, part);
                    CHECK(!memcmp(part, out, (size_t)nt * 4), "%s %s n=%lld: nt=%d differs", paths[p], tr->name,
                          (long long)n, nt);
                }
            }
            free(w), free(x), free(deq), free(xq);
        }
    }
    printf("q8a kernels: max |kernel - integer reference| / T = %.3g (1e-6 allowed as a sanity line, gamma bound "
           "checked); max |kernel - exact| / derived bound = %.3g\n",
           max_q8a_vs_int_ref, max_q8a_vs_float_ref);
    CHECK(max_q8a_vs_int_ref <= 1e-6, "integer kernels within 1e-6 of the reference: %g", max_q8a_vs_int_ref);
}

/* K-quant rows with special super-blocks, on every path (a -q8a path through its integer kernel): an all-zero
 * super-block (d = dmin = 0) adds nothing; a NaN weight scale, or a NaN activation, makes the result NaN; zero
 * activations give 0. */
static void test_k_special(void) {
    const char *paths[MAX_PATHS];
    int n_paths = kernels_supported(paths);
    const uint32_t types[3] = {GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
    Rng r = {29};
    enum { N = 2 * QK_K };
    for (int ti = 0; ti < 3; ti++) {
        const TypeTraits *tr = type_traits(types[ti]);
        uint8_t *w = random_row(&r, types[ti], N);
        float x[N], zeros[N] = {0};
        for (int i = 0; i < N; i++) x[i] = rng_float(&r);
        memset(w, 0, (size_t)tr->block_bytes); /* super-block 0: all zero */
        for (int p = 0; p < n_paths; p++) {
            const Kernels *k = kernels_get(paths[p]);
            float both, second, nan_w, nan_x, zero_x;
            BlockQ8A xq[N / QK];
#define DOT(wp, xp, n, out)                                                                                      \
    do {                                                                                                         \
        if (k->dotq[tr->slot]) {                                                                                 \
            k->quantize(xp, xq, n);                                                                              \
            k->dotq[tr->slot](wp, xq, 0, 1, n, out);                                                             \
        } else {                                                                                                 \
            k->dot[tr->slot](wp, xp, 0, 1, n, out);                                                              \
        }                                                                                                        \
    } while (0)
            DOT(w, x, N, &both);
            DOT(w + tr->block_bytes, x + QK_K, QK_K, &second);
            CHECK(both == second && second != 0, "%s %s: a zero super-block adds %g", paths[p], tr->name,
                  both - second);
            DOT(w, zeros, N, &zero_x);
            CHECK(zero_x == 0, "%s %s: zero activations give %g", paths[p], tr->name, zero_x);
            float keep = x[QK_K + 77];
            x[QK_K + 77] = NAN;
            DOT(w, x, N, &nan_x);
            x[QK_K + 77] = keep;
            CHECK(isnan(nan_x), "%s %s: a NaN activation gives %g", paths[p], tr->name, nan_x);
            uint8_t *nw = malloc((size_t)2 * tr->block_bytes);
            memcpy(nw, w, (size_t)2 * tr->block_bytes);
            uint16_t nan16 = 0x7e00;
            memcpy(nw + tr->block_bytes + (types[ti] == GGML_TYPE_Q6_K ? 208 : 0), &nan16, 2);
            DOT(nw, x, N, &nan_w);
            CHECK(isnan(nan_w), "%s %s: a NaN weight scale gives %g", paths[p], tr->name, nan_w);
            free(nw);
#undef DOT
        }
        free(w);
    }
}

void suite_kernels(void) {
    test_conversions();
    test_fp16_vs_hardware();
    test_dequantize();
    test_dot_paths();
    test_matmul();
    test_q8a_quantize();
    test_q8a_dots();
    test_k_special();
}
