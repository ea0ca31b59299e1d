/* The JNI entry points of dev.moeplatform.engine.NativeEngine. Handles are pointers to Model/Sequence, whose
 * first field is a magic number (cleared on free). Every failure becomes a Java exception:
 * GgufFormatException (ERR_FORMAT), IllegalArgumentException (ERR_ARG), EngineException (the rest). */
#include <jni.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandwidth.h"
#include "dev_moeplatform_engine_NativeEngine.h"
#include "forward.h"
#include "ggml_types.h"
#include "kernels.h"
#include "model.h"

#define FN(name) JNICALL Java_dev_moeplatform_engine_NativeEngine_##name

/* ---- exceptions ------------------------------------------------------------------------------------------ */

static void throw_kind(JNIEnv *env, ErrKind kind, const char *msg) {
    const char *name = kind == ERR_FORMAT ? "dev/moeplatform/engine/GgufFormatException"
                       : kind == ERR_ARG  ? "java/lang/IllegalArgumentException"
                       : kind == ERR_KV_FULL ? "dev/moeplatform/engine/KvCacheFullException"
                                          : "dev/moeplatform/engine/EngineException";
    jclass cls = (*env)->FindClass(env, name);
    if (cls) (*env)->ThrowNew(env, cls, msg); /* else NoClassDefFoundError is pending */
}

static void throw_err(JNIEnv *env, const Error *err) { throw_kind(env, err->kind, err->msg); }

__attribute__((format(printf, 3, 4))) static void throw_fmt(JNIEnv *env, ErrKind kind, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    throw_kind(env, kind, msg);
}

/* ---- strings: Java (UTF-16) <-> UTF-8 -------------------------------------------------------------------- */

