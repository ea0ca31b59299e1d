/* The GGUF reader and model binding on valid and malformed files: each malformed file is refused with a
 * message naming the problem (and, under ASan, without a leak or a bad read). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "forward.h"
#include "ggml_types.h"
#include "gguf.h"
#include "gguf_writer.h"
#include "model.h"
#include "test.h"

/* Parses and binds an image as modelLoad does: 0 when it loads, -1 with err. */
static int load(const uint8_t *data, size_t size, Error *err) {
    Gguf *g = gguf_parse(data, size, err);
    Model *m = g ? model_from_gguf(g, 1, kernels_get("scalar"), err) : NULL;
    model_free(m);
    return m ? 0 : -1;
}

#define EXPECT_REFUSED(data, size, want)                                                                         \
    do {                                                                                                         \
        Error e_ = {0};                                                                                          \
        CHECK(load((data), (size), &e_) == -1 && e_.kind == ERR_FORMAT, "expected a format error '%s'", (want)); \
        CHECK_MSG(e_, (want));                                                                                   \
    } while (0)

/* The byte after the string `name` (stored as u64 length + bytes) in the image. */
static uint8_t *after_string(uint8_t *data, size_t size, const char *name) {
    uint64_t len = strlen(name);
    for (size_t i = 0; i + 8 + len <= size; i++)
        if (!memcmp(data + i, &len, 8) && !memcmp(data + i + 8, name, len)) return data + i + 8 + len;
    return NULL;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A copy of the valid image to break. */
static uint8_t *copy(const uint8_t *data, size_t size) {
    uint8_t *c = malloc(size);
    memcpy(c, data, size);
    return c;
}

static void test_header(const uint8_t *base, size_t size) {
    Error e;
    CHECK(load(base, size, &e) == 0, "the valid model loads: %s", e.msg);
    uint8_t *d = copy(base, size);
    d[0] = 'X';
    EXPECT_REFUSED(d, size, "not a GGUF file (bad magic)");
    memcpy(d, base, size);
    put_u32(d + 4, 1);
    EXPECT_REFUSED(d, size, "unsupported GGUF version 1 (supported: 2, 3)");
    put_u32(d + 4, 4);
    EXPECT_REFUSED(d, size, "unsupported GGUF version 4");
    put_u32(d + 4, 2);
    CHECK(load(d, size, &e) == 0, "version 2 loads: %s", e.msg);
    memcpy(d, base, size);
    put_u64(d + 8, UINT64_MAX);
    EXPECT_REFUSED(d, size, "tensor count 18446744073709551615 exceeds what the file size allows");
    memcpy(d, base, size);
    put_u64(d + 16, (uint64_t)1 << 40);
    EXPECT_REFUSED(d, size, "metadata count 1099511627776 exceeds what the file size allows");
    memcpy(d, base, size);
    put_u64(d + 16, get_u64(base + 16) + 1); /* one entry too many: the tensor infos read as metadata */
    CHECK(load(d, size, &e) == -1 && e.kind == ERR_FORMAT, "extra metadata entry refused");
    memcpy(d, base, size);
    put_u64(d + 24, (uint64_t)1 << 63); /* the first key's length */
    EXPECT_REFUSED(d, size, "metadata #0: key length 9223372036854775808 exceeds the remaining");
    free(d);
}

static void test_truncation(const uint8_t *base, size_t size) {
    Error e;
    Gguf *g = gguf_parse(base, size, &e);
    size_t header = g ? g->data_offset : size;
    gguf_close(g);
    int refused = 0, tried = 0;
    for (size_t n = 0; n < size; n += n < header ? 1 : 61, tried++) {
        uint8_t *d = copy(base, n ? n : 1); /* its own allocation, so ASan sees reads past the end */
        e = (Error){0};
        refused += load(d, n, &e) == -1 && e.kind == ERR_FORMAT && e.msg[0];
        if (n < 4) CHECK_MSG(e, "bad magic");
        else if (n < 24) CHECK_MSG(e, "truncated GGUF header");
        else if (n >= header) CHECK_MSG(e, "data ends past end of file");
        free(d);
    }
    CHECK(refused == tried, "%d of %d truncations refused", refused, tried);
}

static void test_metadata_values(const uint8_t *base, size_t size) {
    uint8_t *d = copy(base, size), *p;
    p = after_string(d, size, "general.name");
    put_u64(p + 4, (uint64_t)1 << 60);
    EXPECT_REFUSED(d, size, "metadata general.name: string length 1152921504606846976 exceeds the remaining");
    memcpy(d, base, size);
    put_u32(after_string(d, size, "general.name"), 13);
    EXPECT_REFUSED(d, size, "metadata general.name: unknown value type 13");
    memcpy(d, base, size);
    p = after_string(d, size, "tokenizer.ggml.tokens"); /* type, element type, count */
    put_u64(p + 8, UINT64_MAX);
    EXPECT_REFUSED(d, size, "metadata tokenizer.ggml.tokens: array count 18446744073709551615 exceeds the remaining");
    memcpy(d, base, size);
    p = after_string(d, size, "tokenizer.ggml.scores");
    put_u64(p + 8, (uint64_t)1 << 62);
    EXPECT_REFUSED(d, size, "metadata tokenizer.ggml.scores: array count 4611686018427387904 exceeds the remaining");
    memcpy(d, base, size);
    put_u32(after_string(d, size, "tokenizer.ggml.tokens") + 4, 9);
    EXPECT_REFUSED(d, size, "metadata tokenizer.ggml.tokens: nested arrays are not supported");
    memcpy(d, base, size);
    put_u32(after_string(d, size, "tokenizer.ggml.tokens") + 4, 200);
    EXPECT_REFUSED(d, size, "metadata tokenizer.ggml.tokens: unknown array element type 200");
    memcpy(d, base, size);
    p = after_string(d, size, "tokenizer.ggml.tokens");
    put_u64(p + 8 + 8, (uint64_t)1 << 61); /* the first token's length */
    EXPECT_REFUSED(d, size, "metadata tokenizer.ggml.tokens: string length 2305843009213693952 exceeds the remaining");
    free(d);
}

/* Rewrites one field of output.weight's tensor info: n_dims u32, ne[2] u64, type u32, offset u64. */
static void test_tensor_infos(const uint8_t *base, size_t size, uint32_t type) {
    uint8_t *d = copy(base, size), *p;
#define INFO (p = after_string(d, size, "output.weight"))
    INFO;
    put_u64(p + 24, get_u64(p + 24) + ((uint64_t)1 << 40));
    EXPECT_REFUSED(d, size, "tensor output.weight: data ends past end of file");
    memcpy(d, base, size), INFO;
    put_u64(p + 24, get_u64(p + 24) + 1);
    EXPECT_REFUSED(d, size, "tensor output.weight: offset");
    EXPECT_REFUSED(d, size, "is not a multiple of the alignment 32");
    memcpy(d, base, size), INFO;
    put_u32(p + 20, 11);
    EXPECT_REFUSED(d, size,
                   "tensor output.weight: unsupported type Q3_K (11) "
                   "(supported: F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16)");
    put_u32(p + 20, 12); /* a K-quant needs rows of a multiple of 256 values; this one has 64 */
    EXPECT_REFUSED(d, size, "tensor output.weight: ne0 = 64 is not a multiple of the block size 256 of Q4_K");
    put_u32(p + 20, 14);
    EXPECT_REFUSED(d, size, "tensor output.weight: ne0 = 64 is not a multiple of the block size 256 of Q6_K");
    put_u32(p + 20, 99);
    EXPECT_REFUSED(d, size, "tensor output.weight: unsupported type unknown (99)");
    memcpy(d, base, size), INFO;
    put_u32(p, 5);
    EXPECT_REFUSED(d, size, "tensor output.weight: n_dims 5 out of range 1..4");
    put_u32(p, 0);
    EXPECT_REFUSED(d, size, "tensor output.weight: n_dims 0 out of range 1..4");
    memcpy(d, base, size), INFO;
    put_u64(p + 12, 0);
    EXPECT_REFUSED(d, size, "tensor output.weight: dimension 1 is 0 (must be >= 1)");
    put_u64(p + 12, (uint64_t)1 << 62);
    EXPECT_REFUSED(d, size, "tensor output.weight: element count overflows");
    put_u64(p + 12, UINT64_MAX);
    EXPECT_REFUSED(d, size, "tensor output.weight: dimension 1 is 18446744073709551615 (must be >= 1)");
    if (type_traits(type)->block > 1) {
        memcpy(d, base, size), INFO;
        put_u64(p + 4, 48);
        EXPECT_REFUSED(d, size, "is not a multiple of the block size 32");
    }
#undef INFO
    free(d);
}

static void test_writer_made(void) {
    size_t n;
    uint8_t *d;
    float v[32] = {0};
    int64_t ne[1] = {32};
    GgufWriter *w = gw_new(0);
    gw_str(w, "general.architecture", "llama");
    gw_u32(w, "a.key", 1);
    gw_u32(w, "a.key", 2);
    d = gw_finish(w, &n);
    EXPECT_REFUSED(d, n, "duplicate metadata key a.key");
    free(d);
    w = gw_new(0);
    gw_tensor(w, "t", GGML_TYPE_F32, 1, ne, v);
    gw_tensor(w, "t", GGML_TYPE_F32, 1, ne, v);
    d = gw_finish(w, &n);
    EXPECT_REFUSED(d, n, "duplicate tensor name t");
    free(d);
    w = gw_new(48);
    gw_tensor(w, "t", GGML_TYPE_F32, 1, ne, v);
    d = gw_finish(w, &n);
    EXPECT_REFUSED(d, n, "general.alignment must be a power of two, got 48");
    free(d);
    w = gw_new(0);
    gw_str(w, "general.alignment", "32");
    d = gw_finish(w, &n);
    EXPECT_REFUSED(d, n, "general.alignment is not an integer");
    free(d);
    /* a name with bytes that are not printable is shown escaped */
    w = gw_new(0);
    gw_u32(w, "bad\x01name", 1);
    gw_u32(w, "bad\x01name", 1);
    d = gw_finish(w, &n);
    EXPECT_REFUSED(d, n, "duplicate metadata key bad?name");
    free(d);
}

static void expect_model_refused(ModelSpec s, const char *want) {
    size_t n;
    uint8_t *d = build_model(&s, &n);
    EXPECT_REFUSED(d, n, want);
    free(d);
}

static void test_binding(void) {
    ModelSpec s = spec_small("llama", GGML_TYPE_Q8_0, 0);
    s.bad_dims_tensor = "blk.0.attn_q.weight";
    expect_model_refused(s, "tensor blk.0.attn_q.weight: expected dims [64, 64], got [64, 32]");
    s = spec_small("llama", GGML_TYPE_F32, 1);
    s.bad_dims_tensor = "blk.1.ffn_up_exps.weight";
    expect_model_refused(s, "tensor blk.1.ffn_up_exps.weight: expected dims [64, 96, 4], got [64, 48, 4]");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.bad_dims_tensor = "output_norm.weight";
    expect_model_refused(s, "tensor output_norm.weight: expected dims [64], got [128]");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.skip_tensor = "blk.1.ffn_down.weight";
    expect_model_refused(s, "missing tensor blk.1.ffn_down.weight");
    s = spec_small("qwen3moe", GGML_TYPE_F32, 1);
    s.skip_tensor = "blk.0.attn_k_norm.weight";
    expect_model_refused(s, "missing tensor blk.0.attn_k_norm.weight");
    s = spec_small("qwen2moe", GGML_TYPE_F32, 1);
    s.skip_tensor = "blk.1.ffn_gate_inp_shexp.weight";
    expect_model_refused(s, "missing tensor blk.1.ffn_gate_inp_shexp.weight");
    s = spec_small("qwen2moe", GGML_TYPE_F32, 1);
    s.skip_tensor = "token_embd.weight";
    expect_model_refused(s, "missing tensor token_embd.weight");
    s = spec_small("gpt2", GGML_TYPE_F32, 0);
    expect_model_refused(s, "unsupported architecture 'gpt2' (supported: llama, qwen2moe, qwen3moe, deepseek2)");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.skip_key = "general.architecture";
    expect_model_refused(s, "missing key general.architecture");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.skip_key = "llama.embedding_length";
    expect_model_refused(s, "missing key llama.embedding_length");
    s = spec_small("qwen3moe", GGML_TYPE_F32, 1);
    s.skip_key = "qwen3moe.expert_feed_forward_length";
    expect_model_refused(s, "missing key qwen3moe.expert_feed_forward_length");
    s = spec_small("qwen2moe", GGML_TYPE_F32, 1);
    s.skip_key = "qwen2moe.expert_shared_feed_forward_length";
    expect_model_refused(s, "missing key qwen2moe.expert_shared_feed_forward_length");
    s = spec_small("llama", GGML_TYPE_F32, 1);
    s.n_expert_used = 5;
    expect_model_refused(s, "key llama.expert_used_count = 5, out of range 1..4");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.n_head_kv = 3;
    expect_model_refused(s, "head_count 4 is not a multiple of head_count_kv 3");
    s = spec_small("llama", GGML_TYPE_F32, 0);
    s.f16_tensor = "blk.0.attn_norm.weight";
    expect_model_refused(s, "tensor blk.0.attn_norm.weight: expected type F32, got F16");
    /* more layers than the file has tensors for: refused before anything is allocated per layer */
    s = spec_small("llama", GGML_TYPE_F32, 0);
    size_t n;
    uint8_t *d = build_model(&s, &n);
    put_u32(after_string(d, n, "llama.block_count") + 4, 1000000);
    EXPECT_REFUSED(d, n, "key llama.block_count = 1000000, out of range 1..21");
    put_u32(after_string(d, n, "llama.block_count") + 4, 3);
    EXPECT_REFUSED(d, n, "missing tensor blk.2.attn_norm.weight");
    free(d);
}

static void test_files(const uint8_t *base, size_t size) {
    Error e;
    CHECK(!model_load("/nonexistent/model.gguf", 1, kernels_get("scalar"), &e) && e.kind == ERR_IO, "missing file");
    CHECK_MSG(e, "cannot open /nonexistent/model.gguf");
    CHECK(!model_load("/tmp", 1, kernels_get("scalar"), &e) && e.kind == ERR_IO, "directory");
    char path[] = "/tmp/moe-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0) return;
    CHECK(!model_load(path, 1, kernels_get("scalar"), &e) && e.kind == ERR_FORMAT, "empty file");
    CHECK_MSG(e, "bad magic");
    CHECK(write(fd, base, size) == (ssize_t)size, "write");
    Model *m = model_load(path, 2, kernels_get("auto"), &e);
    CHECK(m != NULL, "load from a file: %s", e.msg);
    if (m) {
        CHECK(m->file_bytes == size, "file_bytes");
        model_free(m);
    }
    CHECK(ftruncate(fd, (off_t)size - 1) == 0, "ftruncate");
    CHECK(!model_load(path, 1, kernels_get("scalar"), &e) && e.kind == ERR_FORMAT, "truncated file");
    CHECK_MSG(e, "data ends past end of file");
    close(fd);
    unlink(path);
}

static void test_getters(const uint8_t *base, size_t size) {
    Error e;
    Gguf *g = gguf_parse(base, size, &e);
    CHECK(g != NULL, "%s", e.msg);
    if (!g) return;
    GgufStr s;
    int64_t i;
    double f;
    int b;
    const GgufKV *kv = gguf_find(g, "general.name");
    CHECK(kv && !gguf_get_str(kv, &s) && s.len == 15 && !memcmp(s.ptr, "test \"model\" \xc3\xa9", 15), "string");
    CHECK(kv && gguf_get_int(kv, &i) == -1, "a string is not an integer");
    kv = gguf_find(g, "llama.embedding_length");
    CHECK(kv && !gguf_get_int(kv, &i) && i == 64, "integer");
    CHECK(kv && !gguf_get_float(kv, &f) && f == 64, "integer as a number");
    CHECK(kv && gguf_get_bool(kv, &b) == -1, "an integer is not a bool");
    kv = gguf_find(g, "llama.rope.freq_base");
    CHECK(kv && !gguf_get_float(kv, &f) && f == 10000, "float");
    kv = gguf_find(g, "tokenizer.ggml.tokens");
    CHECK(kv && kv->type == GGUF_TYPE_ARRAY && kv->elem_type == GGUF_TYPE_STRING && kv->count == 50, "string array");
    const uint8_t *p = kv->value;
    p = gguf_arr_next_str(p, &s);
    CHECK(s.len == 2 && !memcmp(s.ptr, "t0", 2), "first token");
    gguf_arr_next_str(p, &s);
    CHECK(s.len == 4 && !memcmp(s.ptr, "\xe2\x96\x81" "a", 4), "second token");
    kv = gguf_find(g, "tokenizer.ggml.scores");
    CHECK(kv && !gguf_arr_float(kv, 3, &f) && f == -3, "float array");
    CHECK(kv && gguf_arr_float(kv, 50, &f) == -1, "index out of range");
    kv = gguf_find(g, "tokenizer.ggml.token_type");
    CHECK(kv && !gguf_arr_int(kv, 49, &i) && i == 1, "int array");
    CHECK(!gguf_find(g, "no.such.key") && !gguf_tensor(g, "no.such.tensor"), "absent");
    CHECK(gguf_tensor(g, "blk.1.attn_q.weight") != NULL, "tensor lookup");
    gguf_close(g);
}

void suite_gguf(void) {
    ModelSpec s = spec_small("llama", GGML_TYPE_F32, 0);
    size_t size;
    uint8_t *base = build_model(&s, &size);
    test_header(base, size);
    test_truncation(base, size);
    test_metadata_values(base, size);
    test_tensor_infos(base, size, GGML_TYPE_F32);
    test_files(base, size);
    test_getters(base, size);
    free(base);
    s = spec_small("qwen2moe", GGML_TYPE_Q8_0, 1);
    base = build_model(&s, &size);
    test_tensor_infos(base, size, GGML_TYPE_Q8_0);
    test_truncation(base, size);
    free(base);
    test_writer_made();
    test_binding();
}
