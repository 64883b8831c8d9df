#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/calibrate.h"
#include "frontcast/forecast.h"

const char *fc_eta_status_name(fc_eta_status s)
{
    switch (s) {
    case FC_ETA_OK: return "ok";
    case FC_ETA_REACHED: return "reached";
    case FC_ETA_BEYOND_HORIZON: return "beyond-horizon";
    case FC_ETA_NO_ADVANCE: return "no-advance";
    }
    return "?";
}

void fc_forecast_destroy(fc_forecast *f)
{
    if (!f)
        return;
    free(f->proj);
    free(f->eta);
    free(f->reports);
    free(f);
}

/* Area (km2) the zone's percentages are of: the zone, or all zones. */
static double zone_km2(const fc_zoneset *zs, size_t z)
{
    return fc_zone_area_m2(zs, z) / 1e6;
}

/* The zone's series up to and including date index last: t (days), y (km2). */
static void zone_series(const fc_area_table *t, size_t z, size_t n, double *tt, double *yy)
{
    for (size_t d = 0; d < n; d++) {
        tt[d] = t->dates[d];
        yy[d] = fc_held_m2(t, d, z) / 1e6;
    }
}

/* A stable seed per (zone, model, window, origin): results do not depend on
 * the order of work or on which other models run. */
static uint64_t seed_for(uint64_t base, const char *zone, fc_model m, int window, fc_day origin)
{
    uint64_t h = base ^ 0xcbf29ce484222325ULL;
    for (const char *c = zone; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)m) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)(uint32_t)window) * 0x100000001b3ULL;
    return (h ^ (uint64_t)(uint32_t)origin) * 0x100000001b3ULL;
}

/* Fits one model; the error names the zone. */
static fc_status fit_zone(const fc_zoneset *zs, size_t z, fc_model m, int window, int reps,
                          uint64_t seed, const double *tt, const double *yy, size_t n, fc_day as_of,
                          fc_fit **fit, fc_error *err)
{
    fc_model_options mo = {.window_days = window, .cap = zone_km2(zs, z), .bootstrap = reps,
                           .seed = seed_for(seed, fc_zone_id(zs, z), m, window, as_of)};
    if (z == zs->n)
        mo.cap = 0; /* the whole layer may extend beyond the zones */
    fc_error sub;
    fc_status st = fc_fit_model(m, tt, yy, n, as_of, &mo, fit, &sub);
    if (st != FC_OK) {
        char d[11];
        fc_date_format(as_of, d);
        fc_error_set(err, st, "zone %s (%s): %s (%s, %s)", fc_zone_id(zs, z),
                     fc_zone_name(zs, z), sub.msg, d, fc_model_name(m));
    }
    return st;
}

/* How far an ETA is looked for: beyond the horizon it is still given (with
 * status beyond-horizon) up to ten years out, then left empty. */
#define ETA_SEARCH_DAYS 3653

/* A fit and, when there is one, the calibration its bands come from. */
typedef struct projector {
    const fc_fit *fit;
    const fc_cal_table *cal; /* NULL: the model's own bands */
    double cap;              /* <= 0: none */
    double activity;         /* fc_cal_activity as of the forecast */
} projector;

/* The scores behind the calibrated bands of p at horizon h, or 0 when p
 * gives the model's own bands. */
static size_t calibrated_n(const projector *p, double h)
{
    fc_band b = {0}, m = {0};
    return p->cal ? fc_cal_band(p->cal, h, &m, p->activity, p->cap, &b) : 0;
}

/* Bands at as-of + h[k]: the model's, calibrated when p has a calibration. */
static fc_status project(const projector *p, const double *h, size_t nh, fc_band *out,
                         fc_error *err)
{
    fc_status st = fc_fit_project(p->fit, h, nh, out, err);
    for (size_t k = 0; st == FC_OK && p->cal && k < nh; k++) {
        fc_band m = out[k];
        fc_cal_band(p->cal, h[k], &m, p->activity, p->cap, &out[k]);
    }
    return st;
}

typedef enum { BAND_VALUE, BAND_LO80, BAND_HI80 } band_field;

static double band_get(const fc_band *b, band_field field)
{
    return field == BAND_VALUE ? b->value : field == BAND_LO80 ? b->lo80 : b->hi80;
}