/* A Java string as NUL-terminated UTF-8 (free it), or NULL with an exception pending. */
static char *utf8_of(JNIEnv *env, jstring s, const char *what) {
    if (!s) {
        throw_fmt(env, ERR_ARG, "%s is null", what);
        return NULL;
    }
    jsize n = (*env)->GetStringLength(env, s);
    char *out = malloc((size_t)n * 3 + 1);
    const jchar *u = out ? (*env)->GetStringChars(env, s, NULL) : NULL;
    if (!u) {
        free(out);
        if (!(*env)->ExceptionCheck(env)) throw_fmt(env, ERR_OOM, "out of memory");
        return NULL;
    }
    size_t len = 0;
    int nul = 0;
    for (jsize i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (u[++i] - 0xdc00);
        else if (c >= 0xd800 && c < 0xe000)
            c = 0xfffd; /* lone surrogate */
        nul |= c == 0;
        if (c < 0x80) {
            out[len++] = (char)c;
        } else if (c < 0x800) {
            out[len++] = (char)(0xc0 | c >> 6), out[len++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[len++] = (char)(0xe0 | c >> 12), out[len++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[len++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[len++] = (char)(0xf0 | c >> 18), out[len++] = (char)(0x80 | ((c >> 12) & 0x3f));
            out[len++] = (char)(0x80 | ((c >> 6) & 0x3f)), out[len++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[len] = '\0';
    (*env)->ReleaseStringChars(env, s, u);
    if (nul) {
        free(out);
        throw_fmt(env, ERR_ARG, "%s contains a NUL character", what);
        return NULL;
    }
    return out;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or 0 if invalid. */
static int utf8_decode(const unsigned char *s, uint64_t n, uint32_t *cp) {
    static const uint32_t MIN[5] = {0, 0, 0x80, 0x800, 0x10000};
    int len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || (uint64_t)len > n) return 0;
    uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < MIN[len] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) return 0;
    *cp = c;
    return len;
}

/* A Java string from UTF-8 bytes of a file (invalid sequences become U+FFFD), or NULL with an exception. */
static jstring jstring_of(JNIEnv *env, const char *s, uint64_t n) {
    if (n > INT32_MAX / 2) {
        throw_fmt(env, ERR_OOM, "string of %llu bytes is too long", (unsigned long long)n);
        return NULL;
    }
    jchar *buf = malloc((n ? n : 1) * sizeof *buf); /* never more UTF-16 units than bytes */
    if (!buf) {
        throw_fmt(env, ERR_OOM, "out of memory");
        return NULL;
    }
    jsize len = 0;
    for (uint64_t i = 0; i < n;) {
        uint32_t c;
        int k = utf8_decode((const unsigned char *)s + i, n - i, &c);
        if (!k) c = 0xfffd, k = 1;
        i += (uint64_t)k;
        if (c >= 0x10000) {
            buf[len++] = (jchar)(0xd800 + ((c - 0x10000) >> 10));
            buf[len++] = (jchar)(0xdc00 + ((c - 0x10000) & 0x3ff));
        } else {
            buf[len++] = (jchar)c;
        }
    }
    jstring r = (*env)->NewString(env, buf, len);
    free(buf);
    return r;
}

/* ---- handles --------------------------------------------------------------------------------------------- */

static Model *model_of(JNIEnv *env, jlong handle) {
    Model *m = (Model *)(intptr_t)handle;
    if (!m || m->magic != MODEL_MAGIC) {
        throw_fmt(env, ERR_ARG, "invalid model handle");
        return NULL;
    }
    return m;
}

static Sequence *sequence_of(JNIEnv *env, jlong handle) {
    Sequence *s = (Sequence *)(intptr_t)handle;
    if (!s || s->magic != SEQUENCE_MAGIC) {
        throw_fmt(env, ERR_ARG, "invalid sequence handle");
        return NULL;
    }
    return s;
}

static const Kernels *kernels_of(JNIEnv *env, jstring name) {
    char *k = utf8_of(env, name, "kernels");
    if (!k) return NULL;
    const Kernels *kernels = kernels_get(k);
    if (!kernels) {
        const char *names[MAX_PATHS];
        int n = kernels_supported(names);
        char list[128] = "";
        for (int i = 0; i < n; i++) strcat(strcat(list, i ? ", " : ""), names[i]);
        if (!strcmp(k, "avx512") || !strcmp(k, "avx2") || !strcmp(k, "avx512-q8a") || !strcmp(k, "avx2-q8a"))
            throw_fmt(env, ERR_ARG, "kernel path %s is not supported by this CPU (supported: %s)", k, list);
        else
            throw_fmt(env, ERR_ARG,
                      "unknown kernel path '%.64s' (expected auto, avx512-q8a, avx512, avx2-q8a, avx2 or scalar)", k);
    }
    free(k);
    return kernels;
}

/* The metadata value of key, or NULL (no exception) when absent; NULL with an exception on a bad argument. */
static const GgufKV *meta_of(JNIEnv *env, jlong model, jstring key) {
    Model *m = model_of(env, model);
    char *k = m ? utf8_of(env, key, "key") : NULL;
    if (!k) return NULL;
    const GgufKV *kv = gguf_find(m->gguf, k);
    free(k);
    return kv;
}

/* ---- models ---------------------------------------------------------------------------------------------- */

JNIEXPORT jlong FN(modelLoad)(JNIEnv *env, jclass cls, jstring path, jint threads, jstring kernels) {
    (void)cls;
    if (threads < 1 || threads > 1024) {
        throw_fmt(env, ERR_ARG, "threads must be between 1 and 1024, got %d", threads);
        return 0;
    }
    const Kernels *k = kernels_of(env, kernels);
    char *p = k ? utf8_of(env, path, "path") : NULL;
    if (!p) return 0;
    Error err;
    Model *m = model_load(p, threads, k, &err);
    free(p);
    if (!m) throw_err(env, &err);
    return (jlong)(intptr_t)m;
}

JNIEXPORT void FN(modelFree)(JNIEnv *env, jclass cls, jlong model) {
    (void)cls;
    Model *m = model_of(env, model);
    if (m) model_free(m);
}

static void json_str(char *buf, size_t size, size_t *len, const char *key, const char *value) {
    *len += (size_t)snprintf(buf + *len, size - *len, "\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)value; *p && *len + 8 < size; p++) {
        if (*p == '"' || *p == '\\') *len += (size_t)snprintf(buf + *len, size - *len, "\\%c", *p);
        else if (*p < 0x20) *len += (size_t)snprintf(buf + *len, size - *len, "\\u%04x", *p);
        else buf[(*len)++] = (char)*p;
    }
    *len += (size_t)snprintf(buf + *len, size - *len, "\",");
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
static void json_num(char *buf, size_t size, size_t *len, const char *key, double v) {
    char s[32];
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v) snprintf(s, sizeof s, "%.17g", v);
    *len += (size_t)snprintf(buf + *len, size - *len, "\"%s\":%s,", key, s);
}

static void json_int(char *buf, size_t size, size_t *len, const char *key, long long v) {
    *len += (size_t)snprintf(buf + *len, size - *len, "\"%s\":%lld,", key, v);
}

JNIEXPORT jstring FN(modelInfoJson)(JNIEnv *env, jclass cls, jlong model) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return NULL;
    const Config *c = &m->c;
    char buf[2048] = "{";
    size_t n = 1, size = sizeof buf;
    json_str(buf, size, &n, "architecture", arch_name(c->arch));
    json_int(buf, size, &n, "n_vocab", c->n_vocab);
    json_int(buf, size, &n, "n_embd", c->n_embd);
    json_int(buf, size, &n, "n_layer", c->n_layer);
    json_int(buf, size, &n, "n_head", c->n_head);
    json_int(buf, size, &n, "n_head_kv", c->n_head_kv);
    json_int(buf, size, &n, "head_dim_k", c->head_dim_k);
    json_int(buf, size, &n, "head_dim_v", c->head_dim_v);
    json_int(buf, size, &n, "n_ff", c->n_ff);
    json_int(buf, size, &n, "n_expert", c->n_expert);
    json_int(buf, size, &n, "n_expert_used", c->n_expert_used);
    json_int(buf, size, &n, "n_ff_exp", c->n_ff_exp);
    json_int(buf, size, &n, "n_ff_shexp", c->n_ff_shexp);
    json_int(buf, size, &n, "context_length", c->context_length);
    json_int(buf, size, &n, "n_rot", c->n_rot);
    json_num(buf, size, &n, "rope_theta", c->rope_theta);
    json_str(buf, size, &n, "rope_pairing", c->rope_neox ? "neox" : "normal");
    json_num(buf, size, &n, "eps", c->eps);
    n += (size_t)snprintf(buf + n, size - n, "\"expert_weights_norm\":%s,", c->expert_weights_norm ? "true" : "false");
    json_str(buf, size, &n, "kernels", m->kernels->name);
    json_int(buf, size, &n, "threads", pool_size(m->pool));
    json_int(buf, size, &n, "weight_bytes", (long long)m->weight_bytes);
    json_int(buf, size, &n, "active_weight_bytes_per_token", (long long)m->active_weight_bytes);
    json_int(buf, size, &n, "kv_bytes_per_token", (long long)m->kv_bytes_per_token);
    json_int(buf, size, &n, "kv_bytes_per_token_mha", (long long)m->kv_bytes_per_token_mha);
    json_int(buf, size, &n, "expert_bytes", (long long)m->expert_bytes);
    json_int(buf, size, &n, "kv_page_bytes", (long long)m->kv_page_bytes);
    json_int(buf, size, &n, "kv_page_positions", KV_PAGE);
    { /* deepseek2's; 0, "none" or the defaults elsewhere */
        json_int(buf, size, &n, "q_lora_rank", c->q_lora_rank);
        json_int(buf, size, &n, "kv_lora_rank", c->kv_lora_rank);
        json_int(buf, size, &n, "n_leading_dense", c->n_leading_dense);
        json_int(buf, size, &n, "n_expert_shared", c->n_expert_shared);
        json_str(buf, size, &n, "expert_gating", c->gating == GATING_SIGMOID ? "sigmoid" : "softmax");
        json_int(buf, size, &n, "n_expert_group", c->n_group);
        json_int(buf, size, &n, "n_expert_group_used", c->n_group_used);
        json_num(buf, size, &n, "expert_weights_scale", c->expert_weights_scale);
        json_str(buf, size, &n, "rope_scaling", c->yarn ? "yarn" : "none");
        json_num(buf, size, &n, "rope_scaling_factor", c->rope_factor);
        json_str(buf, size, &n, "mla_layout", c->arch != ARCH_DEEPSEEK2 ? "none"
                                              : m->layers[0].wk_b.data ? "split"
                                                                       : "combined");
    }
    json_int(buf, size, &n, "file_bytes", (long long)m->file_bytes);
    buf[n - 1] = '}'; /* replaces the last comma */
    return (*env)->NewStringUTF(env, buf); /* ASCII only */
}

/* ---- metadata -------------------------------------------------------------------------------------------- */

JNIEXPORT jstring FN(metaString)(JNIEnv *env, jclass cls, jlong model, jstring key) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    GgufStr s;
    return kv && !gguf_get_str(kv, &s) ? jstring_of(env, s.ptr, s.len) : NULL;
}

JNIEXPORT jlong FN(metaLong)(JNIEnv *env, jclass cls, jlong model, jstring key, jlong fallback) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    int64_t v;
    return kv && !gguf_get_int(kv, &v) ? v : fallback;
}

JNIEXPORT jdouble FN(metaDouble)(JNIEnv *env, jclass cls, jlong model, jstring key, jdouble fallback) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    double v;
    return kv && !gguf_get_float(kv, &v) ? v : fallback;
}

JNIEXPORT jboolean FN(metaBool)(JNIEnv *env, jclass cls, jlong model, jstring key, jboolean fallback) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    int v;
    return kv && !gguf_get_bool(kv, &v) ? (jboolean)(v ? JNI_TRUE : JNI_FALSE) : fallback;
}

