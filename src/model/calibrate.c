#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/calibrate.h"
#include "model/stats.h"

const int fc_cal_buckets[FC_CAL_NBUCKETS] = {7, 14, 30, 60, 90, 120, 180, 270, 365, 545, 730};

size_t fc_outcome_index(const fc_area_table *t, fc_day origin, int h, fc_day until)
{
    const fc_day want = origin + h;
    /* Binary search: the first date after want, or after until. Looking
     * past until, even to reject what is there, would make the outcome of
     * a forecast depend on data not yet seen. */
    const fc_day last = want < until ? want : until;
    size_t lo = 0, hi = t->ndates;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->dates[mid] <= last)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return (size_t)-1;
    const fc_day d = t->dates[lo - 1];
    if (d <= origin || d < want - FC_OUTCOME_SLACK_DAYS)
        return (size_t)-1;
    return lo - 1;
}

void fc_calibration_destroy(fc_calibration *c)
{
    if (!c)
        return;
    free(c->scores);
    free(c);
}

static int by_outcome(const void *a, const void *b)
{
    const fc_cal_score *p = a, *q = b;
    if (p->outcome != q->outcome)
        return p->outcome < q->outcome ? -1 : 1;
    if (p->origin != q->origin)
        return p->origin < q->origin ? -1 : 1;
    if (p->zone != q->zone)
        return p->zone < q->zone ? -1 : 1;
    return (p->bucket > q->bucket) - (p->bucket < q->bucket);
}

double fc_cal_activity(const double *t, const double *y, size_t n, double as_of)
{
    while (n > 0 && t[n - 1] > as_of + 1e-9)
        n--;
    size_t i0 = n;
    while (i0 > 0 && t[i0 - 1] >= as_of - FC_CAL_ACTIVITY_DAYS - 1e-9)
        i0--;
    if (n < i0 + 2)
        return 0;
    double s = 0;
    for (size_t i = i0 + 1; i < n; i++)
        s += fabs(y[i] - y[i - 1]);
    return s / (t[n - 1] - t[i0]);
}

/* The model band's half-widths below and above its projection at horizon
 * h, floored so that a zero-width band still scales an error. */
static void half_widths(const fc_band *b, double h, double *down, double *up)
{
    const double floor = FC_CAL_MIN_HALF_WIDTH * (h > 1 ? h : 1);
    *down = fmax(b->value - b->lo80, floor);
    *up = fmax(b->hi80 - b->value, floor);
}

double fc_cal_score_of(const fc_band *model, double h, double y)
{
    double down, up;
    half_widths(model, h, &down, &up);
    return y >= model->value ? (y - model->value) / up : (model->value - y) / down;
}

/* Appends the score of a past forecast (its band at outcome k). */
static fc_status push_score(fc_calibration *c, size_t *cap, const fc_area_table *t, size_t z,
                           int bucket, fc_day origin, size_t k, const fc_band *band, double h,
                           fc_error *err)
{
    fc_cal_score *all = fc_grow(c->scores, cap, c->n, sizeof *all, 1024);
    if (!all)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    c->scores = all;
    fc_cal_score *s = &c->scores[c->n++];
    s->zone = z;
    s->bucket = bucket;
    s->origin = origin;
    s->outcome = t->dates[k];
    s->observed = fc_held_m2(t, k, z) / 1e6;
    s->model = *band;
    s->score = fc_cal_score_of(band, h, s->observed);
    return FC_OK;
}

/* One origin's past forecasts as cached (cache.h): for each zone that
 * moved, its band at each horizon it had an outcome for (bucket -1: the
 * model could not be fitted). A cached origin is reused only if it has a
 * band for every outcome now known, at the same number of days (the
 * outcome snapshot may have changed within the slack). */
typedef struct cal_entry {
    uint32_t zone;
    int32_t bucket, days, unused;
    fc_band band;
} cal_entry;

typedef struct cal_entries {
    cal_entry *e;
    size_t n, cap;
} cal_entries;

static const char cal_magic[8] = "fccal-1";

static fc_status push_entry(cal_entries *l, size_t z, int bucket, double days, const fc_band *b,
                            fc_error *err)
{
    cal_entry *e = fc_grow(l->e, &l->cap, l->n, sizeof *e, 256);
    if (!e)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    l->e = e;
    l->e[l->n++] = (cal_entry){(uint32_t)z, bucket, (int32_t)days, 0, b ? *b : (fc_band){0}};
    return FC_OK;
}