enum { ETA_WEEKS = ETA_SEARCH_DAYS / 7 + 1 };

/*
 * The first day (after as-of) on which a band field reaches target, or 0
 * when not within ETA_SEARCH_DAYS, given the bands at the end of each week
 * (weekly[k]: day 7(k+1)). Refines day by day within the first week that
 * reaches: the bands rise with the projection, and a daily projection of
 * ten years of bootstrap bands would cost 7x more.
 */
static fc_status first_day(const projector *fit, const fc_band *weekly, band_field field,
                           double target, int *day, fc_error *err)
{
    *day = 0;
    int week = 0;
    while (week < ETA_WEEKS && band_get(&weekly[week], field) < target)
        week++;
    if (week == ETA_WEEKS)
        return FC_OK;
    double hd[7];
    fc_band bd[7];
    for (int k = 0; k < 7; k++)
        hd[k] = 7.0 * week + k + 1;
    /* The projection itself needs no bands (a bootstrap's paths cost as
     * much for one week as for the whole search). */
    fc_status st = FC_OK;
    if (field == BAND_VALUE)
        for (int k = 0; k < 7; k++)
            bd[k].value = fc_fit_point(fit->fit, hd[k]);
    else
        st = project(fit, hd, 7, bd, err);
    for (int k = 0; st == FC_OK && k < 7; k++)
        if (band_get(&bd[k], field) >= target) {
            *day = 7 * week + k + 1;
            break;
        }
    return st;
}

/* Dates the threshold of row e from the fit (see fc_forecast_run). */
static fc_status date_threshold(const projector *fit, double area, int horizon, fc_day as_of,
                                fc_eta_row *e, fc_error *err)
{
    e->eta = e->eta_lo80 = e->eta_hi80 = FC_NO_DAY;
    /* A hair below the target absorbs rounding at the cap. */
    const double target = area * e->threshold_pct / 100 * (1 - 1e-9);
    if (fc_fit_last(fit->fit) >= target) {
        e->status = FC_ETA_REACHED;
        return FC_OK;
    }
    if (!(e->pace_km2_per_day >= FC_MIN_ADVANCE_KM2_PER_DAY)) {
        e->status = FC_ETA_NO_ADVANCE;
        return FC_OK;
    }
    double h[ETA_WEEKS];
    fc_band weekly[ETA_WEEKS];
    for (int k = 0; k < ETA_WEEKS; k++)
        h[k] = 7.0 * (k + 1);
    int d = 0, fast = 0, slow = 0;
    fc_status st = project(fit, h, ETA_WEEKS, weekly, err);
    if (st == FC_OK)
        st = first_day(fit, weekly, BAND_VALUE, target, &d, err);
    if (st == FC_OK)
        st = first_day(fit, weekly, BAND_HI80, target, &fast, err);
    if (st == FC_OK)
        st = first_day(fit, weekly, BAND_LO80, target, &slow, err);
    e->status = d && d <= horizon ? FC_ETA_OK : FC_ETA_BEYOND_HORIZON;
    if (d)
        e->eta = as_of + d;
    if (fast)
        e->eta_lo80 = as_of + fast;
    if (slow)
        e->eta_hi80 = as_of + slow;
    e->cal_n = calibrated_n(fit, d ? d : horizon);
    return st;
}

const char *fc_row_model_name(fc_model m, bool automatic, char buf[32])
{
    snprintf(buf, 32, "%s%s", automatic ? "auto:" : "", fc_model_name(m));
    return buf;
}

const fc_interval_report *fc_forecast_report(const fc_forecast *f, fc_model m, int window_days)
{
    for (size_t i = 0; i < f->nreports; i++)
        if (f->reports[i].model == m && f->reports[i].window_days == window_days)
            return &f->reports[i];
    return NULL;
}

/* What every row of one forecast shares. */
typedef struct run_ctx {
    const fc_area_table *t;
    const fc_zoneset *zs;
    const fc_forecast_options *o;
    fc_day as_of;
    int horizon;
    size_t n;          /* dates up to as-of */
    const double *tt, *yy; /* the zone's series */
    const double *hs;  /* projection steps */
    size_t nsteps;
    fc_band *bands;    /* room for nsteps */
    fc_forecast *f;
    size_t np, ne;     /* where the next projection and ETA rows go in f */
} run_ctx;

