/* frontcast advance: the arrival model drawn as projected control, projected
 * fronts and dates for places. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/calibrate.h"
#include "frontcast/geodesy.h"
#include "frontcast/overlay.h"
#include "frontcast/places.h"
#include "frontcast/spatial.h"
#include "geo/geom.h"
#include "geo/worker.h"

void fc_gain_curves_free(fc_gain_curve *gains, size_t n)
{
    for (size_t z = 0; gains && z < n; z++) {
        free((double *)gains[z].gain_km2);
        free((double *)gains[z].lo80_km2);
        free((double *)gains[z].hi80_km2);
        memset(&gains[z], 0, sizeof gains[z]);
    }
}

fc_status fc_gain_curves(const fc_area_table *t, const fc_zoneset *zs, fc_day as_of,
                         const fc_gain_options *o, fc_gain_curve *gains, fc_error *err)
{
    const fc_model model = o->model;
    const int window_days = o->window_days, horizon_days = o->horizon_days;
    memset(gains, 0, zs->n * sizeof *gains);
    size_t n = 0;
    while (n < t->ndates && t->dates[n] <= as_of)
        n++;
    const size_t nd = (size_t)horizon_days + 1;
    double *tt = malloc((n + 1) * sizeof *tt), *yy = malloc((n + 1) * sizeof *yy);
    double *hs = malloc(nd * sizeof *hs);
    fc_band *b = malloc(nd * sizeof *b);
    fc_status st = FC_OK;
    fc_cal_table cal = {0};
    if (!tt || !yy || !hs || !b) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (!o->model_intervals) {
        fc_calibration *c = NULL;
        st = fc_calibration_build(t, zs, model, window_days, o->bootstrap, o->seed, as_of,
                                  o->cache, &c, err);
        if (st == FC_OK)
            fc_calibration_at(c, as_of, &cal);
        fc_calibration_destroy(c);
        if (st != FC_OK)
            goto cleanup;
    }
    for (size_t d = 0; d < nd; d++)
        hs[d] = (double)d;
    for (size_t z = 0; z < zs->n && st == FC_OK; z++) {
        for (size_t d = 0; d < n; d++) {
            tt[d] = t->dates[d];
            yy[d] = fc_held_m2(t, d, z) / 1e6;
        }
        const double area = zs->zones[z].area_m2 / 1e6;
        fc_model_options mo = {.window_days = window_days, .cap = area, .bootstrap = o->bootstrap,
                               .seed = o->seed + z};
        fc_fit *fit = NULL;
        fc_error sub;
        st = fc_fit_model(model, tt, yy, n, as_of, &mo, &fit, &sub);
        if (st != FC_OK) {
            fc_error_set(err, st, "zone %s (%s): %s", zs->zones[z].id, zs->zones[z].name, sub.msg);
            break;
        }
        if (fc_fit_rate(fit) >= FC_MIN_ADVANCE_KM2_PER_DAY) {
            st = fc_fit_project(fit, hs, nd, b, err);
            const double activity = fc_cal_activity(tt, yy, n, as_of);
            for (size_t d = 0; st == FC_OK && d < nd; d++) {
                fc_band m = b[d];
                fc_cal_band(&cal, hs[d], &m, activity, area, &b[d]);
            }
        } else {
            b[0].value = NAN; /* no advance: no curve */
        }
        double last = fc_fit_last(fit);
        fc_fit_destroy(fit);
        if (st != FC_OK || isnan(b[0].value))
            continue;
        double *g = malloc(nd * sizeof *g), *lo = malloc(nd * sizeof *lo), *hi = malloc(nd * sizeof *hi);
        if (!g || !lo || !hi) {
            free(g);
            free(lo);
            free(hi);
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        /* Gains from today's value, never negative, never shrinking. */
        double mg = 0, ml = 0, mh = 0;
        for (size_t d = 0; d < nd; d++) {
            mg = g[d] = fmax(mg, b[d].value - last);
            ml = lo[d] = fmax(ml, b[d].lo80 - last);
            mh = hi[d] = fmax(mh, b[d].hi80 - last);
        }
        gains[z] = (fc_gain_curve){g, lo, hi, nd};
    }
cleanup:
    free(tt);
    free(yy);
    free(hs);
    free(b);
    if (st != FC_OK)
        fc_gain_curves_free(gains, zs->n);
    return st;
}