static fc_status put_entries(const fc_result_cache *cache, const char *params, fc_day origin,
                             const cal_entries *l, fc_error *err)
{
    const size_t size = sizeof cal_magic + l->n * sizeof *l->e;
    unsigned char *b = malloc(size);
    if (!b)
        return FC_OK; /* not cached: computed again next time */
    memcpy(b, cal_magic, sizeof cal_magic);
    if (l->n)
        memcpy(b + sizeof cal_magic, l->e, l->n * sizeof *l->e);
    fc_status st = cache->put(cache->user, params, INT32_MIN, origin, b, size, err);
    free(b);
    return st;
}

/* The scores of origin from the cache: *reused false (and c as it was)
 * when the cache has not every one. yy: scratch. */
static fc_status reuse_origin(fc_calibration *c, size_t *cap, const fc_area_table *t,
                              size_t nzones, const double *tt, double *yy, size_t n,
                              fc_day origin, fc_day until, const fc_result_cache *cache,
                              const char *params, bool *reused, fc_error *err)
{
    *reused = false;
    void *data = NULL;
    size_t size = 0;
    bool found = false;
    fc_status st = cache->get(cache->user, params, INT32_MIN, origin, &data, &size, &found, err);
    if (st != FC_OK || !found || size < sizeof cal_magic || memcmp(data, cal_magic,
                                                                   sizeof cal_magic) ||
        (size - sizeof cal_magic) % sizeof(cal_entry)) {
        free(data);
        return st;
    }
    const size_t ne = (size - sizeof cal_magic) / sizeof(cal_entry);
    cal_entry *e = malloc(ne * sizeof *e + 1);
    if (!e) {
        free(data);
        return FC_OK;
    }
    memcpy(e, (const unsigned char *)data + sizeof cal_magic, ne * sizeof *e);
    free(data);
    const size_t mark = c->n;
    bool all = true;
    for (size_t z = 0; z < nzones && all && st == FC_OK; z++) {
        for (size_t d = 0; d < n; d++)
            yy[d] = fc_held_m2(t, d, z) / 1e6;
        if (!(fc_cal_activity(tt, yy, n, origin) >= FC_CAL_MIN_ACTIVITY))
            continue;
        size_t first = 0;
        while (first < ne && e[first].zone != z)
            first++;
        if (first < ne && e[first].bucket < 0)
            continue; /* not fitted */
        for (int b = 0; b < FC_CAL_NBUCKETS && all && st == FC_OK; b++) {
            size_t k = fc_outcome_index(t, origin, fc_cal_buckets[b], until);
            if (k == (size_t)-1)
                continue;
            const int32_t days = (int32_t)(t->dates[k] - origin);
            size_t i = first;
            while (i < ne && !(e[i].zone == z && e[i].bucket == b && e[i].days == days))
                i++;
            all = i < ne;
            if (all)
                st = push_score(c, cap, t, z, b, origin, k, &e[i].band, days, err);
        }
    }
    free(e);
    *reused = all && st == FC_OK;
    if (!*reused)
        c->n = mark;
    return st;
}

