#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/model.h"
#include "model/stats.h"

#define BLOCK_DAYS 14
#define LEVEL_DAYS 3

static const char *const names[FC_MODEL_COUNT] = {"pace", "ols", "theilsen", "holt", "ensemble",
                                                   "naive"};

const fc_model fc_ensemble_members[FC_ENSEMBLE_SIZE] = {FC_MODEL_PACE, FC_MODEL_THEILSEN,
                                                        FC_MODEL_HOLT};

const fc_model fc_models_all[FC_NMODELS] = {FC_MODEL_PACE, FC_MODEL_OLS, FC_MODEL_THEILSEN,
                                           FC_MODEL_HOLT, FC_MODEL_ENSEMBLE};

const char *fc_model_name(fc_model m)
{
    return m < FC_MODEL_COUNT ? names[m] : "?";
}

bool fc_model_parse(const char *name, fc_model *out)
{
    for (int m = 0; m < FC_MODEL_COUNT; m++)
        if (strcmp(name, names[m]) == 0) {
            *out = (fc_model)m;
            return true;
        }
    return false;
}

struct fc_fit {
    fc_model model;
    double cap;
    double as_of;
    double t_last, y_last;  /* last observation in the window */
    double rate;            /* per day, at as-of */
    /* linear models: value(t) = a + b t */
    double a, b;
    /* ols intervals */
    double s, tbar, sxx, nobs;
    /* holt state at t_last */
    double level, trend, alpha, beta, phi, sigma;
    /* bootstrap (pace, theilsen): the window's daily net gains */
    double *gains;
    size_t ngains;
    double mean_gain;
    int reps;
    uint64_t seed;
    fc_fit *member[FC_ENSEMBLE_SIZE]; /* ensemble */
};

void fc_fit_destroy(fc_fit *f)
{
    if (!f)
        return;
    free(f->gains);
    for (int i = 0; i < FC_ENSEMBLE_SIZE; i++)
        fc_fit_destroy(f->member[i]);
    free(f);
}

double fc_fit_rate(const fc_fit *f) { return f->rate; }
double fc_fit_last(const fc_fit *f) { return f->y_last; }

double fc_median3(double a, double b, double c)
{
    return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

/* The window's observations carried forward to one value per day from the
 * first to the last observation. Newly allocated; *ndays values. */
static double *daily_series(const double *t, const double *y, size_t n, size_t *ndays)
{
    size_t d = (size_t)llround(t[n - 1] - t[0]) + 1;
    double *v = malloc(d * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t day = 0; day < d; day++) {
        while (k + 1 < n && t[k + 1] - t[0] <= (double)day + 0.5)
            k++;
        v[day] = y[k];
    }
    *ndays = d;
    return v;
}

static void fit_ols(fc_fit *f, const double *t, const double *y, size_t n)
{
    double tb = 0, yb = 0;
    for (size_t i = 0; i < n; i++) {
        tb += t[i];
        yb += y[i];
    }
    tb /= (double)n;
    yb /= (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (t[i] - tb) * (t[i] - tb);
        sxy += (t[i] - tb) * (y[i] - yb);
    }
    f->b = sxy / sxx;
    f->a = yb - f->b * tb;
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        double e = y[i] - (f->a + f->b * t[i]);
        sse += e * e;
    }
    f->s = n > 2 ? sqrt(sse / (double)(n - 2)) : 0;
    f->tbar = tb;
    f->sxx = sxx;
    f->nobs = (double)n;
    f->rate = f->b;
}

static fc_status fit_theilsen(fc_fit *f, const double *t, const double *y, size_t n, fc_error *err)
{
    size_t np = n * (n - 1) / 2;
    double *s = malloc((np > n ? np : n) * sizeof *s);
    if (!s)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            s[k++] = (y[j] - y[i]) / (t[j] - t[i]);
    f->b = fc_median(s, k);
    /* The level: the median of the last 3 days' observations carried to the
     * last date along the slope. Anchored near today like pace (the series
     * is cumulative, so a whole-window intercept lags), yet one corrected
     * day cannot move it. */
    size_t m = 0;
    for (size_t i = n; i-- > 0 && t[n - 1] - t[i] < LEVEL_DAYS;)
        s[m++] = y[i] + f->b * (t[n - 1] - t[i]);
    double level = fc_median(s, m);
    f->a = level - f->b * t[n - 1];
    f->rate = f->b;
    free(s);
    return FC_OK;
}