fc_status fc_series_control_at(const fc_series *series, fc_day day, fc_worker *w,
                               const char *crs, const fc_diag *diag, size_t *index,
                               GEOSGeometry **out, fc_error *err)
{
    *out = NULL;
    size_t n = fc_series_count(series), k = 0;
    while (k < n && fc_series_date(series, k) <= day)
        k++;
    if (k == 0) {
        char d[11], f[11];
        fc_date_format(day, d);
        fc_date_format(n ? fc_series_date(series, 0) : day, f);
        return fc_error_set(err, FC_ERR_DATE, "no snapshot on or before %s (the first is %s)", d, f);
    }
    *index = k - 1;
    return fc_series_read(series, k - 1, w, crs, diag, out, NULL, err);
}

void fc_advance_destroy(fc_advance *a)
{
    if (!a)
        return;
    fc_arrival_destroy(a->arrival);
    for (size_t i = 0; a->control_wkb && i < a->nsteps * a->nzones; i++)
        free(a->control_wkb[i]);
    for (size_t i = 0; a->front_wkb && i < a->nsteps; i++)
        free(a->front_wkb[i]);
    for (size_t i = 0; i < a->nplaces; i++)
        free(a->places[i].name);
    free(a->places);
    free(a->control_wkb);
    free(a->control_size);
    free(a->projected_km2);
    free(a->forecast_gain_km2);
    free(a->model_gain_km2);
    free(a->front_wkb);
    free(a->front_size);
    free(a->step_days);
    free(a);
}

/* lon/lat WKB of g (working CRS), or NULL for an empty g. */
static fc_status to_wkb(fc_worker *w, const GEOSGeometry *g, const char *crs, unsigned char **wkb,
                        size_t *size, fc_error *err)
{
    *wkb = NULL;
    *size = 0;
    if (GEOSisEmpty_r(w->geos, g))
        return FC_OK;
    GEOSGeometry *ll = NULL;
    fc_status st = fc_reproject(w, g, crs, "OGC:CRS84", &ll, err);
    /* Cell-edge polygons can touch themselves by a hair in lon/lat. */
    if (st == FC_OK && !fc_geom_is_lineal(w, ll))
        st = fc_repair(w, &ll, NULL, err);
    if (st != FC_OK) {
        if (ll)
            GEOSGeom_destroy_r(w->geos, ll);
        return st;
    }
    *wkb = GEOSGeomToWKB_buf_r(w->geos, ll, size);
    GEOSGeom_destroy_r(w->geos, ll);
    return *wkb ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
}

/* The projected control and front at step s. */
/* Step s of the projection: each zone's control (held, today's part of
 * now in each zone, the same at every step) with the cells reached by
 * then, and the front of it all. */