fc_status fc_calibration_build(const fc_area_table *t, const fc_zoneset *zs, fc_model model,
                               int window_days, int bootstrap, uint64_t seed, fc_day until,
                               const fc_result_cache *cache, fc_calibration **out,
                               fc_error *err)
{
    *out = NULL;
    const size_t nzones = zs->n + 1;
    fc_calibration *c = calloc(1, sizeof *c);
    double *tt = malloc((t->ndates + 1) * sizeof *tt), *yy = malloc((t->ndates + 1) * sizeof *yy);
    size_t cap = 0;
    cal_entries ent = {0};
    const int reps = bootstrap > 0 && bootstrap < FC_CAL_BOOTSTRAP ? bootstrap : FC_CAL_BOOTSTRAP;
    /* What of the options the past forecasts depend on (cache.h). */
    char params[192];
    snprintf(params, sizeof params,
             "calibration-v2 model %s window %d bootstrap %d seed %llu zones %zu held %s",
             fc_model_name(model), window_days, reps, (unsigned long long)seed, nzones,
             fc_held_basis(t->raw_border));
    fc_status st = c && tt && yy ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st != FC_OK || t->ndates < 2)
        goto done;
    c->model = model;
    c->window_days = window_days;
    c->first_origin = t->dates[0] + window_days;
    for (size_t d = 0; d < t->ndates; d++)
        tt[d] = t->dates[d];
    for (fc_day origin = t->dates[0] + window_days; origin + fc_cal_buckets[0] <= until;
         origin += FC_CAL_EVERY_DAYS) {
        size_t n = 0;
        while (n < t->ndates && t->dates[n] <= origin)
            n++;
        bool reused = false;
        if (cache)
            st = reuse_origin(c, &cap, t, nzones, tt, yy, n, origin, until, cache, params,
                              &reused, err);
        if (st != FC_OK)
            break;
        if (reused)
            continue;
        ent.n = 0;
        for (size_t z = 0; z < nzones && st == FC_OK; z++) {
            for (size_t d = 0; d < n; d++)
                yy[d] = fc_held_m2(t, d, z) / 1e6;
            double act = fc_cal_activity(tt, yy, n, origin);
            if (!(act >= FC_CAL_MIN_ACTIVITY))
                continue;
            fc_model_options mo = {.window_days = window_days,
                                   .cap = z < zs->n ? fc_zone_area_m2(zs, z) / 1e6 : 0,
                                   .bootstrap = reps,
                                   .seed = seed ^ (origin * 2654435761u + z)};
            fc_fit *fit = NULL;
            fc_error sub;
            if (fc_fit_model(model, tt, yy, n, origin, &mo, &fit, &sub) != FC_OK) {
                /* fewer than 2 snapshots in the window: no forecast */
                st = push_entry(&ent, z, -1, 0, NULL, err);
                continue;
            }
            /* The horizons with an outcome, and the model's bands there. */
            size_t nb = 0, idx[FC_CAL_NBUCKETS];
            int bk[FC_CAL_NBUCKETS];
            double hs[FC_CAL_NBUCKETS];
            fc_band bands[FC_CAL_NBUCKETS];
            for (int b = 0; b < FC_CAL_NBUCKETS; b++) {
                size_t k = fc_outcome_index(t, origin, fc_cal_buckets[b], until);
                if (k == (size_t)-1)
                    continue;
                idx[nb] = k;
                bk[nb] = b;
                hs[nb++] = (double)(t->dates[k] - origin);
            }
            st = nb ? fc_fit_project(fit, hs, nb, bands, err) : FC_OK;
            fc_fit_destroy(fit);
            for (size_t u = 0; u < nb && st == FC_OK; u++) {
                st = push_score(c, &cap, t, z, bk[u], origin, idx[u], &bands[u], hs[u], err);
                if (st == FC_OK && cache)
                    st = push_entry(&ent, z, bk[u], hs[u], &bands[u], err);
            }
        }
        if (st == FC_OK && cache)
            st = put_entries(cache, params, origin, &ent, err);
        if (st != FC_OK)
            break;
    }
    if (st == FC_OK && c->n > 1)
        qsort(c->scores, c->n, sizeof *c->scores, by_outcome);
done:
    free(tt);
    free(yy);
    free(ent.e);
    if (st != FC_OK) {
        fc_calibration_destroy(c);
        return st;
    }
    *out = c;
    return FC_OK;
}

/* The ensemble's past forecasts from its members': the same forecasts
 * (same zones, origins, horizons, in the same order), bands combined as
 * the ensemble combines them. */
