/* A GGUF (v2/v3) reader over a read-only view of the file. gguf_parse validates the whole header before
 * anything uses it: counts against the bytes left, every string and array, value types, alignment, tensor
 * names, dims, types and data ranges. Strings point into the file and are not NUL-terminated. */
#ifndef MOE_GGUF_H
#define MOE_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum {
    GGUF_TYPE_UINT8, GGUF_TYPE_INT8, GGUF_TYPE_UINT16, GGUF_TYPE_INT16, GGUF_TYPE_UINT32, GGUF_TYPE_INT32,
    GGUF_TYPE_FLOAT32, GGUF_TYPE_BOOL, GGUF_TYPE_STRING, GGUF_TYPE_ARRAY, GGUF_TYPE_UINT64, GGUF_TYPE_INT64,
    GGUF_TYPE_FLOAT64, GGUF_TYPE_COUNT
};

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

typedef struct {
    const char *ptr;
    uint64_t len;
} GgufStr;

typedef struct {
    GgufStr key;
    uint32_t type;        /* GGUF_TYPE_* */
    uint32_t elem_type;   /* arrays: the element type (never ARRAY) */
    uint64_t count;       /* arrays: the element count */
    const uint8_t *value; /* the value's bytes; for arrays, the first element */
} GgufKV;

typedef struct {
    GgufStr name;
    uint32_t type; /* GGML type id, supported (see ggml_types.h) */
    int n_dims;
    int64_t ne[GGUF_MAX_DIMS]; /* dims past n_dims are 1 */
    uint64_t offset;           /* from the start of the data section */
    const uint8_t *data;
    size_t nbytes;
} GgufTensor;

typedef struct {
    const uint8_t *base; /* the whole file */
    size_t size;
    int mapped; /* base is our mmap (unmapped by gguf_close) */
    uint32_t version;
    size_t alignment;
    size_t data_offset;
    uint64_t n_kv;
    GgufKV *kv; /* sorted by key */
    uint64_t n_tensors;
    GgufTensor *tensors; /* sorted by name */
} Gguf;

/* Parses a file image that stays valid (and unchanged) while the result is used. NULL + err on failure. */
Gguf *gguf_parse(const void *data, size_t size, Error *err);
/* Maps the file read-only and parses it. */
Gguf *gguf_open(const char *path, Error *err);
void gguf_close(Gguf *g);

const GgufKV *gguf_find(const Gguf *g, const char *key);
const GgufTensor *gguf_tensor(const Gguf *g, const char *name);

/* Typed getters: 0 on success, -1 when the value has another type (or does not fit). */
int gguf_get_int(const GgufKV *kv, int64_t *out);   /* any integer type */
int gguf_get_float(const GgufKV *kv, double *out);  /* FLOAT32/FLOAT64, or any integer type */
int gguf_get_bool(const GgufKV *kv, int *out);
int gguf_get_str(const GgufKV *kv, GgufStr *out);
/* Array elements: the array's element type must be an integer / float (or integer) type. */
int gguf_arr_int(const GgufKV *kv, uint64_t i, int64_t *out);
int gguf_arr_float(const GgufKV *kv, uint64_t i, double *out);
/* String arrays are walked in order: p starts at kv->value; returns the position of the next string. */
const uint8_t *gguf_arr_next_str(const uint8_t *p, GgufStr *out);

#endif