static fc_status draw_step(fc_worker *w, const fc_zoneset *zs, GEOSGeometry *const *zone_geom,
                           const fc_frontier *fr, const GEOSGeometry *now,
                           GEOSGeometry *const *held, fc_advance *a, size_t s, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    const size_t nz = zs->n;
    GEOSGeometry **gained = calloc(nz, sizeof *gained), **all = calloc(nz, sizeof *all);
    size_t *cells = calloc(nz + 1, sizeof *cells);
    fc_status st = gained && all && cells ? FC_OK
                                          : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_arrival_polygons(w, a->arrival, a->arrival->days, (float)a->step_days[s], nz,
                                 gained, err);
    /* The model's own gain, in cells, for the calibration check. */
    const size_t nc = (size_t)a->arrival->grid.nx * (size_t)a->arrival->grid.ny;
    for (size_t c = 0; st == FC_OK && c < nc; c++)
        if (a->arrival->zone[c] >= 0 && a->arrival->days[c] <= a->step_days[s])
            cells[a->arrival->zone[c]]++;
    const double cell_km2 = pow(a->arrival->grid.cell_m / 1000, 2);
    for (size_t z = 0; z < nz && st == FC_OK; z++) {
        a->model_gain_km2[s * nz + z] = (double)cells[z] * cell_km2;
        /* Today's control in the zone, exactly, and the gained cells in it. */
        GEOSGeometry *taken = GEOSisEmpty_r(h, gained[z])
                                  ? NULL
                                  : GEOSIntersection_r(h, gained[z], zone_geom[z]);
        GEOSGeometry *u = taken ? GEOSUnion_r(h, held[z], taken) : NULL;
        GEOSGeometry *proj = u ? fc_geom_polygonal(w, u) : GEOSGeom_clone_r(h, held[z]);
        if ((!GEOSisEmpty_r(h, gained[z]) && (!taken || !u)) || !proj) {
            st = fc_error_set(err, FC_ERR_GEOM, "drawing zone %s: %s", zs->zones[z].id,
                              fc_worker_geos_error(w));
        } else {
            double area = 0;
            GEOSArea_r(h, proj, &area);
            a->projected_km2[s * nz + z] = area / 1e6;
            st = to_wkb(w, proj, zs->crs, &a->control_wkb[s * nz + z], &a->control_size[s * nz + z],
                        err);
        }
        if (taken)
            GEOSGeom_destroy_r(h, taken);
        if (u)
            GEOSGeom_destroy_r(h, u);
        all[z] = proj;
    }
    free(cells);
    /* The projected front: of today's control and everything gained. */
    if (st == FC_OK) {
        GEOSGeometry **parts = calloc(nz + 1, sizeof *parts);
        size_t np = 0;
        parts[np++] = GEOSGeom_clone_r(h, now);
        for (size_t z = 0; z < nz; z++)
            if (!GEOSisEmpty_r(h, gained[z]))
                parts[np++] = GEOSGeom_clone_r(h, gained[z]);
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)np);
        free(parts);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        GEOSGeometry *front = NULL;
        if (!u)
            st = fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
        else
            st = fc_front_line(w, fr, u, 1000, &front, err);
        if (st == FC_OK)
            st = to_wkb(w, front, zs->crs, &a->front_wkb[s], &a->front_size[s], err);
        if (front)
            GEOSGeom_destroy_r(h, front);
        if (u)
            GEOSGeom_destroy_r(h, u);
        if (coll)
            GEOSGeom_destroy_r(h, coll);
    }
    for (size_t z = 0; z < nz; z++) {
        if (gained && gained[z])
            GEOSGeom_destroy_r(h, gained[z]);
        if (all && all[z])
            GEOSGeom_destroy_r(h, all[z]);
    }
    free(gained);
    free(all);
    return st;
}

/* The projected steps, drawn on several threads: each thread has its own
 * worker and its own copies of the geometries the steps read (GEOS caches
 * derived data inside a geometry, so threads must not share one), takes
 * the next step, and writes only that step's slots of the advance. The
 * first failure in step order is the one reported. */
typedef struct steps_job {
    const fc_zoneset *zs;
    const fc_frontier *fr;
    const GEOSGeometry *now;
    GEOSGeometry *const *held;
    fc_advance *a;
    atomic_size_t next;
    pthread_mutex_t lock; /* guards st, failed, err */
    fc_status st;
    size_t failed;
    fc_error err;
} steps_job;

static void steps_fail(steps_job *j, size_t s, fc_status st, const fc_error *e)
{
    pthread_mutex_lock(&j->lock);
    if (s < j->failed) {
        j->failed = s;
        j->st = st;
        j->err = *e;
    }
    pthread_mutex_unlock(&j->lock);
}

static void *steps_thread(void *arg)
{
    steps_job *j = arg;
    const size_t nz = j->zs->n;
    fc_worker *w = fc_worker_create();
    GEOSContextHandle_t h = w ? fc_worker_geos(w) : NULL;
    fc_frontier *fr = NULL;
    GEOSGeometry *now = NULL, **own = calloc(2 * nz + 1, sizeof *own);
    fc_error e = {0};
    fc_status st = w && own ? fc_frontier_clone(w, j->fr, &fr, &e)
                            : fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK && !(now = GEOSGeom_clone_r(h, j->now)))
        st = fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
    /* own[z]: zone z; own[nz + z]: its control today. */
    for (size_t z = 0; z < nz && st == FC_OK; z++)
        if (!(own[z] = GEOSGeom_clone_r(h, j->zs->zones[z].geom)) ||
            !(own[nz + z] = GEOSGeom_clone_r(h, j->held[z])))
            st = fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
    for (;;) {
        const size_t s = atomic_fetch_add(&j->next, 1);
        if (s >= j->a->nsteps)
            break;
        if (st == FC_OK) {
            fc_error es = {0};
            fc_status ss = draw_step(w, j->zs, own, fr, now, own + nz, j->a, s, &es);
            if (ss != FC_OK)
                steps_fail(j, s, ss, &es);
        } else {
            steps_fail(j, s, st, &e); /* no room to draw: each step says so */
        }
    }
    for (size_t z = 0; own && z < 2 * nz; z++)
        if (own[z])
            GEOSGeom_destroy_r(h, own[z]);
    free(own);
    if (now)
        GEOSGeom_destroy_r(h, now);
    if (fr)
        fc_frontier_destroy(w, fr);
    fc_worker_destroy(w);
    return NULL;
}