static fc_status combine(const fc_calibration *const m[FC_ENSEMBLE_SIZE], fc_calibration **out,
                         fc_error *err)
{
    *out = NULL;
    for (int i = 1; i < FC_ENSEMBLE_SIZE; i++)
        if (m[i]->n != m[0]->n)
            return fc_error_set(err, FC_ERR_ARG, "ensemble members' past forecasts differ");
    fc_calibration *c = calloc(1, sizeof *c);
    if (c)
        c->scores = malloc((m[0]->n + 1) * sizeof *c->scores);
    if (!c || !c->scores) {
        fc_calibration_destroy(c);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    c->model = FC_MODEL_ENSEMBLE;
    c->window_days = m[0]->window_days;
    c->first_origin = m[0]->first_origin;
    c->n = m[0]->n;
    for (size_t i = 0; i < c->n; i++) {
        const fc_cal_score *a = &m[0]->scores[i], *b = &m[1]->scores[i], *d = &m[2]->scores[i];
        if (a->zone != b->zone || a->zone != d->zone || a->origin != b->origin ||
            a->origin != d->origin || a->bucket != b->bucket || a->bucket != d->bucket) {
            fc_calibration_destroy(c);
            return fc_error_set(err, FC_ERR_ARG, "ensemble members' past forecasts differ");
        }
        fc_cal_score *s = &c->scores[i];
        *s = *a;
        s->model.value = fc_median3(a->model.value, b->model.value, d->model.value);
        s->model.lo80 = fc_median3(a->model.lo80, b->model.lo80, d->model.lo80);
        s->model.hi80 = fc_median3(a->model.hi80, b->model.hi80, d->model.hi80);
        s->model.lo95 = fc_median3(a->model.lo95, b->model.lo95, d->model.lo95);
        s->model.hi95 = fc_median3(a->model.hi95, b->model.hi95, d->model.hi95);
        s->score = fc_cal_score_of(&s->model, (double)(s->outcome - s->origin), s->observed);
    }
    *out = c;
    return FC_OK;
}

fc_status fc_calibration_build_set(const fc_area_table *t, const fc_zoneset *zs,
                                   const fc_model *models, size_t nmodels, const int *windows,
                                   size_t nwindows, int bootstrap, uint64_t seed, fc_day until,
                                   const fc_result_cache *cache, fc_calibration **out,
                                   fc_error *err)
{
    fc_status st = FC_OK;
    memset(out, 0, nmodels * nwindows * sizeof *out);
    /* Members first, so that an ensemble finds them. */
    for (int pass = 0; pass < 2 && st == FC_OK; pass++)
        for (size_t i = 0; i < nmodels * nwindows && st == FC_OK; i++) {
            const fc_model m = models[i / nwindows];
            const int w = windows[i % nwindows];
            if ((m == FC_MODEL_ENSEMBLE) != (pass == 1))
                continue;
            if (m != FC_MODEL_ENSEMBLE) {
                st = fc_calibration_build(t, zs, m, w, bootstrap, seed, until, cache, &out[i],
                                          err);
                continue;
            }
            fc_calibration *mem[FC_ENSEMBLE_SIZE] = {NULL}, *own[FC_ENSEMBLE_SIZE] = {NULL};
            for (int k = 0; k < FC_ENSEMBLE_SIZE && st == FC_OK; k++) {
                for (size_t j = 0; j < nmodels && !mem[k]; j++)
                    if (models[j] == fc_ensemble_members[k])
                        mem[k] = out[j * nwindows + i % nwindows];
                if (!mem[k])
                    st = fc_calibration_build(t, zs, fc_ensemble_members[k], w, bootstrap, seed,
                                              until, cache, &own[k], err);
                if (!mem[k])
                    mem[k] = own[k];
            }
            if (st == FC_OK)
                st = combine((const fc_calibration *const *)mem, &out[i], err);
            for (int k = 0; k < FC_ENSEMBLE_SIZE; k++)
                fc_calibration_destroy(own[k]);
        }
    if (st != FC_OK)
        for (size_t i = 0; i < nmodels * nwindows; i++) {
            fc_calibration_destroy(out[i]);
            out[i] = NULL;
        }
    return st;
}

typedef struct weighted {
    double v, w;
} weighted;

static int by_value(const void *a, const void *b)
{
    const weighted *p = a, *q = b;
    return (p->v > q->v) - (p->v < q->v);
}

/* The weighted conformal quantile (step 3 of calibrate.h); INFINITY when
 * the scores' weight cannot reach the level. x sorted by value. */
static double conformal_quantile(const weighted *x, size_t n, double total, double level)
{
    double cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += x[i].w;
        if (cum / (total + 1) >= level)
            return x[i].v;
    }
    return INFINITY;
}

static bool usable(const fc_cal_table *t, int b)
{
    return t->n[b] >= FC_CAL_MIN_SCORES && isfinite(t->q80[b]) && isfinite(t->q95[b]);
}

