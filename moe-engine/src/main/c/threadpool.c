#define _POSIX_C_SOURCE 200809L
#include "threadpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ThreadPool *pool;
    int index;
    pthread_t thread;
} Worker;

struct ThreadPool {
    int n_threads;
    int n_started; /* workers running */
    Worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* generation advanced or stop */
    pthread_cond_t work_done;  /* pending reached 0 */
    unsigned long generation;  /* bumped for each pool_run */
    int pending;               /* workers still running the current job */
    int stop;
    PoolFn fn;
    void *ctx;
};

static void *worker_main(void *arg) {
    Worker *w = arg;
    ThreadPool *p = w->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->generation == seen && !p->stop) pthread_cond_wait(&p->work_ready, &p->lock);
        if (p->stop) break;
        seen = p->generation;
        PoolFn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->lock);
        fn(ctx, w->index);
        pthread_mutex_lock(&p->lock);
        if (--p->pending == 0) pthread_cond_signal(&p->work_done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

ThreadPool *pool_new(int n_threads, Error *err) {
    if (n_threads < 1) {
        err_set(err, ERR_ARG, "thread count must be >= 1, got %d", n_threads);
        return NULL;
    }
    ThreadPool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)n_threads, sizeof *p->workers))) {
        free(p);
        err_set(err, ERR_OOM, "out of memory creating the thread pool");
        return NULL;
    }
    p->n_threads = n_threads;
    int rc = pthread_mutex_init(&p->lock, NULL);
    if (!rc && (rc = pthread_cond_init(&p->work_ready, NULL)) != 0) pthread_mutex_destroy(&p->lock);
    if (!rc && (rc = pthread_cond_init(&p->work_done, NULL)) != 0) {
        pthread_cond_destroy(&p->work_ready);
        pthread_mutex_destroy(&p->lock);
    }
    if (rc) {
        free(p->workers);
        free(p);
        err_set(err, ERR_OOM, "cannot create the thread pool's locks: %s", strerror(rc));
        return NULL;
    }
    for (int i = 1; i < n_threads; i++) {
        p->workers[i] = (Worker){p, i, 0};
        if ((rc = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i])) != 0) {
            pool_free(p);
            err_set(err, ERR_OOM, "cannot start thread %d of %d: %s", i + 1, n_threads, strerror(rc));
            return NULL;
        }
        p->n_started = i;
    }
    return p;
}

void pool_run(ThreadPool *p, PoolFn fn, void *ctx) {
    if (p->n_started > 0) {
        pthread_mutex_lock(&p->lock);
        p->fn = fn;
        p->ctx = ctx;
        p->pending = p->n_started;
        p->generation++;
        pthread_cond_broadcast(&p->work_ready);
        pthread_mutex_unlock(&p->lock);
    }
    fn(ctx, 0);
    if (p->n_started > 0) {
        pthread_mutex_lock(&p->lock);
        while (p->pending > 0) pthread_cond_wait(&p->work_done, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}

int pool_size(const ThreadPool *p) { return p->n_threads; }

void pool_free(ThreadPool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (int i = 1; i <= p->n_started; i++) pthread_join(p->workers[i].thread, NULL);
    pthread_cond_destroy(&p->work_done);
    pthread_cond_destroy(&p->work_ready);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}
