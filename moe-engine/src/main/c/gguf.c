#define _POSIX_C_SOURCE 200809L
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ggml_types.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF reader assumes a little-endian host"
#endif

typedef unsigned long long ull;

/* Bytes of one scalar value of each type (0: STRING and ARRAY, which have their own layout). */
static const size_t SCALAR_SIZE[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
/* The smallest possible metadata entry (empty key, type, one byte) and tensor info (empty name, one dim). */
enum { MIN_KV_BYTES = 8 + 4 + 1, MIN_TENSOR_BYTES = 8 + 4 + 8 + 4 + 8 };

typedef struct {
    const uint8_t *p;
    size_t left;
} Cursor;

static int take(Cursor *c, uint64_t n, const uint8_t **out) {
    if (n > c->left) return 0;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return 1;
}

static int rd_u32(Cursor *c, uint32_t *v) {
    const uint8_t *p;
    if (!take(c, 4, &p)) return 0;
    memcpy(v, p, 4);
    return 1;
}

static int rd_u64(Cursor *c, uint64_t *v) {
    const uint8_t *p;
    if (!take(c, 8, &p)) return 0;
    memcpy(v, p, 8);
    return 1;
}

/* Skips count values of a (non-array) type; is_array only picks the message. */
static int skip_values(Cursor *c, uint32_t type, uint64_t count, int is_array, const char *name, Error *err) {
    const uint8_t *p;
    if (type == GGUF_TYPE_STRING) {
        if (is_array && count > c->left / 8)
            return err_set(err, ERR_FORMAT, "metadata %s: array count %llu exceeds the remaining %zu bytes", name,
                           (ull)count, c->left);
        for (uint64_t i = 0; i < count; i++) {
            uint64_t len;
            if (!rd_u64(c, &len)) return err_set(err, ERR_FORMAT, "metadata %s: value ends past end of file", name);
            if (!take(c, len, &p))
                return err_set(err, ERR_FORMAT, "metadata %s: string length %llu exceeds the remaining %zu bytes",
                               name, (ull)len, c->left);
        }
        return 0;
    }
    size_t size = SCALAR_SIZE[type];
    if (count > c->left / size) {
        if (is_array)
            return err_set(err, ERR_FORMAT, "metadata %s: array count %llu exceeds the remaining %zu bytes", name,
                           (ull)count, c->left);
        return err_set(err, ERR_FORMAT, "metadata %s: value ends past end of file", name);
    }
    take(c, count * size, &p);
    return 0;
}

static int parse_kv(Cursor *c, uint64_t index, GgufKV *kv, Error *err) {
    char name[100];
    uint64_t len;
    const uint8_t *p;
    if (!rd_u64(c, &len)) return err_set(err, ERR_FORMAT, "metadata #%llu: key ends past end of file", (ull)index);
    if (!take(c, len, &p))
        return err_set(err, ERR_FORMAT, "metadata #%llu: key length %llu exceeds the remaining %zu bytes",
                       (ull)index, (ull)len, c->left);
    kv->key = (GgufStr){(const char *)p, len};
    err_name(name, sizeof name, kv->key.ptr, len);
    if (!rd_u32(c, &kv->type)) return err_set(err, ERR_FORMAT, "metadata %s: value type ends past end of file", name);
    if (kv->type >= GGUF_TYPE_COUNT)
        return err_set(err, ERR_FORMAT, "metadata %s: unknown value type %u", name, kv->type);
    if (kv->type != GGUF_TYPE_ARRAY) {
        kv->elem_type = kv->type;
        kv->count = 1;
        kv->value = c->p;
        return skip_values(c, kv->type, 1, 0, name, err);
    }
    if (!rd_u32(c, &kv->elem_type) || !rd_u64(c, &kv->count))
        return err_set(err, ERR_FORMAT, "metadata %s: array header ends past end of file", name);
    if (kv->elem_type == GGUF_TYPE_ARRAY)
        return err_set(err, ERR_FORMAT, "metadata %s: nested arrays are not supported", name);
    if (kv->elem_type >= GGUF_TYPE_COUNT)
        return err_set(err, ERR_FORMAT, "metadata %s: unknown array element type %u", name, kv->elem_type);
    kv->value = c->p;
    return skip_values(c, kv->elem_type, kv->count, 1, name, err);
}

static int parse_tensor_info(Cursor *c, uint64_t index, GgufTensor *t, Error *err) {
    char name[100];
    uint64_t len, dim;
    uint32_t n_dims;
    const uint8_t *p;
    if (!rd_u64(c, &len) || !take(c, len, &p))
        return err_set(err, ERR_FORMAT, "tensor #%llu: name ends past end of file", (ull)index);
    t->name = (GgufStr){(const char *)p, len};
    err_name(name, sizeof name, t->name.ptr, len);
    if (!rd_u32(c, &n_dims)) return err_set(err, ERR_FORMAT, "tensor %s: header ends past end of file", name);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
        return err_set(err, ERR_FORMAT, "tensor %s: n_dims %u out of range 1..%d", name, n_dims, GGUF_MAX_DIMS);
    t->n_dims = (int)n_dims;
    int64_t n_elements = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = 1;
        if (d >= t->n_dims) continue;
        if (!rd_u64(c, &dim)) return err_set(err, ERR_FORMAT, "tensor %s: header ends past end of file", name);
        if (dim < 1 || dim > INT64_MAX)
            return err_set(err, ERR_FORMAT, "tensor %s: dimension %d is %llu (must be >= 1)", name, d, (ull)dim);
        t->ne[d] = (int64_t)dim;
        if (__builtin_mul_overflow(n_elements, t->ne[d], &n_elements))
            return err_set(err, ERR_FORMAT, "tensor %s: element count overflows", name);
    }
    if (!rd_u32(c, &t->type) || !rd_u64(c, &t->offset))
        return err_set(err, ERR_FORMAT, "tensor %s: header ends past end of file", name);
    const TypeTraits *tr = type_traits(t->type);
    if (!tr) {
        const char *type_name = ggml_type_name(t->type);
        return err_set(err, ERR_FORMAT, "tensor %s: unsupported type %s (%u) (supported: %s)", name,
                       type_name ? type_name : "unknown", t->type, supported_types_list());
    }
    if (t->ne[0] % tr->block != 0)
        return err_set(err, ERR_FORMAT, "tensor %s: ne0 = %lld is not a multiple of the block size %d of %s", name,
                       (long long)t->ne[0], tr->block, tr->name);
    if (!size_mul((size_t)(n_elements / tr->block), (size_t)tr->block_bytes, &t->nbytes))
        return err_set(err, ERR_FORMAT, "tensor %s: byte size overflows", name);
    return 0;
}