/* The projection and ETA rows of zone z for one model and window. */
static fc_status emit_rows(run_ctx *c, size_t z, fc_model m, int window,
                           const fc_cal_table *tab, bool automatic, fc_error *err)
{
    const fc_forecast_options *o = c->o;
    fc_forecast *f = c->f;
    const double area = zone_km2(c->zs, z);
    fc_fit *fit = NULL;
    fc_status st = fit_zone(c->zs, z, m, window, o->bootstrap, o->seed, c->tt, c->yy, c->n,
                            c->as_of, &fit, err);
    projector pj = {fit, tab, z < c->zs->n ? area : 0, fc_cal_activity(c->tt, c->yy, c->n, c->as_of)};
    if (st == FC_OK)
        st = project(&pj, c->hs, c->nsteps, c->bands, err);
    for (size_t k = 0; st == FC_OK && k < c->nsteps; k++) {
        fc_projection_row *r = &f->proj[c->np++];
        r->zone = z;
        r->model = m;
        r->window_days = window;
        r->date = c->as_of + (fc_day)c->hs[k];
        r->km2 = c->bands[k];
        r->cal_n = calibrated_n(&pj, c->hs[k]);
        r->automatic = automatic;
    }
    /* ETAs for the zones, not the whole layer. */
    for (size_t ti = 0; st == FC_OK && z < c->zs->n && ti < o->nthresholds; ti++) {
        fc_eta_row *e = &f->eta[c->ne++];
        e->zone = z;
        e->model = m;
        e->window_days = window;
        e->threshold_pct = o->thresholds[ti];
        e->controlled_pct = 100 * fc_fit_last(fit) / area;
        e->pace_km2_per_day = fc_fit_rate(fit);
        e->automatic = automatic;
        st = date_threshold(&pj, area, c->horizon, c->as_of, e, err);
    }
    fc_fit_destroy(fit);
    return st;
}

/* The index of m in models[0..n) (it is there). */
static size_t model_index(const fc_model *models, size_t n, fc_model m)
{
    size_t i = 0;
    while (i + 1 < n && models[i] != m)
        i++;
    return i;
}

/* For each zone (and the whole layer), the index into cals (model-major)
 * of the auto_model choice; fallback where no candidate qualifies. */
static fc_status choose_auto(const fc_zoneset *zs, fc_calibration *const *cals, size_t ncal,
                             fc_day as_of, size_t fallback, size_t *choice, fc_error *err)
{
    const size_t nzones = zs->n + 1;
    double *mean = malloc(nzones * sizeof *mean), *best = malloc(nzones * sizeof *best);
    double *cap = malloc(nzones * sizeof *cap);
    size_t *n = malloc(nzones * sizeof *n);
    fc_status st = mean && best && cap && n ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    /* One period for all: from the latest first origin of the candidates. */
    fc_day since = INT32_MIN;
    for (size_t i = 0; i < ncal; i++)
        if (cals[i] && cals[i]->first_origin > since)
            since = cals[i]->first_origin;
    for (size_t z = 0; st == FC_OK && z < nzones; z++) {
        choice[z] = fallback;
        best[z] = INFINITY;
        cap[z] = z < zs->n ? zone_km2(zs, z) : 0;
    }
    for (size_t i = 0; st == FC_OK && i < ncal; i++) {
        if (!cals[i])
            continue;
        st = fc_calibration_zone_scores(cals[i], zs->n, cap, since, as_of, mean, n, err);
        for (size_t z = 0; st == FC_OK && z < nzones; z++)
            if (n[z] >= FC_AUTO_MIN_SCORES && mean[z] < best[z]) {
                best[z] = mean[z];
                choice[z] = i;
            }
    }
    free(mean);
    free(best);
    free(cap);
    free(n);
    return st;
}

/* The zones of one forecast, shared by its threads: each takes the next
 * zone and writes its rows where the zone's rows go in zone order (every
 * zone has nsets * nsteps projection rows and, but the whole layer,
 * nsets * nthresholds ETA rows), so the rows do not depend on which thread
 * took which zone. The first failure in zone order is the one reported. */
