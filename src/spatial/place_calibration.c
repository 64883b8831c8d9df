/* Calibrated arrival intervals for places (see spatial.h). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/geodesy.h"
#include "frontcast/spatial.h"

void fc_place_predictions_destroy(fc_place_predictions *p)
{
    if (!p)
        return;
    free(p->origin);
    free(p->days);
    free(p->early80);
    free(p->late80);
    free(p->cell_days);
    free(p->cell_held);
    free(p);
}

/* One origin's predictions as a cache blob (fc_result_cache): a header,
 * then the places' days, early80 and late80, the cells' days (floats) and
 * the cells' held flags. In the machine's byte order: the store is local. */
typedef struct blob_header {
    char magic[8];
    uint64_t nplaces, ncells;
    int32_t nx, ny;
} blob_header;

static const char blob_magic[8] = "fcpp-v1";

static size_t blob_size(size_t np, size_t ncells)
{
    return sizeof(blob_header) + (3 * np + ncells) * sizeof(float) + ncells;
}

/* Origin k of p as a blob; NULL when out of memory (the cache is skipped). */
static void *blob_of(const fc_place_predictions *p, size_t k, const fc_grid *g, size_t *size)
{
    const size_t np = p->nplaces, nc = p->ncells;
    *size = blob_size(np, nc);
    unsigned char *b = malloc(*size);
    if (!b)
        return NULL;
    unsigned char *at = b + sizeof(blob_header);
    blob_header h = {.nplaces = np, .ncells = nc, .nx = g->nx, .ny = g->ny};
    memcpy(h.magic, blob_magic, sizeof h.magic);
    memcpy(b, &h, sizeof h);
    const float *parts[] = {&p->days[k * np], &p->early80[k * np], &p->late80[k * np]};
    for (int i = 0; i < 3; i++, at += np * sizeof(float))
        memcpy(at, parts[i], np * sizeof(float));
    memcpy(at, &p->cell_days[k * nc], nc * sizeof(float));
    memcpy(at + nc * sizeof(float), &p->cell_held[k * nc], nc);
    return b;
}

/* The header of a cached blob, if it is one of np places. */
static bool blob_fits(const void *data, size_t size, size_t np, blob_header *h)
{
    if (size < sizeof *h)
        return false;
    memcpy(h, data, sizeof *h);
    /* A damaged blob's counts are not to be trusted with arithmetic. */
    return !memcmp(h->magic, blob_magic, sizeof h->magic) && h->nplaces == np &&
           h->ncells <= size && size == blob_size(np, h->ncells);
}

/* Origin k of p from a blob that fits. */
static void blob_read(fc_place_predictions *p, size_t k, const void *data)
{
    const size_t np = p->nplaces, nc = p->ncells;
    const unsigned char *at = (const unsigned char *)data + sizeof(blob_header);
    float *parts[] = {&p->days[k * np], &p->early80[k * np], &p->late80[k * np]};
    for (int i = 0; i < 3; i++, at += np * sizeof(float))
        memcpy(parts[i], at, np * sizeof(float));
    memcpy(&p->cell_days[k * nc], at, nc * sizeof(float));
    memcpy(&p->cell_held[k * nc], at + nc * sizeof(float), nc);
}

/* The cells' arrays, for nk origins of ncells cells (at the first origin). */
static fc_status alloc_cells(fc_place_predictions *p, size_t nk, size_t ncells, fc_error *err)
{
    p->ncells = ncells;
    p->cell_days = malloc((nk * ncells + 1) * sizeof *p->cell_days);
    p->cell_held = malloc(nk * ncells + 1);
    return p->cell_days && p->cell_held ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
}

/* Origin k of p from the cache; *hit false (and p untouched) when the
 * cache has nothing that fits. */
static fc_status from_cache(const fc_result_cache *cache, const char *params,
                            fc_place_predictions *p, size_t k, size_t nk, fc_day origin,
                            fc_grid *grid0, bool *hit, fc_error *err)
{
    *hit = false;
    void *data = NULL;
    size_t size = 0;
    bool found = false;
    blob_header h;
    fc_status st = cache->get(cache->user, params, INT32_MIN, origin, &data, &size, &found, err);
    if (st == FC_OK && found && blob_fits(data, size, p->nplaces, &h) &&
        (p->cell_days ? h.ncells == p->ncells && h.nx == grid0->nx && h.ny == grid0->ny
                      : true)) {
        if (!p->cell_days) {
            st = alloc_cells(p, nk, (size_t)h.ncells, err);
            grid0->nx = h.nx;
            grid0->ny = h.ny;
        }
        if (st == FC_OK) {
            blob_read(p, k, data);
            *hit = true;
        }
    }
    free(data);
    return st;
}