/* Sum of squared one-step errors of ETS(A,Ad,N) on v[0..n). */
static double holt_sse(const double *v, size_t n, double b0, double alpha, double beta, double phi,
                       double *level, double *trend)
{
    double l = v[0], b = b0, sse = 0;
    for (size_t i = 1; i < n; i++) {
        double e = v[i] - (l + phi * b);
        sse += e * e;
        l = l + phi * b + alpha * e;
        b = phi * b + beta * e;
    }
    if (level) {
        *level = l;
        *trend = b;
    }
    return sse;
}

/* Least squares over 0 < alpha < 1, 0 < beta < alpha, 0.8 <= phi <= 0.98
 * (the bounds of Hyndman et al.'s forecast package): a coarse grid, then
 * coordinate search with halving steps. */
static void fit_holt(fc_fit *f, const double *v, size_t n)
{
    size_t k = n - 1 < 14 ? n - 1 : 14;
    double b0 = (v[k] - v[0]) / (double)k;
    double best[3] = {0.5, 0.1, 0.9}, best_sse = INFINITY;
    static const double ratios[] = {0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9};
    static const double phis[] = {0.80, 0.85, 0.90, 0.94, 0.98};
    /* alpha every 0.1: the coordinate search below refines it (a finer
     * grid doubled the cost of the calibration's fits and moved no
     * result of the unit tests). */
    for (int ia = 0; ia < 10; ia++)
        for (size_t ib = 0; ib < sizeof ratios / sizeof ratios[0]; ib++)
            for (size_t ip = 0; ip < sizeof phis / sizeof phis[0]; ip++) {
                double a = 0.05 + 0.1 * ia, b = a * ratios[ib];
                double sse = holt_sse(v, n, b0, a, b, phis[ip], NULL, NULL);
                if (sse < best_sse) {
                    best_sse = sse;
                    best[0] = a;
                    best[1] = b;
                    best[2] = phis[ip];
                }
            }
    double step[3] = {0.025, 0.5 * best[1] + 1e-4, 0.02};
    for (int round = 0; round < 30; round++) {
        bool moved = false;
        for (int p = 0; p < 3; p++)
            for (int dir = -1; dir <= 1; dir += 2) {
                double c[3] = {best[0], best[1], best[2]};
                c[p] += dir * step[p];
                if (c[0] <= 1e-4 || c[0] >= 0.9999 || c[1] <= 0 || c[1] >= c[0] || c[2] < 0.8 ||
                    c[2] > 0.98)
                    continue;
                double sse = holt_sse(v, n, b0, c[0], c[1], c[2], NULL, NULL);
                if (sse < best_sse) {
                    best_sse = sse;
                    memcpy(best, c, sizeof best);
                    moved = true;
                }
            }
        if (!moved)
            for (int p = 0; p < 3; p++)
                step[p] /= 2;
    }
    f->alpha = best[0];
    f->beta = best[1];
    f->phi = best[2];
    holt_sse(v, n, b0, f->alpha, f->beta, f->phi, &f->level, &f->trend);
    /* Three smoothing parameters were fitted to n - 1 errors. */
    f->sigma = n > 4 ? sqrt(best_sse / (double)(n - 4)) : 0;
    f->rate = f->phi * f->trend;
}