typedef struct zones_job {
    run_ctx c;                    /* shared fields; tt, yy, bands per thread */
    const fc_model *cm;
    size_t ncm;
    const fc_cal_table *tabs;
    const size_t *choice;
    size_t nsets, nzones;
    atomic_size_t next;
    fc_status st;
    size_t failed_zone;           /* the first zone (in order) that failed */
    fc_error err;
    pthread_mutex_t lock;         /* guards st, failed_zone, err */
} zones_job;

/* One zone's rows (see fc_forecast_run); tt, yy: c's series buffers. */
static fc_status zone_rows(const zones_job *j, run_ctx *c, double *tt, double *yy, size_t z,
                           fc_error *err)
{
    const fc_forecast_options *o = c->o;
    c->np = z * j->nsets * c->nsteps;
    c->ne = z * j->nsets * o->nthresholds;
    zone_series(c->t, z, c->n, tt, yy);
    fc_status st = FC_OK;
    for (size_t mi = 0; mi < o->nmodels && st == FC_OK; mi++) {
        const size_t ci = model_index(j->cm, j->ncm, o->models[mi]);
        for (size_t wi = 0; wi < o->nwindows && st == FC_OK; wi++)
            st = emit_rows(c, z, o->models[mi], o->windows[wi], &j->tabs[ci * o->nwindows + wi],
                           false, err);
    }
    if (st == FC_OK && o->auto_model)
        st = emit_rows(c, z, j->cm[j->choice[z] / o->nwindows],
                       o->windows[j->choice[z] % o->nwindows], &j->tabs[j->choice[z]], true, err);
    return st;
}

static void *zones_thread(void *arg)
{
    zones_job *j = arg;
    run_ctx c = j->c;
    double *tt = malloc((c.n + 1) * sizeof *tt), *yy = malloc((c.n + 1) * sizeof *yy);
    fc_band *bands = malloc((c.nsteps + 1) * sizeof *bands);
    c.tt = tt;
    c.yy = yy;
    c.bands = bands;
    for (;;) {
        const size_t z = atomic_fetch_add(&j->next, 1);
        if (z >= j->nzones)
            break;
        fc_error e = {0};
        fc_status st = tt && yy && bands ? zone_rows(j, &c, tt, yy, z, &e)
                                         : fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
        if (st != FC_OK) {
            pthread_mutex_lock(&j->lock);
            if (z < j->failed_zone) {
                j->failed_zone = z;
                j->st = st;
                j->err = e;
            }
            pthread_mutex_unlock(&j->lock);
        }
    }
    free(tt);
    free(yy);
    free(bands);
    return NULL;
}

/* Runs the zones of j on up to `threads` threads (<= 0: all cores). */
static fc_status forecast_zones(zones_job *j, int threads, fc_error *err)
{
    fc_run_threads(fc_thread_count(threads, j->nzones), zones_thread, j);
    if (j->st != FC_OK)
        *err = j->err;
    return j->st;
}

