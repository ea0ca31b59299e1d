#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "test.h"

int test_failures, test_checks;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void run(const char *name, void (*suite)(void)) {
    double t0 = now();
    int before = test_failures;
    suite();
    printf("%-10s %s (%.2f s)\n", name, test_failures == before ? "ok" : "FAILED", now() - t0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    run("kernels", suite_kernels);
    run("gguf", suite_gguf);
    run("model", suite_model);
    run("reference", suite_reference);
    printf("%d checks, %d failures\n", test_checks, test_failures);
    return test_failures != 0;
}
