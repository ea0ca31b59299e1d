/* A fixed pool of threads that run one function together. A pool of n threads has n - 1 workers; the
 * caller of pool_run is the n-th (so threads = 1 means everything runs on the caller, with no workers). */
#ifndef MOE_THREADPOOL_H
#define MOE_THREADPOOL_H

#include "error.h"

typedef struct ThreadPool ThreadPool;

/* fn(ctx, thread) runs once on every thread (thread = 0 .. n-1, 0 being the caller). */
typedef void (*PoolFn)(void *ctx, int thread);

ThreadPool *pool_new(int n_threads, Error *err);
/* Runs fn on all threads and returns when every one has finished. One pool_run at a time per pool. */
void pool_run(ThreadPool *pool, PoolFn fn, void *ctx);
int pool_size(const ThreadPool *pool);
/* Stops and joins the workers. */
void pool_free(ThreadPool *pool);

#endif