fc_status fc_forecast_run(const fc_area_table *t, const fc_zoneset *zs,
                          const fc_forecast_options *o, fc_forecast **out, fc_error *err)
{
    *out = NULL;
    if (t->ndates == 0)
        return fc_error_set(err, FC_ERR_EMPTY, "no dates to forecast from");
    fc_day as_of = o->as_of == FC_NO_DAY ? t->dates[t->ndates - 1] : o->as_of;
    if (as_of < t->dates[0]) {
        char a[11], f[11];
        fc_date_format(as_of, a);
        fc_date_format(t->dates[0], f);
        return fc_error_set(err, FC_ERR_DATE, "as-of date %s is before the first snapshot (%s)", a, f);
    }
    size_t n = 0; /* dates up to as-of */
    while (n < t->ndates && t->dates[n] <= as_of)
        n++;
    const int horizon = o->horizon_days > 0 ? o->horizon_days : FC_DEFAULT_HORIZON_DAYS;
    const int step = o->step_days > 0 ? o->step_days : FC_DEFAULT_STEP_DAYS;
    const size_t nsteps = (size_t)(horizon / step) + 1; /* with h = 0 */
    const size_t nzones = zs->n + 1;
    /* The models calibrated: those asked for, and for auto_model every model
     * (all but the naive baseline, the last). */
    const size_t nauto = o->auto_model ? FC_MODEL_NAIVE : 0;
    fc_model cm[2 * FC_MODEL_COUNT];
    size_t ncm = 0;
    for (size_t i = 0; i < o->nmodels + nauto; i++) {
        fc_model m = i < o->nmodels ? o->models[i] : (fc_model)(i - o->nmodels);
        bool seen = false;
        for (size_t j = 0; j < ncm; j++)
            seen |= cm[j] == m;
        if (!seen)
            cm[ncm++] = m;
    }
    const size_t nsets = o->nmodels * o->nwindows + (o->auto_model ? 1 : 0);

    fc_forecast *f = calloc(1, sizeof *f);
    double *hs = malloc(nsteps * sizeof *hs);
    const size_t ncal = ncm * o->nwindows;
    fc_calibration **cals = calloc(ncal + 1, sizeof *cals);
    fc_cal_table *tabs = calloc(ncal + 1, sizeof *tabs);
    size_t *choice = calloc(nzones, sizeof *choice);
    fc_status st = FC_OK;
    if (f) {
        f->as_of = as_of;
        f->proj = calloc(nzones * nsets * nsteps + 1, sizeof *f->proj);
        f->eta = calloc(zs->n * nsets * o->nthresholds + 1, sizeof *f->eta);
    }
    if (!f || !hs || !cals || !tabs || !choice || !f->proj || !f->eta) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t k = 0; k < nsteps; k++)
        hs[k] = (double)(k * (size_t)step);
    /* One calibration per model and window, as of as-of: every zone's
     * past forecasts pool into it. With model_intervals the tables stay
     * empty, which leaves the models' bands. */
    if (!o->model_intervals || o->auto_model)
        st = fc_calibration_build_set(t, zs, cm, ncm, o->windows, o->nwindows, o->bootstrap,
                                      o->seed, as_of, o->cache, cals, err);
    for (size_t i = 0; st == FC_OK && !o->model_intervals && i < ncal; i++)
        if (cals[i])
            fc_calibration_at(cals[i], as_of, &tabs[i]);
    /* auto_model's fallback: pace over the first window. */
    if (st == FC_OK && o->auto_model)
        st = choose_auto(zs, cals, ncal, as_of,
                         model_index(cm, ncm, FC_MODEL_PACE) * o->nwindows, choice, err);
    /* What the bands of the models asked for did before. */
    if (st == FC_OK && !o->model_intervals &&
        !(f->reports = calloc(o->nmodels * o->nwindows + 1, sizeof *f->reports)))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t mi = 0; st == FC_OK && !o->model_intervals && mi < o->nmodels; mi++) {
        const size_t ci = model_index(cm, ncm, o->models[mi]);
        for (size_t wi = 0; st == FC_OK && wi < o->nwindows; wi++) {
            fc_interval_report *r = &f->reports[f->nreports++];
            r->model = o->models[mi];
            r->window_days = o->windows[wi];
            st = fc_calibration_coverage(cals[ci * o->nwindows + wi], as_of, horizon, &r->past, err);
        }
    }
    if (st == FC_OK) {
        zones_job job = {.c = {t, zs, o, as_of, horizon, n, NULL, NULL, hs, nsteps, NULL, f, 0, 0},
                         .cm = cm, .ncm = ncm, .tabs = tabs, .choice = choice, .nsets = nsets,
                         .nzones = nzones, .st = FC_OK, .failed_zone = nzones,
                         .lock = PTHREAD_MUTEX_INITIALIZER};
        atomic_init(&job.next, 0);
        st = forecast_zones(&job, o->threads, err);
        pthread_mutex_destroy(&job.lock);
        f->nproj = nzones * nsets * nsteps;
        f->neta = zs->n * nsets * o->nthresholds;
    }
cleanup:
    for (size_t i = 0; cals && i < ncal; i++)
        fc_calibration_destroy(cals[i]);
    free(cals);
    free(tabs);
    free(choice);
    free(hs);
    if (st != FC_OK) {
        fc_forecast_destroy(f);
        return st;
    }
    *out = f;
    return FC_OK;
}

void fc_backtest_destroy(fc_backtest *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b);
}

/* Running sums of one band's scores. */
typedef struct band_sums {
    size_t n, in80, in95;
    double is80, is95, wis;
} band_sums;