/* Origin k's date. */
static fc_day origin_day(const fc_place_prediction_options *o, size_t k)
{
    return o->first + (fc_day)k * o->every_days;
}

/* One origin's predictions as computed on a thread, kept until they are
 * added to the predictions in the origins' order. */
typedef struct origin_result {
    float *days, *early80, *late80; /* nplaces each */
    float *cell_days;               /* ncells */
    uint8_t *cell_held;
    size_t ncells;
    int nx, ny;                     /* the arrival grid */
    fc_status st;
    fc_error err;
} origin_result;

static void origin_result_free(origin_result *r)
{
    free(r->days);
    free(r->early80);
    free(r->late80);
    free(r->cell_days);
    free(r->cell_held);
}

/* The arrival model at one origin, into r. gains: scratch, zs->n + 1. */
static fc_status compute_origin(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                                const fc_area_table *table, const double *xy,
                                const fc_place_history *hist, size_t np,
                                const fc_place_prediction_options *o, fc_frontier *fr,
                                fc_gain_curve *gains, fc_day origin, origin_result *r,
                                fc_error *err)
{
    GEOSGeometry *now = NULL, *then = NULL;
    size_t inow = 0, ithen = 0;
    fc_arrival *arr = NULL;
    fc_status st = fc_series_control_at(series, origin, w, zs->crs, NULL, &inow, &now, err);
    if (st == FC_OK)
        st = fc_series_control_at(series, origin - o->window_days, w, zs->crs, NULL, &ithen,
                                  &then, err);
    fc_gain_options go = {o->model, o->window_days, o->curve_days, o->bootstrap, o->seed,
                          o->model_intervals, o->cache};
    if (st == FC_OK)
        st = fc_gain_curves(table, zs, origin, &go, gains, err);
    if (st == FC_OK) {
        fc_arrival_options ao = {.cell_m = o->cell_m,
                                 .window_days = (int)(fc_series_date(series, inow) -
                                                      fc_series_date(series, ithen)),
                                 .uniform_speed = o->uniform_speed};
        st = fc_arrival_compute(w, zs, fr, now, then, gains, &ao, &arr, err);
    }
    /* The cells inside a zone. */
    const size_t ng = st == FC_OK ? (size_t)arr->grid.nx * (size_t)arr->grid.ny : 0;
    for (size_t c = 0; c < ng; c++)
        r->ncells += arr->zone[c] >= 0;
    if (st == FC_OK) {
        r->nx = arr->grid.nx;
        r->ny = arr->grid.ny;
        r->days = malloc((np + 1) * sizeof *r->days);
        r->early80 = malloc((np + 1) * sizeof *r->early80);
        r->late80 = malloc((np + 1) * sizeof *r->late80);
        r->cell_days = malloc((r->ncells + 1) * sizeof *r->cell_days);
        r->cell_held = malloc(r->ncells + 1);
        if (!r->days || !r->early80 || !r->late80 || !r->cell_days || !r->cell_held)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    if (st == FC_OK) {
        size_t j = 0;
        for (size_t c = 0; c < ng; c++) {
            if (arr->zone[c] < 0)
                continue;
            r->cell_held[j] = arr->controlled[c] != 0;
            r->cell_days[j++] = arr->controlled[c] ? NAN : ceilf(arr->days[c]);
        }
    }
    for (size_t i = 0; st == FC_OK && i < np; i++) {
        r->days[i] = r->early80[i] = r->late80[i] = NAN;
        if (hist[i].first_held != FC_NO_DAY && hist[i].first_held <= origin)
            continue; /* already held */
        const long c = fc_grid_cell(&arr->grid, xy[2 * i], xy[2 * i + 1]);
        if (c < 0 || arr->zone[c] < 0 || arr->controlled[c])
            continue;
        r->days[i] = ceilf(arr->days[c]);
        r->early80[i] = ceilf(arr->early80[c]);
        r->late80[i] = ceilf(arr->late80[c]);
    }
    fc_arrival_destroy(arr);
    fc_gain_curves_free(gains, zs->n);
    if (now)
        GEOSGeom_destroy_r(fc_worker_geos(w), now);
    if (then)
        GEOSGeom_destroy_r(fc_worker_geos(w), then);
    return st;
}

/* The origins the cache did not have, computed on several threads: each
 * with its own worker, frontier and copies of the zones' polygons (GEOS
 * caches derived data inside a geometry, so threads must not share one),
 * taking the next origin until none is left. The cache (cache.h) may be
 * called from all of them at once. */
typedef struct origins_job {
    const fc_zoneset *zs;
    const fc_series *series;
    const fc_area_table *table;
    const double *xy;
    const fc_place_history *hist;
    size_t np;
    const fc_place_prediction_options *o;
    const fc_frontier *fr;
    const size_t *todo; /* origin indices */
    size_t ntodo;
    origin_result *res; /* [k] for origin k */
    atomic_size_t next;
    pthread_mutex_t lock; /* guards done and the progress calls */
    size_t done, nk;
} origins_job;

static void *origins_thread(void *arg)
{
    origins_job *j = arg;
    const size_t nz = j->zs->n;
    fc_worker *w = fc_worker_create();
    fc_frontier *fr = NULL;
    fc_zoneset zs = *j->zs;
    zs.zones = calloc(nz + 1, sizeof *zs.zones);
    fc_gain_curve *gains = calloc(nz + 1, sizeof *gains);
    fc_error e = {0};
    fc_status st = w && zs.zones && gains ? fc_frontier_clone(w, j->fr, &fr, &e)
                                          : fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
    for (size_t z = 0; z < nz && st == FC_OK; z++) {
        zs.zones[z] = j->zs->zones[z];
        if (!(zs.zones[z].geom = GEOSGeom_clone_r(fc_worker_geos(w), j->zs->zones[z].geom)))
            st = fc_error_set(&e, FC_ERR_NOMEM, "out of memory");
    }
    for (;;) {
        const size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->ntodo)
            break;
        const size_t k = j->todo[i];
        origin_result *r = &j->res[k];
        const fc_day origin = origin_day(j->o, k);
        r->st = st == FC_OK ? compute_origin(w, &zs, j->series, j->table, j->xy, j->hist, j->np,
                                             j->o, fr, gains, origin, r, &r->err)
                            : st;
        if (st != FC_OK)
            r->err = e; /* no room to compute: each origin says so */
        pthread_mutex_lock(&j->lock);
        j->done++;
        if (j->o->progress)
            j->o->progress(j->o->progress_user, j->done, j->nk);
        pthread_mutex_unlock(&j->lock);
    }
    for (size_t z = 0; zs.zones && z < nz; z++)
        if (zs.zones[z].geom)
            GEOSGeom_destroy_r(fc_worker_geos(w), zs.zones[z].geom);
    free(zs.zones);
    free(gains);
    if (fr)
        fc_frontier_destroy(w, fr);
    fc_worker_destroy(w);
    return NULL;
}