/* Draws every step of j->a on up to `threads` threads (<= 0: all cores). */
static fc_status draw_steps(steps_job *j, int threads, fc_error *err)
{
    fc_run_threads(fc_thread_count(threads, j->a->nsteps), steps_thread, j);
    if (j->st != FC_OK)
        *err = j->err;
    return j->st;
}

static int place_cmp(const void *a, const void *b)
{
    const fc_place_row *p = a, *q = b;
    /* Dated first, earliest first; then nearest. */
    if ((p->arrival == FC_NO_DAY) != (q->arrival == FC_NO_DAY))
        return p->arrival == FC_NO_DAY ? 1 : -1;
    if (p->arrival != q->arrival)
        return p->arrival < q->arrival ? -1 : 1;
    return (p->distance_km > q->distance_km) - (p->distance_km < q->distance_km);
}

static fc_day day_or_none(fc_day as_of, float days, int horizon)
{
    return isfinite(days) && days <= horizon ? as_of + (fc_day)ceil(days) : FC_NO_DAY;
}

/* Dates the places not yet held: src (their names taken over) at xy, their
 * coordinates in the working CRS (fc_places_xy). */
static fc_status date_places(fc_worker *w, const fc_zoneset *zs, const fc_frontier *fr,
                             const GEOSGeometry *now, fc_places *src, const double *xy,
                             int horizon, const fc_place_cal *pcal, fc_advance *a, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    const size_t k = src->n;
    a->places = calloc(k + 1, sizeof *a->places);
    GEOSGeometry *front = NULL;
    const GEOSPreparedGeometry *held = NULL, *frontp = NULL;
    fc_status st = a->places ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k && st == FC_OK; i++) {
        a->places[i].name = src->p[i].name; /* taken over */
        a->places[i].population = src->p[i].population;
        src->p[i].name = NULL;
    }
    a->nplaces = st == FC_OK ? k : 0;
    if (st != FC_OK || k == 0)
        goto cleanup;
    st = fc_front_line(w, fr, now, 1000, &front, err);
    if (st != FC_OK)
        goto cleanup;
    held = GEOSPrepare_r(h, now);
    frontp = GEOSPrepare_r(h, GEOSisEmpty_r(h, front) ? now : front);
    size_t kept = 0;
    for (size_t i = 0; i < k; i++) {
        const double x = xy[2 * i], y = xy[2 * i + 1];
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
        fc_place_row p = a->places[i];
        double d = NAN;
        bool inside = GEOSPreparedContains_r(h, held, pt) == 1;
        GEOSPreparedDistance_r(h, frontp, pt, &d);
        GEOSGeom_destroy_r(h, pt);
        if (inside) { /* already held: not listed */
            free(p.name);
            continue;
        }
        long c = fc_grid_cell(&a->arrival->grid, x, y);
        int32_t z = c >= 0 ? a->arrival->zone[c] : -1;
        p.x = x;
        p.y = y;
        p.zone_id = z >= 0 ? zs->zones[z].id : NULL;
        p.distance_km = d / 1000;
        p.arrival = p.arrival_lo80 = p.arrival_hi80 = FC_NO_DAY;
        if (c >= 0) {
            p.arrival = day_or_none(a->as_of, a->arrival->days[c], horizon);
            /* The bounds calibrated on places where that holds; else the
             * area bands' (which say how much ground, not where). */
            double lo = a->arrival->early80[c], hi = a->arrival->late80[c];
            const bool calibrated = fc_place_cal_bounds(pcal, ceil(a->arrival->days[c]), &lo, &hi);
            p.arrival_lo80 = day_or_none(a->as_of, (float)lo, horizon);
            p.arrival_hi80 = day_or_none(a->as_of, (float)hi, horizon);
            if (p.arrival != FC_NO_DAY || p.arrival_lo80 != FC_NO_DAY ||
                p.arrival_hi80 != FC_NO_DAY)
                fc_interval_label(calibrated ? pcal->n : 0, p.interval);
        }
        a->places[kept++] = p;
    }
    a->nplaces = kept;
    qsort(a->places, kept, sizeof *a->places, place_cmp);