static void add_band(band_sums *s, const fc_band *b, double y)
{
    s->n++;
    s->in80 += y >= b->lo80 && y <= b->hi80;
    s->in95 += y >= b->lo95 && y <= b->hi95;
    s->is80 += fc_interval_score(b->lo80, b->hi80, 0.20, y);
    s->is95 += fc_interval_score(b->lo95, b->hi95, 0.05, y);
    s->wis += fc_band_wis(b, y);
}

/* Running sums of one (zone, model, window, horizon): all forecasts, and
 * those with a calibrated band, whose model band is scored again on just
 * them (cal_model) for a like-for-like comparison. */
typedef struct acc {
    double sae, sse, se;
    band_sums model, cal, cal_model;
} acc;

/* A band's mean scores; NAN where it scored nothing. */
typedef struct band_means {
    double cov80, cov95, is80, is95, wis;
} band_means;

static band_means means(const band_sums *s)
{
    if (!s->n)
        return (band_means){NAN, NAN, NAN, NAN, NAN};
    const double n = (double)s->n;
    return (band_means){(double)s->in80 / n, (double)s->in95 / n, s->is80 / n, s->is95 / n,
                        s->wis / n};
}

static void score(acc *a, const fc_band *b, const fc_band *cal, double y)
{
    double e = b->value - y;
    a->sae += fabs(e);
    a->sse += e * e;
    a->se += e;
    add_band(&a->model, b, y);
    if (cal) {
        add_band(&a->cal, cal, y);
        add_band(&a->cal_model, b, y);
    }
}

fc_backtest_options fc_backtest_defaults(void)
{
    static const int horizons[] = {30, 90, 180}, windows[] = {30, 90, 180, 365};
    return (fc_backtest_options){.every_days = 30, .horizons = horizons, .nhorizons = 3,
                                 .models = fc_models_all, .nmodels = FC_NMODELS,
                                 .windows = windows,
                                 .nwindows = 4, .bootstrap = FC_DEFAULT_BOOTSTRAP,
                                 .seed = FC_DEFAULT_SEED};
}

