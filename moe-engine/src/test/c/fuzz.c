/* A seeded mutation fuzzer of the GGUF reader and the model binding, run under ASan + UBSan. Each input is
 * a seed model (built in, or a file of --seeds DIR) with 1-4 mutations: bit flips, byte sets, truncation,
 * insertion, deletion, and 4/8-byte fields smashed with extreme values, mostly inside the header (metadata
 * and tensor infos) where the parsing happens. A file that loads is also stepped. Deterministic for a given
 * --seed; a sanitizer report or a hang stops it with a non-zero status, the input saved in --crash-dir.
 *
 *   gguf-fuzz --runs N [--seed S] [--seeds DIR] [--crash-dir DIR]
 *   gguf-fuzz --write-seeds DIR */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "forward.h"
#include "ggml_types.h"
#include "gguf_writer.h"
#include "model.h"

typedef struct {
    char name[64];
    uint8_t *data;
    size_t size, header; /* header: bytes before the tensor data (where mutations mostly go) */
} Seed;

/* The input being run, for the crash handlers (the only global state: this is the test driver). */
static const uint8_t *current;
static size_t current_size;
static char crash_path[4096];

static void save_current(void) {
    if (!crash_path[0] || !current) return;
    int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    for (size_t off = 0; off < current_size;) {
        ssize_t w = write(fd, current + off, current_size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
}

static void on_alarm(int sig) {
    (void)sig;
    save_current();
    static const char msg[] = "gguf-fuzz: an input ran for over 20 s (hang?)\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(3);
    _exit(3);
}

static void add_seed(Seed **seeds, int *n, const char *name, uint8_t *data, size_t size) {
    Seed *s = realloc(*seeds, (size_t)(*n + 1) * sizeof **seeds);
    if (!s) abort();
    *seeds = s;
    s = &s[(*n)++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->data = data, s->size = size, s->header = size;
    Error e;
    Gguf *g = gguf_parse(data, size, &e);
    if (g) s->header = g->data_offset < size ? g->data_offset : size;
    gguf_close(g);
}

static void builtin_seeds(Seed **seeds, int *n) {
    const char *archs[] = {"llama", "llama", "qwen2moe", "qwen3moe"};
    const uint32_t types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0};
    char name[64];
    for (int a = 0; a < 4; a++)
        for (int t = 0; t < 5; t++) {
            ModelSpec s = spec_small(archs[a], types[t], a > 0);
            s.n_layer = 1, s.n_vocab = 8, s.context_length = 16; /* small seeds fuzz faster */
            s.tied = t % 2, s.alignment = t == 2 ? 64 : 0;
            size_t size;
            uint8_t *d = build_model(&s, &size);
            snprintf(name, sizeof name, "seed-%s%s-%s.gguf", archs[a], a == 1 ? "-moe" : "",
                     type_traits(types[t])->name);
            add_seed(seeds, n, name, d, size);
        }
    for (int t = 0; t < 5; t++) { /* deepseek2: q LoRA + split layout + sigmoid/bias, or attn_q + combined */
        ModelSpec s = spec_small("deepseek2", types[t], 1);
        s.n_vocab = 8, s.context_length = 16, s.tied = t % 2;
        s.q_lora = t % 2 ? 32 : 0, s.kv_b_combined = !(t % 2), s.sigmoid_bias = t % 2;
        size_t size;
        uint8_t *d = build_model(&s, &size);
        snprintf(name, sizeof name, "seed-deepseek2-%s.gguf", type_traits(types[t])->name);
        add_seed(seeds, n, name, d, size);
    }
    /* a K-quant model (rows of 256), each matrix's super-blocks fuzzed through the K kernels */
    ModelSpec s = spec_small("qwen2moe", GGML_TYPE_Q4_K, 1);
    s.n_layer = 1, s.n_vocab = 8, s.context_length = 16;
    size_t size;
    uint8_t *d = build_model(&s, &size);
    add_seed(seeds, n, "seed-qwen2moe-Q4_K.gguf", d, size);
}

static void file_seeds(Seed **seeds, int *n, const char *dir) {
    struct dirent **list;
    int count = scandir(dir, &list, NULL, alphasort);
    if (count < 0) {
        fprintf(stderr, "gguf-fuzz: cannot read seed directory %s\n", dir);
        exit(2);
    }
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        struct stat st;
        FILE *f = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (64 << 20)
                      ? fopen(path, "rb") : NULL;
        if (f) {
            uint8_t *d = malloc((size_t)st.st_size);
            if (d && fread(d, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
                add_seed(seeds, n, list[i]->d_name, d, (size_t)st.st_size);
            else free(d);
            fclose(f);
        }
        free(list[i]);
    }
    free(list);
}

/* A position for a mutation: 7 times in 8 inside the header. */
static size_t pick(Rng *r, size_t size, size_t header) {
    size_t range = (rng_next(r) % 8 && header > 0 && header <= size) ? header : size;
    return range ? rng_next(r) % range : 0;
}

static const uint64_t EXTREMES[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 30, 31, 32, 33, 48, 63, 64, 255, 256,
                                    0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                                    0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffff0};

/* Applies 1-4 mutations to buf (size *size, room for cap bytes). */
static void mutate(Rng *r, uint8_t *buf, size_t *size, size_t cap, size_t header) {
    int n = 1 + (int)(rng_next(r) % 4);
    for (int k = 0; k < n && *size > 0; k++) {
        size_t at = pick(r, *size, header), len;
        uint64_t v;
        switch (rng_next(r) % 7) {
        case 0: buf[at] ^= (uint8_t)(1u << (rng_next(r) % 8)); break;                  /* bit flip */
        case 1: buf[at] = (uint8_t)(rng_next(r) % 3 ? rng_next(r) : EXTREMES[rng_next(r) % 30]); break; /* byte set */
        case 2: *size = at; break;                                                    /* truncation */
        case 3:                                                                        /* insertion */
            len = 1 + rng_next(r) % 16;
            if (*size + len > cap) break;
            memmove(buf + at + len, buf + at, *size - at);
            for (size_t i = 0; i < len; i++) buf[at + i] = (uint8_t)rng_next(r);
            *size += len;
            break;
        case 4:                                                                        /* deletion */
            len = 1 + rng_next(r) % 16;
            if (at + len > *size) len = *size - at;
            memmove(buf + at, buf + at + len, *size - at - len);
            *size -= len;
            break;
        default: /* smash a 4- or 8-byte field: extreme values, the file size, near-misses */
            v = rng_next(r) % 4   ? EXTREMES[rng_next(r) % 30]
                : rng_next(r) % 2 ? *size + rng_next(r) % 3 - 1
                                  : rng_next(r);
            len = rng_next(r) % 2 ? 8 : 4;
            if (at + len <= *size) memcpy(buf + at, &v, len);
        }
    }
}

/* What modelLoad and a first step do with the bytes, plus every metadata getter. Returns 1 if the model loaded. */
static int run_one(const uint8_t *data, size_t size) {
    Error e;
    Gguf *g = gguf_parse(data, size, &e);
    if (!g) return 0;
    for (uint64_t i = 0; i < g->n_kv; i++) {
        const GgufKV *kv = &g->kv[i];
        int64_t iv;
        double dv;
        int bv;
        GgufStr s;
        gguf_get_int(kv, &iv), gguf_get_float(kv, &dv), gguf_get_bool(kv, &bv), gguf_get_str(kv, &s);
        if (kv->type != GGUF_TYPE_ARRAY) continue;
        const uint8_t *p = kv->value;
        for (uint64_t j = 0; j < kv->count; j++) {
            if (kv->elem_type == GGUF_TYPE_STRING) p = gguf_arr_next_str(p, &s);
            else gguf_arr_int(kv, j, &iv), gguf_arr_float(kv, j, &dv);
        }
    }
    Model *m = model_from_gguf(g, 1, kernels_get("auto"), &e);
    if (!m) return 0;
    Sequence *s = sequence_new(m, 4, &e);
    if (s) {
        int32_t tokens[2] = {0, m->c.n_vocab - 1}, count = 2;
        float *logits = malloc((size_t)m->c.n_vocab * sizeof *logits);
        if (logits && model_step(m, &s, &count, 1, tokens, 2, logits, m->c.n_vocab, &e) != 0) abort();
        free(logits);
        sequence_free(s);
    }
    model_free(m);
    return 1;
}

static void free_seeds(Seed *seeds, int n) {
    for (int i = 0; i < n; i++) free(seeds[i].data);
    free(seeds);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long long runs = 1000;
    uint64_t seed = 1;
    const char *seed_dir = NULL, *write_dir = NULL, *crash_dir = ".";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--runs")) runs = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seeds")) seed_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--crash-dir")) crash_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--write-seeds")) write_dir = argv[i + 1];
        else {
            fprintf(stderr, "usage: %s --runs N [--seed S] [--seeds DIR] [--crash-dir DIR] | --write-seeds DIR\n",
                    argv[0]);
            return 2;
        }
    }
    Seed *seeds = NULL;
    int n_seeds = 0;
    builtin_seeds(&seeds, &n_seeds);
    if (write_dir) {
        int written = 0;
        mkdir(write_dir, 0755);
        for (int i = 0; i < n_seeds; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", write_dir, seeds[i].name);
            FILE *f = fopen(path, "wb");
            written += f && fwrite(seeds[i].data, 1, seeds[i].size, f) == seeds[i].size;
            if (f) fclose(f);
        }
        printf("wrote %d of %d seeds to %s\n", written, n_seeds, write_dir);
        free_seeds(seeds, n_seeds);
        return written == n_seeds ? 0 : 1;
    }
    if (seed_dir) file_seeds(&seeds, &n_seeds, seed_dir);
    mkdir(crash_dir, 0755);
    snprintf(crash_path, sizeof crash_path, "%s/crash-seed%llu.gguf", crash_dir, (unsigned long long)seed);
    __sanitizer_set_death_callback(save_current);
    signal(SIGALRM, on_alarm);

    size_t cap = 0;
    int valid = 0;
    for (int i = 0; i < n_seeds; i++) {
        cap = seeds[i].size > cap ? seeds[i].size : cap;
        valid += run_one(seeds[i].data, seeds[i].size);
    }
    cap += 4096;
    uint8_t *buf = malloc(cap);
    Rng rng = {seed};
    long long loaded = 0, parsed_fail = 0;
    double t0 = now();
    for (long long run = 0; run < runs; run++) {
        const Seed *s = &seeds[rng_next(&rng) % (uint64_t)n_seeds];
        size_t size = s->size;
        memcpy(buf, s->data, size);
        mutate(&rng, buf, &size, cap, s->header);
        uint8_t *input = malloc(size ? size : 1); /* exactly sized, so reading past the end is caught */
        memcpy(input, buf, size);
        current = input, current_size = size;
        alarm(20);
        int ok = run_one(input, size);
        loaded += ok, parsed_fail += !ok;
        current = NULL;
        free(input);
    }
    alarm(0);
    double t = now() - t0;
    printf("gguf-fuzz: %d seeds (%d load), %lld runs in %.1f s (%.0f runs/s): %lld loaded and stepped, %lld refused\n",
           n_seeds, valid, runs, t, runs / (t > 0 ? t : 1e-9), loaded, parsed_fail);
    free(buf);
    free_seeds(seeds, n_seeds);
    return 0;
}
