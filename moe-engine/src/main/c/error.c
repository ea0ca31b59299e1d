#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(Error *err, ErrKind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err->kind = kind;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const char *err_name(char *buf, size_t buf_size, const char *name, uint64_t len) {
    size_t n = 0;
    for (uint64_t i = 0; i < len && n + 4 < buf_size; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n + 4 >= buf_size && len > n) {
        buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
    }
    buf[n] = '\0';
    return buf;
}