/* Origin k of p from r: the first origin with cells sets the grid, and
 * every other must have the same. */
static fc_status add_origin(fc_place_predictions *p, size_t k, size_t nk, const origin_result *r,
                            fc_grid *grid0, fc_error *err)
{
    const size_t np = p->nplaces;
    fc_status st = FC_OK;
    if (!p->cell_days) {
        grid0->nx = r->nx;
        grid0->ny = r->ny;
        st = alloc_cells(p, nk, r->ncells, err);
    }
    if (st == FC_OK && (r->nx != grid0->nx || r->ny != grid0->ny || r->ncells != p->ncells))
        st = fc_error_set(err, FC_ERR_ARG, "the arrival grid changed between origins");
    if (st != FC_OK)
        return st;
    memcpy(&p->days[k * np], r->days, np * sizeof *r->days);
    memcpy(&p->early80[k * np], r->early80, np * sizeof *r->early80);
    memcpy(&p->late80[k * np], r->late80, np * sizeof *r->late80);
    memcpy(&p->cell_days[k * p->ncells], r->cell_days, p->ncells * sizeof *r->cell_days);
    memcpy(&p->cell_held[k * p->ncells], r->cell_held, p->ncells);
    return FC_OK;
}

fc_status fc_place_predictions_compute(fc_worker *w, const fc_zoneset *zs,
                                       const fc_series *series, const fc_area_table *table,
                                       const double *xy, const fc_place_history *hist,
                                       size_t np, const fc_place_prediction_options *o,
                                       fc_place_predictions **out, fc_error *err)
{
    *out = NULL;
    const size_t nk = o->last >= o->first ? (size_t)((o->last - o->first) / o->every_days) + 1 : 0;
    fc_place_predictions *p = calloc(1, sizeof *p);
    bool *hit = calloc(nk + 1, sizeof *hit);
    size_t *todo = calloc(nk + 1, sizeof *todo), ntodo = 0;
    origin_result *res = calloc(nk + 1, sizeof *res);
    fc_frontier *fr = NULL;
    fc_status st = p && hit && todo && res ? FC_OK
                                           : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK) {
        p->nplaces = np;
        p->every_days = o->every_days;
        p->origin = calloc(nk + 1, sizeof *p->origin);
        p->days = malloc((nk * np + 1) * sizeof *p->days);
        p->early80 = malloc((nk * np + 1) * sizeof *p->early80);
        p->late80 = malloc((nk * np + 1) * sizeof *p->late80);
        if (!p->origin || !p->days || !p->early80 || !p->late80)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    /* What of the options a prediction depends on (cache.h). */
    char params[256];
    snprintf(params, sizeof params,
             "place-predictions-v2 window %d curve %d model %s cell %.17g bootstrap %d seed %llu "
             "uniform %d model_intervals %d held %s",
             o->window_days, o->curve_days, fc_model_name(o->model), o->cell_m, o->bootstrap,
             (unsigned long long)o->seed, (int)o->uniform_speed, (int)o->model_intervals,
             fc_held_basis(table->raw_border));
    /* What the cache has, then the rest on every core. */
    fc_grid grid0 = {0};
    for (size_t k = 0; st == FC_OK && k < nk; k++) {
        const fc_day origin = origin_day(o, k);
        if (o->cache)
            st = from_cache(o->cache, params, p, k, nk, origin, &grid0, &hit[k], err);
        if (!hit[k])
            todo[ntodo++] = k;
    }
    if (st == FC_OK && o->progress && nk > ntodo)
        o->progress(o->progress_user, nk - ntodo, nk);
    /* The frontier (the zones' outline) only when an origin is computed. */
    if (st == FC_OK && ntodo > 0)
        st = fc_frontier_create(w, zs, FC_BORDER_TOLERANCE_M, o->threads, o->cache, &fr, err);
    if (st == FC_OK && ntodo > 0) {
        origins_job job = {.zs = zs, .series = series, .table = table, .xy = xy, .hist = hist,
                           .np = np, .o = o, .fr = fr, .todo = todo, .ntodo = ntodo,
                           .res = res, .lock = PTHREAD_MUTEX_INITIALIZER,
                           .done = nk - ntodo, .nk = nk};
        atomic_init(&job.next, 0);
        fc_run_threads(fc_thread_count(o->threads, ntodo), origins_thread, &job);
        pthread_mutex_destroy(&job.lock);
    }
    /* In the origins' order: the first failure is the one reported, and
     * the cache is written by this thread only. */
    for (size_t k = 0; st == FC_OK && k < nk; k++) {
        const fc_day origin = origin_day(o, k);
        if (!hit[k]) {
            st = res[k].st;
            if (st != FC_OK)
                *err = res[k].err;
            else
                st = add_origin(p, k, nk, &res[k], &grid0, err);
        }
        if (st == FC_OK && !hit[k] && o->cache) {
            size_t size;
            void *b = blob_of(p, k, &grid0, &size);
            if (b)
                st = o->cache->put(o->cache->user, params, INT32_MIN, origin, b, size, err);
            free(b);
        }
        if (st == FC_OK) {
            p->origin[k] = origin;
            p->norigins = k + 1;
        }
    }
    for (size_t k = 0; res && k < nk; k++)
        origin_result_free(&res[k]);
    free(res);
    free(todo);
    free(hit);
    fc_frontier_destroy(w, fr);
    if (st != FC_OK) {
        fc_place_predictions_destroy(p);
        return st;
    }
    *out = p;
    return FC_OK;
}