/* Parses all entries; kv/tensors may be NULL (first pass: validate only, so that nothing is allocated from an
 * unchecked count). */
static int parse_entries(Cursor *c, uint64_t n_kv, GgufKV *kv, uint64_t n_tensors, GgufTensor *tensors,
                         Error *err) {
    GgufKV kv_tmp;
    GgufTensor t_tmp;
    for (uint64_t i = 0; i < n_kv; i++)
        if (parse_kv(c, i, kv ? &kv[i] : &kv_tmp, err)) return -1;
    for (uint64_t i = 0; i < n_tensors; i++)
        if (parse_tensor_info(c, i, tensors ? &tensors[i] : &t_tmp, err)) return -1;
    return 0;
}

static int str_cmp(GgufStr a, GgufStr b) {
    int r = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return r ? r : (a.len > b.len) - (a.len < b.len);
}

static int kv_cmp(const void *a, const void *b) { return str_cmp(((const GgufKV *)a)->key, ((const GgufKV *)b)->key); }

static int tensor_cmp(const void *a, const void *b) {
    return str_cmp(((const GgufTensor *)a)->name, ((const GgufTensor *)b)->name);
}

static int check_layout(Gguf *g, size_t header_end, Error *err) {
    char name[100];
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const GgufKV *al = gguf_find(g, "general.alignment");
    if (al) {
        int64_t v;
        if (gguf_get_int(al, &v)) return err_set(err, ERR_FORMAT, "general.alignment is not an integer");
        if (v < 1 || v > (1 << 30) || (v & (v - 1)))
            return err_set(err, ERR_FORMAT, "general.alignment must be a power of two, got %lld", (long long)v);
        g->alignment = (size_t)v;
    }
    g->data_offset = (header_end + g->alignment - 1) / g->alignment * g->alignment;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        GgufTensor *t = &g->tensors[i];
        err_name(name, sizeof name, t->name.ptr, t->name.len);
        if (t->offset % g->alignment)
            return err_set(err, ERR_FORMAT, "tensor %s: offset %llu is not a multiple of the alignment %zu", name,
                           (ull)t->offset, g->alignment);
        if (g->data_offset > g->size || t->offset > g->size - g->data_offset ||
            t->nbytes > g->size - g->data_offset - t->offset)
            return err_set(err, ERR_FORMAT, "tensor %s: data ends past end of file", name);
        t->data = g->base + g->data_offset + t->offset;
    }
    return 0;
}