JNIEXPORT jobjectArray FN(metaStringArray)(JNIEnv *env, jclass cls, jlong model, jstring key) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    if (!kv || kv->type != GGUF_TYPE_ARRAY || kv->elem_type != GGUF_TYPE_STRING) return NULL;
    if (kv->count > INT32_MAX) {
        throw_fmt(env, ERR_OOM, "array of %llu strings is too long", (unsigned long long)kv->count);
        return NULL;
    }
    jclass string = (*env)->FindClass(env, "java/lang/String");
    jobjectArray out = string ? (*env)->NewObjectArray(env, (jsize)kv->count, string, NULL) : NULL;
    const uint8_t *p = kv->value;
    for (jsize i = 0; out && i < (jsize)kv->count; i++) {
        GgufStr s;
        p = gguf_arr_next_str(p, &s);
        jstring js = jstring_of(env, s.ptr, s.len);
        if (!js) return NULL;
        (*env)->SetObjectArrayElement(env, out, i, js);
        (*env)->DeleteLocalRef(env, js);
    }
    return out;
}

/* Numeric arrays: NULL when absent or not numeric (metaIntArray: or a value outside int). */
static int numeric_array(const GgufKV *kv) {
    return kv && kv->type == GGUF_TYPE_ARRAY && kv->elem_type != GGUF_TYPE_STRING && kv->elem_type != GGUF_TYPE_BOOL &&
           kv->count <= INT32_MAX;
}

