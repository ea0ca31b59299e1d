#define _POSIX_C_SOURCE 200809L
#include "bandwidth.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t (*SumFn)(const uint64_t *p, size_t n);

static uint64_t sum_scalar(const uint64_t *p, size_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) a += p[i], b += p[i + 1], c += p[i + 2], d += p[i + 3];
    for (; i < n; i++) a += p[i];
    return a + b + c + d;
}

__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint64_t *p, size_t n) {
    __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 4; k++)
            acc[k] = _mm256_add_epi64(acc[k], _mm256_loadu_si256((const __m256i *)(p + i + 4 * k)));
    uint64_t lanes[4];
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(acc[0], acc[1]), _mm256_add_epi64(acc[2], acc[3]));
    _mm256_storeu_si256((__m256i *)lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + sum_scalar(p + i, n - i);
}

__attribute__((target("avx512f"))) static uint64_t sum_avx512(const uint64_t *p, size_t n) {
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++)
            acc[k] = _mm512_add_epi64(acc[k], _mm512_loadu_si512((const void *)(p + i + 8 * k)));
    __m512i s = _mm512_add_epi64(_mm512_add_epi64(acc[0], acc[1]), _mm512_add_epi64(acc[2], acc[3]));
    return (uint64_t)_mm512_reduce_add_epi64(s) + sum_scalar(p + i, n - i);
}

/* Holds the readers until every thread exists, so that the clock starts when all read together. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go; /* 0 wait, 1 read, -1 give up */
} Gate;

typedef struct {
    const uint64_t *words;
    size_t n;
    int passes;
    SumFn sum;
    Gate *gate;
    uint64_t result; /* kept so the reads cannot be optimised away */
} Reader;

static void *reader_main(void *arg) {
    Reader *r = arg;
    pthread_mutex_lock(&r->gate->lock);
    while (r->gate->go == 0) pthread_cond_wait(&r->gate->cond, &r->gate->lock);
    int go = r->gate->go;
    pthread_mutex_unlock(&r->gate->lock);
    for (int i = 0; go > 0 && i < r->passes; i++) r->result += r->sum(r->words, r->n);
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double memory_bandwidth(size_t bytes, int passes, int threads, Error *err) {
    if (bytes < 4096 || bytes > ((size_t)1 << 40) || passes < 1 || threads < 1 || threads > 1024) {
        err_set(err, ERR_ARG, "memoryBandwidth needs bytes in 4096..2^40, passes >= 1 and threads in 1..1024");
        return -1;
    }
    __builtin_cpu_init();
    SumFn sum = __builtin_cpu_supports("avx512f") ? sum_avx512 : __builtin_cpu_supports("avx2") ? sum_avx2 : sum_scalar;
    size_t n_words = bytes / 8;
    uint64_t *words = aligned_alloc(64, (n_words * 8 + 63) / 64 * 64);
    Reader *readers = calloc((size_t)threads, sizeof *readers);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (!words || !readers || !tids) {
        free(words), free(readers), free(tids);
        err_set(err, ERR_OOM, "cannot allocate %zu bytes for the bandwidth test", bytes);
        return -1;
    }
    memset(words, 0x5a, n_words * 8); /* touch every page before timing */
    Gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    int started = 0;
    for (; started < threads; started++) {
        size_t first = n_words * (size_t)started / (size_t)threads;
        size_t end = n_words * (size_t)(started + 1) / (size_t)threads;
        readers[started] = (Reader){words + first, end - first, passes, sum, &gate, 0};
        if (pthread_create(&tids[started], NULL, reader_main, &readers[started]) != 0) break;
    }
    pthread_mutex_lock(&gate.lock);
    gate.go = started == threads ? 1 : -1;
    pthread_cond_broadcast(&gate.cond);
    pthread_mutex_unlock(&gate.lock);
    double t0 = now();
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    double seconds = now() - t0;
    free(words), free(readers), free(tids);
    if (started < threads) {
        err_set(err, ERR_OOM, "cannot start %d threads for the bandwidth test", threads);
        return -1;
    }
    return (double)(n_words * 8) * passes / (seconds > 0 ? seconds : 1e-9);
}
