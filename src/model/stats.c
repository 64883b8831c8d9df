#include <math.h>
#include <stdlib.h>

#include "model/stats.h"

uint64_t fc_rng_next(fc_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double fc_rng_unit(fc_rng *r)
{
    return (double)(fc_rng_next(r) >> 11) * 0x1.0p-53;
}

size_t fc_rng_below(fc_rng *r, size_t n)
{
    return (size_t)(fc_rng_unit(r) * (double)n);
}

double fc_rng_normal(fc_rng *r)
{
    double u = fc_rng_unit(r), v = fc_rng_unit(r);
    return sqrt(-2 * log(1 - u)) * cos(2 * 3.14159265358979323846 * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void fc_sort(double *v, size_t n)
{
    if (n < 2) /* v may be NULL when n is 0, which qsort must not see */
        return;
    qsort(v, n, sizeof *v, cmp_double);
}

double fc_quantile_sorted(const double *s, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        return s[n - 1];
    double frac = pos - (double)i;
    return s[i] + frac * (s[i + 1] - s[i]);
}

/* The k-th smallest of v[0..n) (Hoare's selection with a middle pivot);
 * reorders v. Expected O(n), where sorting the O(n^2) pairwise slopes of
 * a Theil-Sen fit at every calibration origin would dominate a forecast. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* The order statistics at idx[a..b) (ascending) among v[lo..hi), every
 * element of which lies between the statistics at lo - 1 and hi: the middle
 * one first, then each side within its part, so that four band quantiles
 * cost about two selections over v instead of four. An index equal to one
 * selected already lies just outside the range and needs nothing. */
static void select_many(double *v, size_t lo, size_t hi, const size_t *idx, size_t a, size_t b)
{
    if (a >= b)
        return;
    const size_t mid = a + (b - a) / 2, k = idx[mid];
    if (k >= lo && k < hi)
        select_kth(v + lo, hi - lo, k - lo);
    select_many(v, lo, k < hi ? k : hi, idx, a, mid);
    select_many(v, k + 1 > lo ? k + 1 : lo, hi, idx, mid + 1, b);
}

void fc_quantiles_select(double *v, size_t n, const double *q, size_t m, double *out)
{
    enum { MAXQ = 16 };
    size_t idx[MAXQ] = {0};
    if (n == 0 || m > MAXQ) {
        for (size_t j = 0; j < m; j++)
            out[j] = NAN;
        return;
    }
    for (size_t j = 0; j < m; j++) {
        const size_t i = (size_t)floor(q[j] * (double)(n - 1));
        idx[j] = i + 1 >= n ? n - 1 : i;
    }
    select_many(v, 0, n, idx, 0, m);
    for (size_t j = 0; j < m; j++) {
        const size_t i = idx[j];
        if (i + 1 >= n) {
            out[j] = v[i];
            continue;
        }
        /* The next order statistic: the smallest of v up to the next
         * selected index (everything between lies between the two). */
        size_t end = n - 1;
        for (size_t l = j + 1; l < m; l++)
            if (idx[l] > i) {
                end = idx[l];
                break;
            }
        double hi = v[i + 1];
        for (size_t k = i + 2; k <= end; k++)
            hi = v[k] < hi ? v[k] : hi;
        const double pos = q[j] * (double)(n - 1);
        out[j] = v[i] + (pos - (double)i) * (hi - v[i]);
    }
}

double fc_quantile_select(double *v, size_t n, double q)
{
    double out;
    fc_quantiles_select(v, n, &q, 1, &out);
    return out;
}

double fc_median(double *v, size_t n)
{
    return fc_quantile_select(v, n, 0.5);
}

/* The Student t distribution function for an integer number of degrees of
 * freedom, from the finite series of Abramowitz and Stegun (1964), 26.7.3:
 * with theta = atan(t / sqrt(nu)), P(|T| <= t) is
 *   nu = 1:    2 theta / pi
 *   nu odd:    2/pi (theta + sin theta (cos theta + 2/3 cos^3 theta + ...
 *              + (2.4...(nu-3)) / (1.3...(nu-2)) cos^(nu-2) theta))
 *   nu even:   sin theta (1 + 1/2 cos^2 theta + 1.3/(2.4) cos^4 theta + ...
 *              + (1.3...(nu-3)) / (2.4...(nu-2)) cos^(nu-2) theta)
 * nu/2 terms, all positive: exact to rounding. Beyond T_SERIES_MAX_NU the
 * quantile comes from the expansion below instead. */
static double student_t_cdf(double t, double nu)
{
    const double theta = atan(fabs(t) / sqrt(nu)), c2 = cos(theta) * cos(theta);
    const int n = (int)nu;
    double inside;
    if (n % 2 == 0) {
        double term = 1, sum = 1;
        for (int k = 2; k <= n - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        inside = sin(theta) * sum;
    } else {
        double term = cos(theta), sum = n > 1 ? term : 0;
        for (int k = 3; k <= n - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        inside = 0.63661977236758134308 * (theta + sin(theta) * sum); /* 2 / pi */
    }
    return t >= 0 ? 0.5 + 0.5 * inside : 0.5 - 0.5 * inside;
}

/* Past this, the series' nu/2 terms per evaluation cost more than the
 * expansion's error (below 1e-9 here) is worth. */
#define T_SERIES_MAX_NU 200

/* The Cornish-Fisher expansion of the t quantile in powers of 1/nu around
 * the normal quantile x (Abramowitz and Stegun 26.7.5). */
static double student_t_expansion(double x, double nu)
{
    const double x2 = x * x;
    const double g1 = (x2 + 1) * x / 4;
    const double g2 = ((5 * x2 + 16) * x2 + 3) * x / 96;
    const double g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384;
    const double g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160;
    return x + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu;
}

/* Bisection: the CDFs are monotone, and 200 halvings of [-1e6, 1e6] reach
 * double precision; quantiles are computed a handful of times per fit. */
static double invert(double (*cdf)(double, double), double p, double param)
{
    double lo = -1e6, hi = 1e6;
    for (int i = 0; i < 200 && hi - lo > 1e-13 * fmax(1, fabs(lo)); i++) {
        double mid = 0.5 * (lo + hi);
        if (cdf(mid, param) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double normal_cdf(double x, double unused)
{
    (void)unused;
    return 0.5 * erfc(-x / sqrt(2.0));
}

double fc_normal_quantile(double p)
{
    return invert(normal_cdf, p, 0);
}

double fc_student_t_quantile(double p, int nu)
{
    if (nu > T_SERIES_MAX_NU)
        return student_t_expansion(fc_normal_quantile(p), nu);
    return invert(student_t_cdf, p, nu);
}