fc_status fc_fit_model(fc_model m, const double *t, const double *y, size_t n, double as_of,
                       const fc_model_options *opts, fc_fit **out, fc_error *err)
{
    *out = NULL;
    /* The window: observations in [as_of - window, as_of]. */
    size_t i0 = 0, i1 = 0;
    while (i0 < n && t[i0] < as_of - opts->window_days - 1e-9)
        i0++;
    i1 = i0;
    while (i1 < n && t[i1] <= as_of + 1e-9)
        i1++;
    size_t nw = i1 - i0;
    if (nw < 2)
        return fc_error_set(err, FC_ERR_EMPTY,
                            "fewer than 2 snapshots in the %d-day window before the as-of date",
                            opts->window_days);
    t += i0;
    y += i0;
    fc_fit *f = calloc(1, sizeof *f);
    if (!f)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    f->model = m;
    f->cap = opts->cap > 0 ? opts->cap : INFINITY;
    f->as_of = as_of;
    f->t_last = t[nw - 1];
    f->y_last = y[nw - 1];
    f->reps = opts->bootstrap > 0 ? opts->bootstrap : FC_DEFAULT_BOOTSTRAP;
    f->seed = opts->seed;
    fc_status st = FC_OK;
    size_t nd = 0;
    double *daily = daily_series(t, y, nw, &nd);
    if (!daily) {
        fc_fit_destroy(f);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    switch (m) {
    case FC_MODEL_PACE:
        f->rate = (y[nw - 1] - y[0]) / (t[nw - 1] - t[0]);
        break;
    case FC_MODEL_ENSEMBLE: {
        /* Each member on the same window; the seeds differ so that the
         * members' bootstraps are independent. */
        double r[FC_ENSEMBLE_SIZE];
        for (int i = 0; i < FC_ENSEMBLE_SIZE && st == FC_OK; i++) {
            fc_model_options mo = *opts;
            mo.seed = opts->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1));
            st = fc_fit_model(fc_ensemble_members[i], t, y, nw, as_of, &mo, &f->member[i], err);
            if (st == FC_OK)
                r[i] = f->member[i]->rate;
        }
        if (st == FC_OK)
            f->rate = fc_median3(r[0], r[1], r[2]);
        break;
    }
    case FC_MODEL_OLS:
        fit_ols(f, t, y, nw);
        break;
    case FC_MODEL_THEILSEN:
        st = fit_theilsen(f, t, y, nw, err);
        break;
    case FC_MODEL_HOLT:
        fit_holt(f, daily, nd);
        break;
    default:
        f->rate = 0;
        break;
    }
    if (st == FC_OK && (m == FC_MODEL_PACE || m == FC_MODEL_THEILSEN)) {
        f->ngains = nd - 1;
        f->gains = malloc(f->ngains * sizeof *f->gains);
        if (!f->gains) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        } else {
            double sum = 0;
            for (size_t i = 0; i < f->ngains; i++)
                sum += f->gains[i] = daily[i + 1] - daily[i];
            f->mean_gain = sum / (double)f->ngains;
        }
    }
    free(daily);
    if (st != FC_OK) {
        fc_fit_destroy(f);
        return st;
    }
    *out = f;
    return FC_OK;
}

static double clamp(const fc_fit *f, double v)
{
    return v < 0 ? 0 : v > f->cap ? f->cap : v;
}

/* Point projection at as_of + h. */
static double point(const fc_fit *f, double h)
{
    double t = f->as_of + h;
    switch (f->model) {
    case FC_MODEL_PACE:
        return f->y_last + f->rate * (t - f->t_last);
    case FC_MODEL_OLS:
    case FC_MODEL_THEILSEN:
        return f->a + f->b * t;
    case FC_MODEL_HOLT: {
        double d = round(t - f->t_last);
        if (d <= 0)
            return f->y_last;
        /* l + (phi + phi^2 + ... + phi^d) b */
        return f->level + f->phi * (1 - pow(f->phi, d)) / (1 - f->phi) * f->trend;
    }
    case FC_MODEL_ENSEMBLE:
        /* The median of the members' clamped projections. */
        return fc_median3(clamp(f->member[0], point(f->member[0], h)),
                       clamp(f->member[1], point(f->member[1], h)),
                       clamp(f->member[2], point(f->member[2], h)));
    default:
        return f->y_last;
    }
}