void fc_calibration_at(const fc_calibration *c, fc_day as_of, fc_cal_table *out)
{
    memset(out, 0, sizeof *out);
    size_t m = 0;
    while (m < c->n && c->scores[m].outcome <= as_of)
        m++;
    weighted *x = malloc((m + 1) * sizeof *x);
    if (!x)
        return; /* no table: the model's bands stand */
    /* One pass over the scores, each horizon's in a segment of x. */
    size_t start[FC_CAL_NBUCKETS + 1] = {0}, fill[FC_CAL_NBUCKETS];
    double total[FC_CAL_NBUCKETS] = {0};
    for (size_t i = 0; i < m; i++)
        out->n[c->scores[i].bucket]++;
    for (int b = 0; b < FC_CAL_NBUCKETS; b++)
        start[b + 1] = start[b] + out->n[b];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < m; i++) {
        const fc_cal_score *s = &c->scores[i];
        double w = exp2(-(double)(as_of - s->outcome) / FC_CAL_HALF_LIFE_DAYS);
        x[fill[s->bucket]++] = (weighted){s->score, w};
        total[s->bucket] += w;
    }
    for (int b = 0; b < FC_CAL_NBUCKETS; b++) {
        const size_t k = out->n[b];
        out->q80[b] = out->q95[b] = INFINITY;
        if (k < FC_CAL_MIN_SCORES)
            continue;
        weighted *seg = &x[start[b]];
        qsort(seg, k, sizeof *seg, by_value);
        out->q80[b] = conformal_quantile(seg, k, total[b], 0.80);
        out->q95[b] = conformal_quantile(seg, k, total[b], 0.95);
        if (isfinite(out->q95[b]))
            out->any = true;
    }
    free(x);
    /* Never less room, in units of the model's band, at a longer horizon
     * than at a shorter one (step 3). The longer a horizon, the older its
     * newest outcome and the fewer its independent origins; its own
     * quantile lags a change of regime that the shorter ones have seen. */
    double run80 = 0, run95 = 0;
    for (int b = 0; b < FC_CAL_NBUCKETS; b++) {
        if (!usable(out, b))
            continue;
        run80 = out->q80[b] = fmax(out->q80[b], run80);
        run95 = out->q95[b] = fmax(out->q95[b], run95);
    }
}

static double clamp_to(double v, double cap)
{
    return v < 0 ? 0 : cap > 0 && v > cap ? cap : v;
}

size_t fc_cal_band(const fc_cal_table *t, double h, const fc_band *model, double activity,
                   double cap, fc_band *band)
{
    if (!t->any || !(activity >= FC_CAL_MIN_ACTIVITY))
        return 0;
    /* The usable horizons around h: below (lo) and above (hi). */
    int lo = -1, hi = -1;
    for (int b = 0; b < FC_CAL_NBUCKETS; b++) {
        if (!usable(t, b))
            continue;
        if (fc_cal_buckets[b] <= h)
            lo = b;
        else if (hi < 0)
            hi = b;
    }
    double q80, q95;
    size_t n;
    if (lo >= 0 && hi >= 0) {
        double f = (h - fc_cal_buckets[lo]) / (double)(fc_cal_buckets[hi] - fc_cal_buckets[lo]);
        q80 = t->q80[lo] + f * (t->q80[hi] - t->q80[lo]);
        q95 = t->q95[lo] + f * (t->q95[hi] - t->q95[lo]);
        n = t->n[lo] < t->n[hi] ? t->n[lo] : t->n[hi];
    } else {
        int b = lo >= 0 ? lo : hi;
        q80 = t->q80[b];
        q95 = t->q95[b];
        n = t->n[b];
    }
    double down, up, p = model->value;
    half_widths(model, h, &down, &up);
    band->value = p;
    band->lo80 = clamp_to(p - q80 * down, cap);
    band->hi80 = clamp_to(p + q80 * up, cap);
    band->lo95 = clamp_to(p - q95 * down, cap);
    band->hi95 = clamp_to(p + q95 * up, cap);
    return n;
}

/* The tables as of each origin of a calibration's grid up to as_of, made
 * when first asked for: past bands as they would have been printed. */
typedef struct origin_tables {
    const fc_calibration *c;
    size_t n;
    fc_cal_table *tab;
    bool *made;
} origin_tables;

static bool origin_tables_init(origin_tables *ot, const fc_calibration *c, fc_day as_of)
{
    ot->c = c;
    ot->n = as_of >= c->first_origin ? (size_t)((as_of - c->first_origin) / FC_CAL_EVERY_DAYS) + 1
                                     : 0;
    ot->tab = calloc(ot->n + 1, sizeof *ot->tab);
    ot->made = calloc(ot->n + 1, sizeof *ot->made);
    return ot->tab && ot->made;
}

static void origin_tables_free(origin_tables *ot)
{
    free(ot->tab);
    free(ot->made);
}

/* The band past forecast s would have been printed with (calibrated as of
 * its origin, else the model's), clamped to [0, cap]. */
