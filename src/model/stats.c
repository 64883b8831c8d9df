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

double fc_quantile_select(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        i = n - 1;
    double lo = select_kth(v, n, i);
    if (i + 1 >= n)
        return lo;
    /* The next order statistic: the smallest of what select_kth left above i. */
    double hi = v[i + 1];
    for (size_t k = i + 2; k < n; k++)
        hi = v[k] < hi ? v[k] : hi;
    return lo + (pos - (double)i) * (hi - lo);
}

double fc_median(double *v, size_t n)
{
    return fc_quantile_select(v, n, 0.5);
}

/* Continued fraction of the regularised incomplete beta function
 * (modified Lentz; Press et al., Numerical Recipes, 6.4). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = fabs(d) < tiny ? tiny : d;
    d = 1 / d;
    double h = d;
    for (int m = 1; m < 300; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return h;
}

/* I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, 1 - x) / b;
}

static double student_t_cdf(double t, double nu)
{
    double tail = 0.5 * beta_inc(nu / 2, 0.5, nu / (nu + t * t));
    return t >= 0 ? 1 - tail : tail;
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

double fc_student_t_quantile(double p, double nu)
{
    return invert(student_t_cdf, p, nu);
}