JNIEXPORT jfloatArray FN(metaFloatArray)(JNIEnv *env, jclass cls, jlong model, jstring key) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    if (!numeric_array(kv)) return NULL;
    float *buf = malloc((kv->count ? kv->count : 1) * sizeof *buf);
    if (!buf) {
        throw_fmt(env, ERR_OOM, "out of memory");
        return NULL;
    }
    double v = 0;
    for (uint64_t i = 0; i < kv->count; i++) buf[i] = gguf_arr_float(kv, i, &v) ? NAN : (float)v;
    jfloatArray out = (*env)->NewFloatArray(env, (jsize)kv->count);
    if (out) (*env)->SetFloatArrayRegion(env, out, 0, (jsize)kv->count, buf);
    free(buf);
    return out;
}

JNIEXPORT jintArray FN(metaIntArray)(JNIEnv *env, jclass cls, jlong model, jstring key) {
    (void)cls;
    const GgufKV *kv = meta_of(env, model, key);
    if (!numeric_array(kv)) return NULL;
    jint *buf = malloc((kv->count ? kv->count : 1) * sizeof *buf);
    if (!buf) {
        throw_fmt(env, ERR_OOM, "out of memory");
        return NULL;
    }
    for (uint64_t i = 0; i < kv->count; i++) {
        int64_t v;
        if (gguf_arr_int(kv, i, &v) || v < INT32_MIN || v > INT32_MAX) {
            free(buf);
            return NULL;
        }
        buf[i] = (jint)v;
    }
    jintArray out = (*env)->NewIntArray(env, (jsize)kv->count);
    if (out) (*env)->SetIntArrayRegion(env, out, 0, (jsize)kv->count, buf);
    free(buf);
    return out;
}

