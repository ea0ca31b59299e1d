/* How every fallible engine function reports failure: it fills an Error and returns -1 (or NULL).
 * The kind decides the Java exception engine_jni.c throws; the message names the first problem found. */
#ifndef MOE_ERROR_H
#define MOE_ERROR_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ERR_NONE = 0,
    ERR_FORMAT, /* the file is not a model this engine can load -> GgufFormatException */
    ERR_IO,     /* cannot open/map the file -> EngineException */
    ERR_OOM,    /* out of memory -> EngineException */
    ERR_ARG,    /* bad argument -> IllegalArgumentException */
    ERR_KV_FULL, /* the KV cache budget cannot hold a step -> KvCacheFullException */
} ErrKind;

typedef struct {
    ErrKind kind;
    char msg[512];
} Error;

int err_set(Error *err, ErrKind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies a possibly binary name from a file into buf as printable ASCII (for messages); returns buf. */
const char *err_name(char *buf, size_t buf_size, const char *name, uint64_t len);

/* Overflow-checked size arithmetic: return 0 when the result does not fit. */
static inline int size_mul(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline int size_add(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }

#endif
