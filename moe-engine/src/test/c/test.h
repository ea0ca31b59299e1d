/* A minimal test harness: CHECK records a failure and carries on; suites are plain functions. */
#ifndef MOE_TEST_H
#define MOE_TEST_H

#include <stdio.h>
#include <string.h>

extern int test_failures, test_checks;

#define CHECK(cond, ...)                                                                                         \
    do {                                                                                                         \
        test_checks++;                                                                                           \
        if (!(cond)) {                                                                                           \
            test_failures++;                                                                                     \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                                   \
            fprintf(stderr, __VA_ARGS__);                                                                        \
            fputc('\n', stderr);                                                                                 \
        }                                                                                                        \
    } while (0)

/* The message of err contains want. */
#define CHECK_MSG(err, want) CHECK(strstr((err).msg, (want)) != NULL, "message '%s' lacks '%s'", (err).msg, (want))

void suite_kernels(void);
void suite_gguf(void);
void suite_model(void);
void suite_reference(void);

#endif