/* ---- expert statistics ----------------------------------------------------------------------------------- */

JNIEXPORT jlongArray FN(expertCounts)(JNIEnv *env, jclass cls, jlong model) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return NULL;
    jsize n = (jsize)((size_t)m->c.n_layer * (size_t)m->c.n_expert);
    jlongArray out = (*env)->NewLongArray(env, n);
    if (out) (*env)->SetLongArrayRegion(env, out, 0, n, (const jlong *)m->expert_counts);
    return out;
}

JNIEXPORT void FN(expertCountsReset)(JNIEnv *env, jclass cls, jlong model) {
    (void)cls;
    Model *m = model_of(env, model);
    if (m) memset(m->expert_counts, 0, (size_t)m->c.n_layer * (size_t)m->c.n_expert * sizeof *m->expert_counts);
}

/* ---- sequences ------------------------------------------------------------------------------------------- */

JNIEXPORT jlong FN(sequenceNew)(JNIEnv *env, jclass cls, jlong model, jint context_length) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return 0;
    Error err;
    Sequence *s = sequence_new(m, context_length, &err);
    if (!s) throw_err(env, &err);
    return (jlong)(intptr_t)s;
}

JNIEXPORT void FN(sequenceFree)(JNIEnv *env, jclass cls, jlong sequence) {
    (void)cls;
    Sequence *s = sequence_of(env, sequence);
    if (s) sequence_free(s);
}

JNIEXPORT jint FN(sequencePosition)(JNIEnv *env, jclass cls, jlong sequence) {
    (void)cls;
    Sequence *s = sequence_of(env, sequence);
    return s ? s->pos : 0;
}

JNIEXPORT void FN(sequenceTruncate)(JNIEnv *env, jclass cls, jlong sequence, jint position) {
    (void)cls;
    Sequence *s = sequence_of(env, sequence);
    Error err;
    if (s && sequence_truncate(s, position, &err)) throw_err(env, &err);
}