static int check_unique(Gguf *g, Error *err) {
    char name[100];
    if (g->n_kv) qsort(g->kv, g->n_kv, sizeof *g->kv, kv_cmp);
    for (uint64_t i = 1; i < g->n_kv; i++)
        if (!str_cmp(g->kv[i - 1].key, g->kv[i].key))
            return err_set(err, ERR_FORMAT, "duplicate metadata key %s",
                           err_name(name, sizeof name, g->kv[i].key.ptr, g->kv[i].key.len));
    if (g->n_tensors) qsort(g->tensors, g->n_tensors, sizeof *g->tensors, tensor_cmp);
    for (uint64_t i = 1; i < g->n_tensors; i++)
        if (!str_cmp(g->tensors[i - 1].name, g->tensors[i].name))
            return err_set(err, ERR_FORMAT, "duplicate tensor name %s",
                           err_name(name, sizeof name, g->tensors[i].name.ptr, g->tensors[i].name.len));
    return 0;
}

Gguf *gguf_parse(const void *data, size_t size, Error *err) {
    Cursor c = {data, size};
    const uint8_t *magic;
    uint32_t version;
    uint64_t n_tensors, n_kv;
    if (!take(&c, 4, &magic) || memcmp(magic, "GGUF", 4) != 0) {
        err_set(err, ERR_FORMAT, "not a GGUF file (bad magic)");
        return NULL;
    }
    if (!rd_u32(&c, &version)) {
        err_set(err, ERR_FORMAT, "truncated GGUF header");
        return NULL;
    }
    if (version != 2 && version != 3) {
        err_set(err, ERR_FORMAT, "unsupported GGUF version %u (supported: 2, 3)", version);
        return NULL;
    }
    if (!rd_u64(&c, &n_tensors) || !rd_u64(&c, &n_kv)) {
        err_set(err, ERR_FORMAT, "truncated GGUF header");
        return NULL;
    }
    if (n_kv > c.left / MIN_KV_BYTES) {
        err_set(err, ERR_FORMAT, "metadata count %llu exceeds what the file size allows", (ull)n_kv);
        return NULL;
    }
    if (n_tensors > c.left / MIN_TENSOR_BYTES) {
        err_set(err, ERR_FORMAT, "tensor count %llu exceeds what the file size allows", (ull)n_tensors);
        return NULL;
    }
    Cursor entries = c;
    if (parse_entries(&c, n_kv, NULL, n_tensors, NULL, err)) return NULL;

    Gguf *g = calloc(1, sizeof *g);
    if (g) {
        g->kv = calloc(n_kv ? n_kv : 1, sizeof *g->kv);
        g->tensors = calloc(n_tensors ? n_tensors : 1, sizeof *g->tensors);
    }
    if (!g || !g->kv || !g->tensors) {
        gguf_close(g);
        err_set(err, ERR_OOM, "out of memory reading the GGUF header");
        return NULL;
    }
    g->base = data;
    g->size = size;
    g->version = version;
    g->n_kv = n_kv;
    g->n_tensors = n_tensors;
    c = entries;
    if (parse_entries(&c, n_kv, g->kv, n_tensors, g->tensors, err) || check_unique(g, err) ||
        check_layout(g, size - c.left, err)) {
        gguf_close(g);
        return NULL;
    }
    return g;
}