/* Circular block bootstrap (Politis & Romano 1992): fills out[0..m) with
 * blocks of BLOCK_DAYS consecutive gains starting at random days. */
static void block_resample(const double *g, size_t n, double shift, fc_rng *r, double *out, size_t m)
{
    size_t L = n < BLOCK_DAYS ? n : BLOCK_DAYS;
    for (size_t k = 0; k < m;) {
        size_t i = fc_rng_below(r, n);
        /* The block wraps around the end of g at most once (L <= n): no
         * division per day, the hot loop of every band. */
        for (size_t j = 0; j < L && k < m; j++, k++) {
            out[k] = g[i] - shift;
            if (++i == n)
                i = 0;
        }
    }
}

/* The bands' quantiles, ascending: 95 % and 80 % central intervals. */
static const double band_q[4] = {0.025, 0.10, 0.90, 0.975};

/* Bootstrap bands around the point projections (see model.h). */
static fc_status bootstrap_bands(const fc_fit *f, const double *h, size_t nh, fc_band *out,
                                 fc_error *err)
{
    /* Days from the last observation to each horizon. */
    size_t maxd = 0;
    for (size_t k = 0; k < nh; k++) {
        double d = round(f->as_of + h[k] - f->t_last);
        if (d > (double)maxd)
            maxd = (size_t)d;
    }
    const size_t R = (size_t)f->reps;
    /* Replicates go through in blocks written together: a replicate's
     * deviations are a column of dev (R apart), one at a time a store that
     * misses the cache at every horizon. */
    enum { RB = 16 };
    double *dev = malloc(R * nh * sizeof *dev), *rows = malloc(RB * nh * sizeof *rows);
    double *path = malloc((maxd + f->ngains + 1) * sizeof *path);
    size_t *days = malloc(nh * sizeof *days);
    if (!dev || !rows || !path || !days) {
        free(dev);
        free(rows);
        free(path);
        free(days);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nh; k++) {
        double dd = round(f->as_of + h[k] - f->t_last);
        days[k] = dd > 0 ? (size_t)dd : 0;
    }
    for (size_t r0 = 0; r0 < R; r0 += RB) {
        const size_t nb = R - r0 < RB ? R - r0 : RB;
        for (size_t j = 0; j < nb; j++) {
            const size_t r = r0 + j;
            /* A stream per replicate: its path does not depend on how far
             * this call projects, so calls at different horizons agree. */
            fc_rng rng = {f->seed ^ (0x6a09e667f3bcc909ULL * (r + 1))};
            /* The rate's uncertainty: the mean of a resampled window. */
            block_resample(f->gains, f->ngains, 0, &rng, path, f->ngains);
            double mean = 0;
            for (size_t i = 0; i < f->ngains; i++)
                mean += path[i];
            mean /= (double)f->ngains;
            /* Day-to-day variation of a future path: centred resampled gains. */
            block_resample(f->gains, f->ngains, f->mean_gain, &rng, path, maxd);
            double cum = 0;
            size_t day = 0;
            for (size_t k = 0; k < nh; k++) {
                for (; day < days[k]; day++)
                    cum += path[day];
                rows[j * nh + k] = (double)days[k] * (mean - f->mean_gain) + cum;
            }
        }
        for (size_t k = 0; k < nh; k++)
            for (size_t j = 0; j < nb; j++)
                dev[k * R + r0 + j] = rows[j * nh + k];
    }
    for (size_t k = 0; k < nh; k++) {
        /* Selection, not a sort: a ten-year ETA search asks for 522 horizons. */
        double *col = &dev[k * R];
        double p = point(f, h[k]);
        out[k].value = clamp(f, p);
        double qv[4];
        fc_quantiles_select(col, R, band_q, 4, qv);
        out[k].lo95 = clamp(f, p + qv[0]);
        out[k].lo80 = clamp(f, p + qv[1]);
        out[k].hi80 = clamp(f, p + qv[2]);
        out[k].hi95 = clamp(f, p + qv[3]);
    }
    free(dev);
    free(path);
    free(rows);
    free(days);
    return FC_OK;
}