JNIEXPORT void FN(step)(JNIEnv *env, jclass cls, jlong model, jlongArray sequences, jintArray tokens,
                        jintArray counts, jfloatArray logits) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return;
    if (!sequences || !tokens || !counts || !logits) {
        throw_fmt(env, ERR_ARG, "step: %s is null",
                  !sequences ? "sequences" : !tokens ? "tokens" : !counts ? "counts" : "logits");
        return;
    }
    jsize n_seqs = (*env)->GetArrayLength(env, sequences), n_tokens = (*env)->GetArrayLength(env, tokens);
    jsize n_logits = (*env)->GetArrayLength(env, logits);
    if ((*env)->GetArrayLength(env, counts) != n_seqs) {
        throw_fmt(env, ERR_ARG, "step: %d sequences but %d counts", n_seqs, (*env)->GetArrayLength(env, counts));
        return;
    }
    int64_t n_out = (int64_t)n_seqs * m->c.n_vocab;
    if (n_logits < n_out) {
        throw_fmt(env, ERR_ARG, "step: logits hold %d values, %lld needed", n_logits, (long long)n_out);
        return;
    }
    jlong *handles = malloc(((size_t)n_seqs + 1) * sizeof *handles);
    Sequence **seqs = malloc(((size_t)n_seqs + 1) * sizeof *seqs);
    jint *cnt = malloc(((size_t)n_seqs + 1) * sizeof *cnt), *tok = malloc(((size_t)n_tokens + 1) * sizeof *tok);
    float *out = malloc(((size_t)n_out + 1) * sizeof *out);
    if (!handles || !seqs || !cnt || !tok || !out) {
        throw_fmt(env, ERR_OOM, "out of memory for a step of %d sequences", n_seqs);
    } else {
        (*env)->GetLongArrayRegion(env, sequences, 0, n_seqs, handles);
        (*env)->GetIntArrayRegion(env, counts, 0, n_seqs, cnt);
        (*env)->GetIntArrayRegion(env, tokens, 0, n_tokens, tok);
        for (jsize i = 0; i < n_seqs; i++) seqs[i] = (Sequence *)(intptr_t)handles[i];
        Error err;
        if (model_step(m, seqs, cnt, n_seqs, tok, n_tokens, out, n_out, &err)) throw_err(env, &err);
        else (*env)->SetFloatArrayRegion(env, logits, 0, (jsize)n_out, out);
    }
    free(handles), free(seqs), free(cnt), free(tok), free(out);
}

JNIEXPORT jstring FN(profileJson)(JNIEnv *env, jclass cls, jlong model, jboolean reset) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return NULL;
    char buf[1024] = "{";
    size_t n = 1, size = sizeof buf;
    json_int(buf, size, &n, "step_ns", (long long)m->profile.step_ns);
    json_int(buf, size, &n, "tokens", (long long)m->profile.tokens);
    json_int(buf, size, &n, "attention_ns", (long long)m->profile.attention_ns);
    for (int t = 0; t < N_TYPE_SLOTS; t++) {
        char key[48];
        snprintf(key, sizeof key, "matmul_ns_%s", slot_type_name(t));
        json_int(buf, size, &n, key, (long long)m->profile.matmul_ns[t]);
    }
    buf[n - 1] = '}';
    if (reset) memset(&m->profile, 0, sizeof m->profile);
    return (*env)->NewStringUTF(env, buf);
}

JNIEXPORT void FN(modelSetKvBudget)(JNIEnv *env, jclass cls, jlong model, jlong bytes) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return;
    if (bytes < 0) {
        throw_fmt(env, ERR_ARG, "KV cache budget must be >= 0 bytes, got %lld", (long long)bytes);
        return;
    }
    Error err;
    if (model_set_kv_budget(m, (size_t)bytes, &err)) throw_err(env, &err);
}

JNIEXPORT jlongArray FN(kvCacheUsage)(JNIEnv *env, jclass cls, jlong model) {
    (void)cls;
    Model *m = model_of(env, model);
    if (!m) return NULL;
    jlong v[3] = {(jlong)(m->kv_pages_used * m->kv_page_bytes), (jlong)(m->kv_pages_budget * m->kv_page_bytes),
                  (jlong)m->kv_page_bytes};
    jlongArray out = (*env)->NewLongArray(env, 3);
    if (out) (*env)->SetLongArrayRegion(env, out, 0, 3, v);
    return out;
}

/* ---- kernels and bandwidth ------------------------------------------------------------------------------- */