static fc_band printed_band(origin_tables *ot, const fc_cal_score *s, double cap, bool *calibrated)
{
    fc_band b = s->model;
    *calibrated = false;
    const size_t k = (size_t)((s->origin - ot->c->first_origin) / FC_CAL_EVERY_DAYS);
    if (s->origin < ot->c->first_origin || k >= ot->n)
        return b;
    if (!ot->made[k]) {
        fc_calibration_at(ot->c, s->origin, &ot->tab[k]);
        ot->made[k] = true;
    }
    /* Only zones that moved have past forecasts: the activity gate is met. */
    *calibrated = fc_cal_band(&ot->tab[k], (double)(s->outcome - s->origin), &s->model,
                              FC_CAL_MIN_ACTIVITY, cap, &b) > 0;
    return b;
}

fc_status fc_calibration_zone_scores(const fc_calibration *c, size_t nzones, const double *cap,
                                     fc_day since, fc_day as_of, double *mean, size_t *n,
                                     fc_error *err)
{
    static const int horizons[] = FC_AUTO_HORIZONS;
    double *sum = calloc(nzones + 1, sizeof *sum);
    origin_tables ot;
    if (!origin_tables_init(&ot, c, as_of) || !sum) {
        origin_tables_free(&ot);
        free(sum);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    memset(n, 0, (nzones + 1) * sizeof *n);
    for (size_t i = 0; i < c->n && c->scores[i].outcome <= as_of; i++) {
        const fc_cal_score *s = &c->scores[i];
        bool wanted = false, calibrated;
        for (size_t k = 0; k < sizeof horizons / sizeof horizons[0]; k++)
            wanted |= fc_cal_buckets[s->bucket] == horizons[k];
        if (!wanted || s->origin < since || s->zone > nzones)
            continue;
        const fc_band b = printed_band(&ot, s, cap[s->zone], &calibrated);
        sum[s->zone] += fc_interval_score(b.lo80, b.hi80, 0.20, s->observed);
        n[s->zone]++;
    }
    for (size_t z = 0; z <= nzones; z++)
        mean[z] = n[z] ? sum[z] / (double)n[z] : NAN;
    free(sum);
    origin_tables_free(&ot);
    return FC_OK;
}

fc_status fc_calibration_coverage(const fc_calibration *c, fc_day as_of, int max_h,
                                  fc_cal_coverage *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    origin_tables ot;
    if (!origin_tables_init(&ot, c, as_of)) {
        origin_tables_free(&ot);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    size_t in80 = 0, in95 = 0;
    for (size_t i = 0; i < c->n && c->scores[i].outcome <= as_of; i++) {
        const fc_cal_score *s = &c->scores[i];
        if (fc_cal_buckets[s->bucket] > max_h)
            continue;
        bool calibrated;
        /* Unclamped: the cap only ever makes a band cover more. */
        const fc_band b = printed_band(&ot, s, 0, &calibrated);
        if (!calibrated)
            continue;
        out->n++;
        in80 += s->observed >= b.lo80 && s->observed <= b.hi80;
        in95 += s->observed >= b.lo95 && s->observed <= b.hi95;
    }
    out->coverage80 = out->n ? (double)in80 / (double)out->n : NAN;
    out->coverage95 = out->n ? (double)in95 / (double)out->n : NAN;
    origin_tables_free(&ot);
    return FC_OK;
}

const char *fc_interval_label(size_t cal_n, char buf[FC_INTERVAL_LABEL])
{
    if (cal_n)
        snprintf(buf, FC_INTERVAL_LABEL, "calibrated (n=%zu)", cal_n);
    else
        snprintf(buf, FC_INTERVAL_LABEL, "model");
    return buf;
}

double fc_interval_score(double lo, double hi, double alpha, double y)
{
    double s = hi - lo;
    if (y < lo)
        s += 2 / alpha * (lo - y);
    if (y > hi)
        s += 2 / alpha * (y - hi);
    return s;
}

double fc_band_wis(const fc_band *b, double y)
{
    /* WIS = (|y - m| / 2 + sum_k alpha_k / 2 * IS_alpha_k) / (K + 1/2), K = 2. */
    double s = 0.5 * fabs(y - b->value);
    s += 0.20 / 2 * fc_interval_score(b->lo80, b->hi80, 0.20, y);
    s += 0.05 / 2 * fc_interval_score(b->lo95, b->hi95, 0.05, y);
    return s / 2.5;
}