Gguf *gguf_open(const char *path, Error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set(err, ERR_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        err_set(err, ERR_IO, "%s is not a regular file", path);
        return NULL;
    }
    if (st.st_size < 4) {
        close(fd);
        err_set(err, ERR_FORMAT, "not a GGUF file (bad magic)");
        return NULL;
    }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        err_set(err, ERR_IO, "cannot map %s: %s", path, strerror(errno));
        return NULL;
    }
    Gguf *g = gguf_parse(base, (size_t)st.st_size, err);
    if (!g) {
        munmap(base, (size_t)st.st_size);
        return NULL;
    }
    g->mapped = 1;
    return g;
}

void gguf_close(Gguf *g) {
    if (!g) return;
    if (g->mapped) munmap((void *)g->base, g->size);
    free(g->kv);
    free(g->tensors);
    free(g);
}

const GgufKV *gguf_find(const Gguf *g, const char *key) {
    GgufKV probe = {.key = {key, strlen(key)}};
    return g->n_kv ? bsearch(&probe, g->kv, g->n_kv, sizeof *g->kv, kv_cmp) : NULL;
}

const GgufTensor *gguf_tensor(const Gguf *g, const char *name) {
    GgufTensor probe = {.name = {name, strlen(name)}};
    return g->n_tensors ? bsearch(&probe, g->tensors, g->n_tensors, sizeof *g->tensors, tensor_cmp) : NULL;
}

static int read_int(uint32_t type, const uint8_t *p, int64_t *out) {
    uint64_t u64;
    switch (type) {
    case GGUF_TYPE_UINT8: *out = p[0]; return 0;
    case GGUF_TYPE_INT8: *out = (int8_t)p[0]; return 0;
    case GGUF_TYPE_UINT16: *out = load_u16(p); return 0;
    case GGUF_TYPE_INT16: *out = (int16_t)load_u16(p); return 0;
    case GGUF_TYPE_UINT32: { uint32_t v; memcpy(&v, p, 4); *out = v; return 0; }
    case GGUF_TYPE_INT32: { int32_t v; memcpy(&v, p, 4); *out = v; return 0; }
    case GGUF_TYPE_INT64: memcpy(out, p, 8); return 0;
    case GGUF_TYPE_UINT64:
        memcpy(&u64, p, 8);
        if (u64 > INT64_MAX) return -1;
        *out = (int64_t)u64;
        return 0;
    default: return -1;
    }
}

static int read_float(uint32_t type, const uint8_t *p, double *out) {
    if (type == GGUF_TYPE_FLOAT32) {
        float f;
        memcpy(&f, p, 4);
        *out = f;
        return 0;
    }
    if (type == GGUF_TYPE_FLOAT64) {
        memcpy(out, p, 8);
        return 0;
    }
    int64_t v;
    if (read_int(type, p, &v)) return -1;
    *out = (double)v;
    return 0;
}

int gguf_get_int(const GgufKV *kv, int64_t *out) { return read_int(kv->type, kv->value, out); }

int gguf_get_float(const GgufKV *kv, double *out) { return read_float(kv->type, kv->value, out); }

int gguf_get_bool(const GgufKV *kv, int *out) {
    if (kv->type != GGUF_TYPE_BOOL) return -1;
    *out = kv->value[0] != 0;
    return 0;
}

int gguf_get_str(const GgufKV *kv, GgufStr *out) {
    if (kv->type != GGUF_TYPE_STRING) return -1;
    gguf_arr_next_str(kv->value, out);
    return 0;
}

int gguf_arr_int(const GgufKV *kv, uint64_t i, int64_t *out) {
    if (kv->type != GGUF_TYPE_ARRAY || kv->elem_type == GGUF_TYPE_STRING || i >= kv->count) return -1;
    return read_int(kv->elem_type, kv->value + i * SCALAR_SIZE[kv->elem_type], out);
}

int gguf_arr_float(const GgufKV *kv, uint64_t i, double *out) {
    if (kv->type != GGUF_TYPE_ARRAY || kv->elem_type == GGUF_TYPE_STRING || i >= kv->count) return -1;
    return read_float(kv->elem_type, kv->value + i * SCALAR_SIZE[kv->elem_type], out);
}

const uint8_t *gguf_arr_next_str(const uint8_t *p, GgufStr *out) {
    memcpy(&out->len, p, 8);
    out->ptr = (const char *)p + 8;
    return p + 8 + out->len;
}