JNIEXPORT jobjectArray FN(supportedKernels)(JNIEnv *env, jclass cls) {
    (void)cls;
    const char *names[MAX_PATHS];
    int n = kernels_supported(names);
    jclass string = (*env)->FindClass(env, "java/lang/String");
    jobjectArray out = string ? (*env)->NewObjectArray(env, n, string, NULL) : NULL;
    for (int i = 0; out && i < n; i++) {
        jstring s = (*env)->NewStringUTF(env, names[i]);
        if (!s) return NULL;
        (*env)->SetObjectArrayElement(env, out, i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    return out;
}

/* The raw bytes of n values of a type, copied out of data; NULL with an exception when they do not fit. */
static uint8_t *typed_bytes(JNIEnv *env, jint type, jbyteArray data, jint n, const TypeTraits **traits) {
    const TypeTraits *tr = type_traits((uint32_t)type);
    if (!tr) {
        throw_fmt(env, ERR_ARG, "unsupported type %d (supported: %s)", type, supported_types_list());
        return NULL;
    }
    if (!data) {
        throw_fmt(env, ERR_ARG, "data is null");
        return NULL;
    }
    if (n < 0 || n % tr->block) {
        throw_fmt(env, ERR_ARG, "n = %d must be >= 0 and a multiple of the block size %d of %s", n, tr->block,
                  tr->name);
        return NULL;
    }
    size_t need = type_bytes(tr, n);
    jsize have = (*env)->GetArrayLength(env, data);
    if ((size_t)have < need) {
        throw_fmt(env, ERR_ARG, "%d values of %s need %zu bytes, data has %d", n, tr->name, need, have);
        return NULL;
    }
    uint8_t *bytes = malloc(need + 1);
    if (!bytes) {
        throw_fmt(env, ERR_OOM, "out of memory");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, data, 0, (jsize)need, (jbyte *)bytes);
    *traits = tr;
    return bytes;
}

JNIEXPORT jfloatArray FN(dequantize)(JNIEnv *env, jclass cls, jint type, jbyteArray data, jint n) {
    (void)cls;
    const TypeTraits *tr;
    uint8_t *bytes = typed_bytes(env, type, data, n, &tr);
    if (!bytes) return NULL;
    float *values = malloc(((size_t)n + 1) * sizeof *values);
    jfloatArray out = NULL;
    if (!values) {
        throw_fmt(env, ERR_OOM, "out of memory");
    } else {
        tr->to_float(bytes, values, n);
        if ((out = (*env)->NewFloatArray(env, n)) != NULL) (*env)->SetFloatArrayRegion(env, out, 0, n, values);
    }
    free(values);
    free(bytes);
    return out;
}

JNIEXPORT jfloat FN(dot)(JNIEnv *env, jclass cls, jint type, jbyteArray data, jfloatArray x, jint n, jstring kernels) {
    (void)cls;
    if (!x) {
        throw_fmt(env, ERR_ARG, "x is null");
        return 0;
    }
    if (n > (*env)->GetArrayLength(env, x)) {
        throw_fmt(env, ERR_ARG, "x has %d values, n = %d", (*env)->GetArrayLength(env, x), n);
        return 0;
    }
    const Kernels *k = kernels_of(env, kernels);
    const TypeTraits *tr;
    uint8_t *bytes = k ? typed_bytes(env, type, data, n, &tr) : NULL;
    if (!bytes) return 0;
    float *xs = malloc(((size_t)n + 1) * sizeof *xs), result = 0;
    if (!xs) {
        throw_fmt(env, ERR_OOM, "out of memory");
    } else {
        (*env)->GetFloatArrayRegion(env, x, 0, n, xs);
        if (k->dotq[tr->slot]) { /* as a matrix product computes it: x quantized once, then the integer kernel */
            BlockQ8A *xq = malloc(((size_t)n / QK + 1) * sizeof *xq);
            if (!xq) {
                throw_fmt(env, ERR_OOM, "out of memory");
            } else {
                k->quantize(xs, xq, n);
                k->dotq[tr->slot](bytes, xq, 0, 1, n, &result);
            }
            free(xq);
        } else {
            k->dot[tr->slot](bytes, xs, 0, 1, n, &result);
        }
    }
    free(xs);
    free(bytes);
    return result;
}

JNIEXPORT jdouble FN(memoryBandwidth)(JNIEnv *env, jclass cls, jlong bytes, jint passes, jint threads) {
    (void)cls;
    if (bytes < 0) {
        throw_fmt(env, ERR_ARG, "bytes must be >= 0, got %lld", (long long)bytes);
        return 0;
    }
    Error err;
    double r = memory_bandwidth((size_t)bytes, passes, threads, &err);
    if (r < 0) throw_err(env, &err);
    return r;
}