/* A score, or a lower bound of one (censored). */
typedef struct scored {
    double v;
    bool event;
} scored;

/* By value; at a tie, observed scores before censored ones (a censored
 * place was still at risk when the others were scored). */
static int by_value(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (int)y->event - (int)x->event;
}

void fc_place_calibration_at(const fc_place_predictions *p, const fc_place_history *hist,
                             fc_day as_of, fc_place_cal *out)
{
    memset(out, 0, sizeof *out);
    out->q80 = INFINITY;
    const double K = FC_PLACE_CAL_OFFSET_DAYS;
    size_t cap = 0, nk = 0;
    for (size_t k = 0; k < p->norigins && p->origin[k] < as_of; k++) {
        cap += p->nplaces + p->ncells;
        nk = k + 1;
    }
    /* The origins whose control is known on as_of: those on or before it. */
    size_t known = nk;
    while (known < p->norigins && p->origin[known] <= as_of)
        known++;
    scored *s = malloc((cap + 1) * sizeof *s);
    int32_t *next = p->ncells ? malloc(p->ncells * sizeof *next) : NULL;
    if (!s || (p->ncells && !next)) {
        free(s);
        free(next);
        return; /* no calibration: the area-calibrated bounds stand */
    }
    size_t n = 0, captured = 0;
    for (size_t k = 0; k < p->norigins && p->origin[k] < as_of; k++)
        for (size_t i = 0; i < p->nplaces; i++) {
            const double pred = p->days[k * p->nplaces + i];
            if (!isfinite(pred))
                continue; /* not a candidate, or never predicted */
            const fc_day fh = hist[i].first_held;
            if (fh != FC_NO_DAY && fh <= as_of) {
                const double obs = (double)(fh - p->origin[k]);
                s[n++] = (scored){fabs(log((obs + K) / (pred + K))), true};
                captured++;
            } else if (pred < (double)(as_of - p->origin[k])) {
                /* Not captured by as_of although predicted before: its score
                 * is at least that of a capture on as_of. */
                const double c = (double)(as_of - p->origin[k]);
                s[n++] = (scored){log((c + K) / (pred + K)), false};
            }
        }
    /* The cells, origins from the latest back: next[j] is the first known
     * origin after k where cell j is held (-1: none by as_of). */
    for (size_t j = 0; j < p->ncells; j++)
        next[j] = -1;
    for (size_t k = p->ncells ? known : 0; k-- > 0;) {
        const float *days = &p->cell_days[k * p->ncells];
        const double last = (double)(p->origin[known - 1] - p->origin[k]);
        for (size_t j = 0; k < nk && j < p->ncells; j++) {
            const double pred = days[j];
            if (!isfinite(pred))
                continue;
            if (next[j] >= 0) {
                const double obs = fmax(1, (double)(p->origin[next[j]] - p->origin[k]) -
                                              0.5 * p->every_days);
                s[n++] = (scored){fabs(log((obs + K) / (pred + K))), true};
                captured++;
            } else if (pred < last) {
                s[n++] = (scored){log((last + K) / (pred + K)), false};
            }
        }
        const uint8_t *held = &p->cell_held[k * p->ncells];
        for (size_t j = 0; j < p->ncells; j++)
            if (held[j])
                next[j] = (int32_t)k;
    }
    free(next);
    out->n = n;
    out->captured = captured;
    if (n >= FC_PLACE_CAL_MIN_SCORES) {
        /* The Kaplan-Meier distribution of the scores (the censored ones
         * leave the risk set at their bound), and its quantile at 0.8 (n +
         * 1) / n, the conformal level of n scores: the first score where
         * the estimated share of scores at or below it reaches that. */
        qsort(s, n, sizeof *s, by_value);
        const double level = 0.8 * (double)(n + 1) / (double)n;
        double surv = 1;
        for (size_t i = 0; i < n; i++) {
            if (!s[i].event)
                continue;
            surv *= 1 - 1.0 / (double)(n - i);
            if (1 - surv >= level - 1e-12) {
                out->q80 = s[i].v;
                break;
            }
        }
    }
    free(s);
}

bool fc_place_cal_bounds(const fc_place_cal *c, double pred, double *lo, double *hi)
{
    if (c->n < FC_PLACE_CAL_MIN_SCORES || !isfinite(pred))
        return false;
    const double K = FC_PLACE_CAL_OFFSET_DAYS;
    if (!isfinite(c->q80)) { /* more misses than the level allows: no upper bound */
        *lo = 1;
        *hi = INFINITY;
        return true;
    }
    *lo = fmax(1, ceil((pred + K) * exp(-c->q80) - K));
    *hi = ceil((pred + K) * exp(c->q80) - K);
    return true;
}