cleanup:
    if (held)
        GEOSPreparedGeom_destroy_r(h, held);
    if (frontp)
        GEOSPreparedGeom_destroy_r(h, frontp);
    if (front)
        GEOSGeom_destroy_r(h, front);
    return st;
}

/* The calibration of the places' arrival bounds as of as_of (spatial.h):
 * the arrival model's predictions at the origins before it, against the
 * places' observed timeline. */
static fc_status place_calibration(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                                   const fc_area_table *table, const fc_advance_options *o,
                                   const fc_places *pl, const double *xy, fc_day as_of,
                                   const fc_diag *diag, fc_place_cal *out, fc_error *err)
{
    fc_place_history *own = NULL; /* the timeline, when the caller had none */
    fc_place_predictions *pred = NULL;
    fc_status st = FC_OK;
    if (!o->places_history)
        st = fc_places_timeline(w, zs, series, pl,
                                &(fc_places_timeline_options){0, diag, NULL, NULL, NULL}, &own,
                                err);
    const fc_place_history *hist = o->places_history ? o->places_history : own;
    fc_place_prediction_options po = {
        fc_series_date(series, 0) + o->window_days, as_of - FC_PLACE_CAL_EVERY_DAYS,
        FC_PLACE_CAL_EVERY_DAYS, o->window_days, o->horizon_days, o->model,
        fmax(o->cell_m, FC_PLACE_CAL_CELL_M), o->bootstrap, o->seed, o->uniform_speed, false,
        NULL, NULL, o->cache, o->threads};
    if (st == FC_OK)
        st = fc_place_predictions_compute(w, zs, series, table, xy, hist, pl->n, &po, &pred, err);
    if (st == FC_OK)
        fc_place_calibration_at(pred, hist, as_of, out);
    fc_place_predictions_destroy(pred);
    free(own);
    return st;
}

fc_advance_options fc_advance_defaults(void)
{
    return (fc_advance_options){.as_of = FC_NO_DAY, .window_days = FC_DEFAULT_WINDOW_DAYS,
                                .horizon_days = FC_DEFAULT_HORIZON_DAYS,
                                .step_days = FC_DEFAULT_MAP_STEP_DAYS, .model = FC_MODEL_PACE,
                                .bootstrap = FC_DEFAULT_BOOTSTRAP, .seed = FC_DEFAULT_SEED,
                                .cell_m = FC_DEFAULT_CELL_M,
                                .tolerance_m = FC_BORDER_TOLERANCE_M};
}