fc_status fc_backtest_run(const fc_area_table *t, const fc_zoneset *zs,
                          const fc_backtest_options *o, fc_backtest **out, fc_error *err)
{
    *out = NULL;
    /* The models under test, then naive, the baseline. */
    fc_model models[FC_MODEL_COUNT];
    size_t nm = 0;
    for (size_t i = 0; i < o->nmodels; i++)
        if (o->models[i] != FC_MODEL_NAIVE)
            models[nm++] = o->models[i];
    const size_t naive = nm;
    models[nm++] = FC_MODEL_NAIVE;
    const size_t nw = o->nwindows, nh = o->nhorizons;
    const size_t nzones = zs->n + 1;            /* zones and ALL */
    const size_t ngroups = nzones + 1;          /* and pooled */
    const int every = o->every_days > 0 ? o->every_days : fc_backtest_defaults().every_days;
    int minw, maxw, minh, maxh;
    fc_int_range(o->windows, nw, &minw, &maxw);
    fc_int_range(o->horizons, nh, &minh, &maxh);
    if (t->ndates < 2)
        return fc_error_set(err, FC_ERR_EMPTY, "a backtest needs at least two dates");
    const fc_day first = t->dates[0] + maxw, last = t->dates[t->ndates - 1] - minh;
    if (first > last) {
        char a[11], b[11];
        fc_date_format(t->dates[0], a);
        fc_date_format(t->dates[t->ndates - 1], b);
        return fc_error_set(err, FC_ERR_EMPTY,
                            "the series (%s to %s) is too short for a %d-day window and a %d-day "
                            "horizon",
                            a, b, maxw, minh);
    }
    /* With auto_model, one more "model" after naive: per zone and origin
     * the model and window auto picks then (its sums at window index 0). */
    const size_t na = nm + (o->auto_model ? 1 : 0), autom = nm;
    acc *sums = calloc(ngroups * na * nw * nh, sizeof *sums);
    /* Each zone's forecasts at an origin, kept for auto's pick. */
    fc_band *kept = o->auto_model ? malloc(nm * nw * nh * sizeof *kept) : NULL;
    fc_band *kept_cal = o->auto_model ? malloc(nm * nw * nh * sizeof *kept_cal) : NULL;
    signed char *kept_has = o->auto_model ? malloc(nm * nw * nh) : NULL;
    size_t *choice = o->auto_model ? malloc(nzones * sizeof *choice) : NULL;
    /* Past forecasts of every model and window, up to the last date; each
     * origin takes only those observed by then (fc_calibration_at). */
    fc_calibration **cals = calloc(nm * nw, sizeof *cals);
    fc_cal_table *tabs = calloc(nm * nw, sizeof *tabs);
    bool *advancing = calloc(nzones, sizeof *advancing);
    double *tt = malloc(t->ndates * sizeof *tt), *yy = malloc(t->ndates * sizeof *yy);
    double *hs = malloc(nh * sizeof *hs), *obs = malloc(nh * sizeof *obs);
    size_t *which = malloc(nh * sizeof *which);
    fc_band *bands = malloc(nh * sizeof *bands);
    fc_backtest *bt = calloc(1, sizeof *bt);
    fc_status st = FC_OK;
    if (!sums || !cals || !tabs || !advancing || !tt || !yy || !hs || !obs || !which || !bands ||
        !bt || (o->auto_model && (!kept || !kept_cal || !kept_has || !choice))) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    /* naive (last) has no band to calibrate */
    st = fc_calibration_build_set(t, zs, models, nm - 1, o->windows, nw, o->bootstrap, o->seed,
                                  t->dates[t->ndates - 1], NULL, cals, err);
    if (st != FC_OK)
        goto cleanup;
    for (size_t z = 0; z < zs->n; z++)
        advancing[z] = (fc_held_m2(t, t->ndates - 1, z) - fc_held_m2(t, 0, z)) / 1e6 >= 1.0;
#define SUM(g, m, w, h) sums[(((g) * na + (m)) * nw + (w)) * nh + (h)]
    bt->first_origin = first;
    for (fc_day origin = first; origin <= last; origin += every) {
        size_t n = 0;
        while (n < t->ndates && t->dates[n] <= origin)
            n++;
        bt->origins++;
        bt->last_origin = origin;
        for (size_t i = 0; i < nm * nw; i++)
            if (cals[i])
                fc_calibration_at(cals[i], origin, &tabs[i]);
        /* auto's pick as of this origin (outcomes observed by then only),
         * as forecast makes it; pace over the first window where no
         * candidate has enough past forecasts. */
        if (o->auto_model && st == FC_OK)
            st = choose_auto(zs, cals, nm * nw, origin, model_index(models, nm, FC_MODEL_PACE) * nw,
                             choice, err);
        for (size_t z = 0; z < nzones; z++) {
            zone_series(t, z, t->ndates, tt, yy);
            /* What happened (fc_outcome_index: the archive has gaps).
             * hs[] holds the usable horizons (days after the origin of the
             * snapshot compared), which[] their index in o->horizons. */
            size_t usable = 0;
            for (size_t hi = 0; hi < nh; hi++) {
                size_t k = fc_outcome_index(t, origin, o->horizons[hi], t->dates[t->ndates - 1]);
                if (k != (size_t)-1) {
                    obs[usable] = yy[k];
                    hs[usable] = t->dates[k] - origin;
                    which[usable++] = hi;
                }
            }
            if (o->auto_model)
                memset(kept_has, -1, nm * nw * nh);
            for (size_t mi = 0; mi < nm && usable > 0 && st == FC_OK; mi++)
                for (size_t wi = 0; wi < nw && st == FC_OK; wi++) {
                    fc_fit *fit = NULL;
                    fc_error sub;
                    /* A window without two snapshots at this origin scores nothing. */
                    if (fit_zone(zs, z, models[mi], o->windows[wi], o->bootstrap, o->seed, tt, yy,
                                 n, origin, &fit, &sub) != FC_OK)
                        continue;
                    st = fc_fit_project(fit, hs, usable, bands, err);
                    const double activity = fc_cal_activity(tt, yy, n, origin);
                    fc_fit_destroy(fit);
                    const fc_cal_table *tab = &tabs[mi * nw + wi];
                    for (size_t u = 0; u < usable && st == FC_OK; u++) {
                        /* The band a forecast as of this origin prints. */
                        fc_band cal = {0};
                        bool has_cal = models[mi] != FC_MODEL_NAIVE &&
                                       fc_cal_band(tab, hs[u], &bands[u],
                                                   activity, z < zs->n ? zone_km2(zs, z) : 0,
                                                   &cal) > 0;
                        /* Into the zone's own sums, and the pooled ones. */
                        for (int pass = 0; pass < 2; pass++) {
                            if (pass == 1 && !(z < zs->n && advancing[z]))
                                break;
                            score(&SUM(pass == 0 ? z : nzones, mi, wi, which[u]), &bands[u],
                                  has_cal ? &cal : NULL, obs[u]);
                        }
                        if (o->auto_model) {
                            const size_t k = (mi * nw + wi) * nh + u;
                            kept[k] = bands[u];
                            kept_cal[k] = cal;
                            kept_has[k] = has_cal;
                        }
                    }
                }
            /* auto: the forecast of the pick, scored like the others. */
            for (size_t u = 0; o->auto_model && u < usable; u++) {
                const size_t k = choice[z] * nh + u;
                if (kept_has[k] < 0)
                    continue; /* the pick made no forecast here */
                for (int pass = 0; pass < 2; pass++) {
                    if (pass == 1 && !(z < zs->n && advancing[z]))
                        break;
                    score(&SUM(pass == 0 ? z : nzones, autom, 0, which[u]), &kept[k],
                          kept_has[k] ? &kept_cal[k] : NULL, obs[u]);
                }
            }
        }
    }
    bt->rows = calloc(ngroups * na * nw * nh, sizeof *bt->rows);
    if (!bt->rows) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t g = 0; g < ngroups; g++)
        for (size_t mi = 0; mi < na; mi++)
            for (size_t wi = 0; wi < nw; wi++)
                for (size_t hi = 0; hi < nh; hi++) {
                    const acc *a = &SUM(g, mi, wi, hi), *b = &SUM(g, naive, wi, hi);
                    const size_t n = a->model.n;
                    if (n == 0)
                        continue;
                    fc_backtest_row *r = &bt->rows[bt->n++];
                    r->zone_id = g <= zs->n ? fc_zone_id(zs, g) : "pooled";
                    r->automatic = mi == autom;
                    r->model = r->automatic ? FC_MODEL_PACE : models[mi];
                    r->window_days = r->automatic ? 0 : o->windows[wi];
                    r->horizon_days = o->horizons[hi];
                    r->n = n;
                    r->mae_km2 = a->sae / (double)n;
                    r->rmse_km2 = sqrt(a->sse / (double)n);
                    r->bias_km2 = a->se / (double)n;
                    /* naive has no band: its scores stay NAN */
                    const band_sums none = {0};
                    const band_means m = means(mi == autom || models[mi] != FC_MODEL_NAIVE
                                                   ? &a->model : &none);
                    const band_means c = means(&a->cal);
                    r->coverage80 = m.cov80;
                    r->coverage95 = m.cov95;
                    r->is80 = m.is80;
                    r->is95 = m.is95;
                    r->wis = m.wis;
                    r->cal_n = a->cal.n;
                    r->cal_coverage80 = c.cov80;
                    r->cal_coverage95 = c.cov95;
                    r->cal_is80 = c.is80;
                    r->cal_is95 = c.is95;
                    r->cal_wis = c.wis;
                    r->cal_model_is80 = means(&a->cal_model).is80;
                    double mae_naive = b->model.n ? b->sae / (double)b->model.n : 0;
                    r->skill_vs_naive = mae_naive > 0 ? 1 - r->mae_km2 / mae_naive : NAN;
                }
#undef SUM
cleanup:
    free(kept);
    free(kept_cal);
    free(kept_has);
    free(choice);
    for (size_t i = 0; cals && i < nm * nw; i++)
        fc_calibration_destroy(cals[i]);
    free(cals);
    free(tabs);
    free(sums);
    free(advancing);
    free(tt);
    free(yy);
    free(hs);
    free(obs);
    free(which);
    free(bands);
    if (st != FC_OK) {
        fc_backtest_destroy(bt);
        return st;
    }
    *out = bt;
    return FC_OK;
}
