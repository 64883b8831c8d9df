/* A tiny test harness: checks count failures and print where they happened.
 * A test program returns check_exit(), non-zero when any check failed. */
#ifndef FRONTCAST_TEST_CHECK_H
#define FRONTCAST_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count++;                                                                \
        if (!(cond)) {                                                                \
            check_failures++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

/* |got - want| <= tol, with the numbers printed on failure. */
#define CHECK_NEAR(got, want, tol)                                                          \
    do {                                                                                    \
        double g_ = (got), w_ = (want), t_ = (tol);                                         \
        check_count++;                                                                      \
        if (!(fabs(g_ - w_) <= t_)) {                                                       \
            check_failures++;                                                               \
            fprintf(stderr, "%s:%d: %s = %.12g, want %.12g +- %.3g (off by %.3g)\n",        \
                    __FILE__, __LINE__, #got, g_, w_, t_, g_ - w_);                         \
        }                                                                                   \
    } while (0)

static inline int check_exit(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