fc_status fc_advance_run(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                         const fc_area_table *table, const fc_advance_options *in,
                         const fc_diag *diag, fc_advance **out, fc_error *err)
{
    *out = NULL;
    fc_advance_options o = *in;
    if (o.window_days <= 0)
        o.window_days = FC_DEFAULT_WINDOW_DAYS;
    if (o.horizon_days <= 0)
        o.horizon_days = FC_DEFAULT_HORIZON_DAYS;
    if (o.step_days <= 0)
        o.step_days = FC_DEFAULT_MAP_STEP_DAYS;
    if (!(o.tolerance_m > 0))
        o.tolerance_m = FC_BORDER_TOLERANCE_M;
    const size_t nz = zs->n;
    fc_advance *a = calloc(1, sizeof *a);
    fc_gain_curve *gains = calloc(nz + 1, sizeof *gains);
    GEOSGeometry *now = NULL, *then = NULL;
    fc_frontier *fr = NULL;
    fc_status st = a && gains ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st != FC_OK)
        goto cleanup;
    size_t inow = 0, ithen = 0;
    a->as_of = o.as_of == FC_NO_DAY ? fc_series_date(series, fc_series_count(series) - 1) : o.as_of;
    st = fc_series_control_at(series, a->as_of, w, zs->crs, diag, &inow, &now, err);
    if (st == FC_OK)
        st = fc_series_control_at(series, a->as_of - o.window_days, w, zs->crs, NULL, &ithen, &then,
                                  err);
    if (st == FC_OK && ithen == inow) {
        char d[11];
        fc_date_format(a->as_of, d);
        st = fc_error_set(err, FC_ERR_DATE, "no earlier snapshot within the %d-day window before %s",
                          o.window_days, d);
    }
    fc_gain_options go = {o.model, o.window_days, o.horizon_days, o.bootstrap, o.seed,
                          o.model_intervals, o.cache};
    if (st == FC_OK)
        st = fc_gain_curves(table, zs, a->as_of, &go, gains, err);
    if (st == FC_OK)
        st = fc_frontier_create(w, zs, o.tolerance_m, o.threads, o.cache, &fr, err);
    if (st == FC_OK) {
        fc_arrival_options ao = {.cell_m = o.cell_m, .window_days =
                                 (int)(fc_series_date(series, inow) - fc_series_date(series, ithen)),
                                 .uniform_speed = o.uniform_speed};
        st = fc_arrival_compute(w, zs, fr, now, then, gains, &ao, &a->arrival, err);
    }
    if (st != FC_OK)
        goto cleanup;
    a->nzones = nz;
    a->nsteps = (size_t)(o.horizon_days / o.step_days);
    const size_t cells = a->nsteps * nz + 1;
    a->step_days = calloc(a->nsteps + 1, sizeof *a->step_days);
    a->control_wkb = calloc(cells, sizeof *a->control_wkb);
    a->control_size = calloc(cells, sizeof *a->control_size);
    a->projected_km2 = calloc(cells, sizeof *a->projected_km2);
    a->forecast_gain_km2 = calloc(cells, sizeof *a->forecast_gain_km2);
    a->model_gain_km2 = calloc(cells, sizeof *a->model_gain_km2);
    a->front_wkb = calloc(a->nsteps + 1, sizeof *a->front_wkb);
    a->front_size = calloc(a->nsteps + 1, sizeof *a->front_size);
    if (!a->step_days || !a->control_wkb || !a->control_size || !a->projected_km2 ||
        !a->forecast_gain_km2 || !a->model_gain_km2 || !a->front_wkb || !a->front_size) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    /* Today's control in each zone, exactly: every step adds to it. */
    GEOSGeometry **held = calloc(nz + 1, sizeof *held);
    if (!held)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t z = 0; z < nz && st == FC_OK; z++)
        if (!(held[z] = fc_overlay_zone_part(w, zs->zones[z].geom, now)))
            st = fc_error_set(err, FC_ERR_GEOM, "drawing zone %s: %s", zs->zones[z].id,
                              fc_worker_geos_error(w));
    for (size_t s = 0; s < a->nsteps && st == FC_OK; s++) {
        a->step_days[s] = (int)((s + 1) * (size_t)o.step_days);
        for (size_t z = 0; z < nz; z++)
            a->forecast_gain_km2[s * nz + z] =
                gains[z].gain_km2 ? gains[z].gain_km2[a->step_days[s]] : 0;
    }
    if (st == FC_OK && a->nsteps > 0) {
        steps_job job = {.zs = zs, .fr = fr, .now = now, .held = held, .a = a,
                         .lock = PTHREAD_MUTEX_INITIALIZER, .st = FC_OK, .failed = a->nsteps};
        atomic_init(&job.next, 0);
        st = draw_steps(&job, o.threads, err);
        pthread_mutex_destroy(&job.lock);
    }
    for (size_t z = 0; held && z < nz; z++)
        if (held[z])
            GEOSGeom_destroy_r(w->geos, held[z]);
    free(held);
    if (st == FC_OK && o.places) {
        /* The places, read and projected once for their calibration and dates. */
        fc_places *pl = NULL;
        double *xy = NULL;
        fc_place_cal pcal = {0, 0, INFINITY};
        st = fc_places_read(o.places, &pl, err);
        if (st == FC_OK)
            st = fc_places_xy(w, pl, zs->crs, &xy, err);
        if (st == FC_OK && !o.model_intervals)
            st = place_calibration(w, zs, series, table, &o, pl, xy, a->as_of, diag, &pcal, err);
        if (st == FC_OK)
            st = date_places(w, zs, fr, now, pl, xy, o.horizon_days, &pcal, a, err);
        free(xy);
        fc_places_destroy(pl);
    }
cleanup:
    fc_gain_curves_free(gains, nz);
    free(gains);
    if (now)
        GEOSGeom_destroy_r(w->geos, now);
    if (then)
        GEOSGeom_destroy_r(w->geos, then);
    fc_frontier_destroy(w, fr);
    if (st != FC_OK) {
        fc_advance_destroy(a);
        return st;
    }
    *out = a;
    return FC_OK;
}
