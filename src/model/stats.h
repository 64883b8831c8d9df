/* Small numerical helpers of the model module (not public API). */
#ifndef FRONTCAST_MODEL_STATS_H
#define FRONTCAST_MODEL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64 (Steele, Lea & Flood 2014): small, fast, the same on every
 * platform, so bootstrap results are reproducible from a seed. */
typedef struct fc_rng {
    uint64_t state;
} fc_rng;
uint64_t fc_rng_next(fc_rng *r);
/* Uniform in [0, 1). */
double fc_rng_unit(fc_rng *r);
/* Uniform integer in [0, n). */
size_t fc_rng_below(fc_rng *r, size_t n);
/* Standard normal (Box-Muller). */
double fc_rng_normal(fc_rng *r);

/* Quantile q in [0,1] of v[0..n) by linear interpolation between order
 * statistics (Hyndman & Fan type 7). Sorts v in place. */
double fc_quantile_sorted(const double *sorted, size_t n, double q);
void fc_sort(double *v, size_t n);

/* fc_quantile_sorted's quantile of an unsorted v[0..n), by selection
 * (expected O(n)); reorders v. */
double fc_quantile_select(double *v, size_t n, double q);
/* The same for m <= 16 quantiles q[0..m) in ascending order, into
 * out[0..m), at less than m selections' cost (out NaN if n is 0 or m too
 * many); reorders v. */
void fc_quantiles_select(double *v, size_t n, const double *q, size_t m, double *out);

/* The median of three values. */
double fc_median3(double a, double b, double c);

/* Median of v[0..n); reorders v. */
double fc_median(double *v, size_t n);

/* Lower-tail quantile of the standard normal distribution, p in (0,1). */
double fc_normal_quantile(double p);
/* Lower-tail quantile of Student's t with nu >= 1 degrees of freedom. */
double fc_student_t_quantile(double p, int nu);

#endif
