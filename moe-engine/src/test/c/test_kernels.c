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
        default: /* quantized: random quants, a sane scale per block */
            if (i % 32 == 0) {
                h = fp32_to_fp16(rng_float(r) * 0.1f);
                memcpy(p + i / 32 * tr->block_bytes, &h, 2);
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

static const uint32_t TYPES[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0};

static void test_dequantize(void) {
    Rng r = {3};
    for (size_t ti = 0; ti < 5; ti++) {
        const int64_t blocks[] = {1, 3, 7, 33};
        for (int k = 0; k < 4; k++) {
            int64_t n = blocks[k] * 32 + (type_traits(TYPES[ti])->block == 1 ? 5 : 0);
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
    const char *paths[3];
    int n_paths = kernels_supported(paths);
    const Kernels *scalar = kernels_get("scalar");
    CHECK(scalar && !strcmp(paths[n_paths - 1], "scalar"), "scalar path always present");
    CHECK(kernels_get("auto") == kernels_get(paths[0]), "auto is the best path");
    CHECK(!kernels_get("sse9"), "unknown path refused");
    printf("kernel paths on this CPU:");
    for (int i = 0; i < n_paths; i++) printf(" %s", paths[i]);
    printf("\n");
    Rng r = {5};
    const int64_t sizes[] = {32, 96, 224, 1056, 1, 7, 31, 33, 100, 1000};
    for (size_t ti = 0; ti < 5; ti++) {
        const TypeTraits *tr = type_traits(TYPES[ti]);
        for (int si = 0; si < 10; si++) {
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

static void test_matmul(void) {
    Error err;
    ThreadPool *pool = pool_new(3, &err);
    CHECK(pool != NULL, "%s", err.msg);
    if (!pool) return;
    Rng r = {9};
    int64_t n_in = 96, rows[2] = {37, 5};
    uint32_t types[2] = {GGML_TYPE_Q8_0, GGML_TYPE_F16};
    uint8_t *w[2];
    float *x = malloc(9 * n_in * 4), *y[2];
    for (int i = 0; i < 9 * n_in; i++) x[i] = rng_float(&r);
    MatJob jobs[2];
    for (int j = 0; j < 2; j++) {
        w[j] = random_row(&r, types[j], n_in * rows[j]);
        y[j] = malloc((size_t)(9 * rows[j]) * 4);
        Mat mat = {w[j], types[j], n_in, rows[j], type_bytes(type_traits(types[j]), n_in)};
        jobs[j] = (MatJob){.w = mat, .x = x, .y = y[j], .nt = 9};
    }
    const Kernels *k = kernels_get("auto");
    matmul(pool, k, jobs, 2);
    for (int j = 0; j < 2; j++)
        for (int t = 0; t < 9; t++)
            for (int64_t row = 0; row < rows[j]; row++) {
                float want;
                k->dot[type_traits(types[j])->slot](w[j] + row * jobs[j].w.row_bytes, x + t * n_in, n_in, 1, n_in,
                                                    &want);
                CHECK(!memcmp(&want, &y[j][t * rows[j] + row], 4), "matmul job %d token %d row %lld", j, t,
                      (long long)row);
            }
    for (int j = 0; j < 2; j++) free(w[j]), free(y[j]);
    free(x);
    pool_free(pool);
}

void suite_kernels(void) {
    test_conversions();
    test_fp16_vs_hardware();
    test_dequantize();
    test_dot_paths();
    test_matmul();
}