double fc_fit_point(const fc_fit *f, double h)
{
    return clamp(f, point(f, h));
}

/* The ensemble's band: per horizon, the median of the members' bounds. */
static fc_status ensemble_bands(const fc_fit *f, const double *h, size_t nh, fc_band *out,
                                fc_error *err)
{
    fc_band *b = malloc(FC_ENSEMBLE_SIZE * (nh + 1) * sizeof *b);
    if (!b)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = FC_OK;
    for (int i = 0; i < FC_ENSEMBLE_SIZE && st == FC_OK; i++)
        st = fc_fit_project(f->member[i], h, nh, &b[(size_t)i * nh], err);
    for (size_t k = 0; k < nh && st == FC_OK; k++) {
        const fc_band *x = &b[k], *y = &b[nh + k], *z = &b[2 * nh + k];
        out[k].value = clamp(f, point(f, h[k]));
        out[k].lo80 = fc_median3(x->lo80, y->lo80, z->lo80);
        out[k].hi80 = fc_median3(x->hi80, y->hi80, z->hi80);
        out[k].lo95 = fc_median3(x->lo95, y->lo95, z->lo95);
        out[k].hi95 = fc_median3(x->hi95, y->hi95, z->hi95);
    }
    free(b);
    return st;
}

fc_status fc_fit_project(const fc_fit *f, const double *h, size_t nh, fc_band *out, fc_error *err)
{
    if (f->model == FC_MODEL_ENSEMBLE)
        return ensemble_bands(f, h, nh, out, err);
    if (f->model == FC_MODEL_PACE || f->model == FC_MODEL_THEILSEN)
        return bootstrap_bands(f, h, nh, out, err);
    const double z80 = fc_normal_quantile(0.90), z95 = fc_normal_quantile(0.975);
    double t80 = z80, t95 = z95;
    if (f->model == FC_MODEL_OLS && f->nobs > 2) {
        t80 = fc_student_t_quantile(0.90, (int)f->nobs - 2);
        t95 = fc_student_t_quantile(0.975, (int)f->nobs - 2);
    }
    /* Holt: Var(d) = sigma^2 (1 + sum_{j=1}^{d-1} c_j^2), c_j = alpha +
     * beta phi (1 - phi^j) / (1 - phi); accumulated as d grows. */
    double holt_var = 0, phi_j = 1;
    double holt_j = 0; /* terms summed so far: 1 + c_1^2 + ... + c_{j-1}^2 covers d = j */
    for (size_t k = 0; k < nh; k++) {
        double p = point(f, h[k]), se = 0;
        if (f->model == FC_MODEL_OLS) {
            double t = f->as_of + h[k];
            se = f->s * sqrt(1 + 1 / f->nobs + (t - f->tbar) * (t - f->tbar) / f->sxx);
        } else if (f->model == FC_MODEL_HOLT) {
            double d = round(f->as_of + h[k] - f->t_last);
            if (d < holt_j) { /* horizons out of order: start again */
                holt_var = 0;
                phi_j = 1;
                holt_j = 0;
            }
            for (; holt_j < d; holt_j++) {
                if (holt_j == 0) {
                    holt_var = 1;
                } else {
                    phi_j *= f->phi;
                    double c = f->alpha + f->beta * f->phi * (1 - phi_j) / (1 - f->phi);
                    holt_var += c * c;
                }
            }
            se = d >= 1 ? f->sigma * sqrt(holt_var) : 0;
        }
        out[k].value = clamp(f, p);
        out[k].lo80 = clamp(f, p - t80 * se);
        out[k].hi80 = clamp(f, p + t80 * se);
        out[k].lo95 = clamp(f, p - t95 * se);
        out[k].hi95 = clamp(f, p + t95 * se);
    }
    return FC_OK;
}
