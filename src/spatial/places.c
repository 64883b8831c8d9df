/* Places: their coordinates and their observed timeline (the reader is in io). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/forecast.h"
#include "frontcast/geodesy.h"
#include "frontcast/places.h"
#include "series/runner.h"

fc_status fc_places_xy(fc_worker *w, const fc_places *places, const char *crs, double **out,
                       fc_error *err)
{
    double *xy = malloc((2 * places->n + 2) * sizeof *xy);
    if (!xy)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < places->n; i++) {
        xy[2 * i] = places->p[i].lon;
        xy[2 * i + 1] = places->p[i].lat;
    }
    fc_status st = places->n ? fc_reproject_xy(w, "OGC:CRS84", crs, xy, places->n, err) : FC_OK;
    if (st != FC_OK) {
        free(xy);
        xy = NULL;
    }
    *out = xy;
    return st;
}

/* What the threads share: the places in the working CRS, and one flag per
 * (snapshot, place), each snapshot's row written by the one thread that
 * visits it. */
typedef struct timeline_ctx {
    const double *xy;
    size_t np;
    unsigned char *inside; /* [snapshot * np + place] */
} timeline_ctx;

/* Per run: the places as GEOS points of the run's worker. */
static fc_status tl_begin(fc_worker *w, void *vctx, void **state, fc_error *err)
{
    const timeline_ctx *ctx = vctx;
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry **pts = calloc(ctx->np + 1, sizeof *pts);
    if (!pts)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ctx->np; i++)
        if (!(pts[i] = GEOSGeom_createPointFromXY_r(h, ctx->xy[2 * i], ctx->xy[2 * i + 1]))) {
            for (size_t k = 0; k < i; k++)
                GEOSGeom_destroy_r(h, pts[k]);
            free(pts);
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        }
    *state = pts;
    return FC_OK;
}

static void tl_end(fc_worker *w, void *vctx, void *state)
{
    const timeline_ctx *ctx = vctx;
    GEOSGeometry **pts = state;
    for (size_t i = 0; pts && i < ctx->np; i++)
        GEOSGeom_destroy_r(fc_worker_geos(w), pts[i]);
    free(pts);
}

static fc_status tl_visit(fc_worker *w, void *vctx, void *state, size_t k,
                          const GEOSGeometry *control, bool record, fc_error *err)
{
    timeline_ctx *ctx = vctx;
    if (!record)
        return FC_OK; /* nothing carries over from the previous snapshot */
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry **pts = state;
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, control);
    if (!prep)
        return fc_error_set(err, FC_ERR_GEOM, "cannot prepare a control area");
    for (size_t i = 0; i < ctx->np; i++)
        ctx->inside[k * ctx->np + i] = GEOSPreparedIntersects_r(h, prep, pts[i]) == 1;
    GEOSPreparedGeom_destroy_r(h, prep);
    return FC_OK;
}

fc_status fc_places_timeline(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                             const fc_places *places, const fc_places_timeline_options *o,
                             fc_place_history **out, fc_error *err)
{
    *out = NULL;
    GEOSContextHandle_t h = fc_worker_geos(w);
    const size_t np = places->n, ns = fc_series_count(series);
    fc_place_history *hist = calloc(np + 1, sizeof *hist);
    double *xy = NULL;
    unsigned char *inside = calloc(ns * np + 1, 1);
    fc_status st = hist && inside ? fc_places_xy(w, places, zs->crs, &xy, err)
                                  : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == FC_OK && i < np; i++)
        hist[i].first_held = hist[i].last_free = FC_NO_DAY;
    /* The zone of each place; prepared, since full-resolution zones have
     * thousands of vertices and there are hundreds of places. */
    const GEOSPreparedGeometry **prep = calloc(zs->n + 1, sizeof *prep);
    if (st == FC_OK && !prep)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t z = 0; st == FC_OK && z < zs->n; z++)
        if (!(prep[z] = GEOSPrepare_r(h, zs->zones[z].geom)))
            st = fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
    for (size_t i = 0; st == FC_OK && i < np; i++) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, xy[2 * i], xy[2 * i + 1]);
        if (!pt)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        for (size_t z = 0; st == FC_OK && z < zs->n && !hist[i].zone_id; z++)
            if (GEOSPreparedIntersects_r(h, prep[z], pt) == 1)
                hist[i].zone_id = zs->zones[z].id;
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    for (size_t z = 0; prep && z < zs->n; z++)
        if (prep[z])
            GEOSPreparedGeom_destroy_r(h, prep[z]);
    free(prep);
    /* Each snapshot's row from the cache where it has it; the others read. */
    bool *only = NULL;
    size_t nread = ns;
    char params[64];
    snprintf(params, sizeof params, "places-timeline-v1 %zu", np);
    if (st == FC_OK && np && ns && o->cache) {
        only = calloc(ns, sizeof *only);
        nread = 0;
        if (!only)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        for (size_t k = 0; st == FC_OK && k < ns; k++) {
            const fc_day d = fc_series_date(series, k);
            void *data = NULL;
            size_t size = 0;
            bool found = false;
            st = o->cache->get(o->cache->user, params, d, d, &data, &size, &found, err);
            if (st == FC_OK && found && size == np) {
                memcpy(&inside[k * np], data, np);
            } else {
                only[k] = true;
                nread++;
            }
            free(data);
        }
    }
    if (st == FC_OK && np && nread) {
        timeline_ctx ctx = {xy, np, inside};
        const fc_snapshot_task task = {tl_begin, tl_end, tl_visit};
        fc_run_options ro = {.threads = o->threads, .crs = zs->crs, .diag = o->diag,
                             .progress = o->progress, .progress_user = o->progress_user,
                             .only = only};
        st = fc_series_run(series, &task, &ctx, &ro, NULL, err);
    }
    for (size_t k = 0; st == FC_OK && only && k < ns; k++)
        if (only[k]) {
            const fc_day d = fc_series_date(series, k);
            st = o->cache->put(o->cache->user, params, d, d, &inside[k * np], np, err);
        }
    free(only);
    /* Each place's history, in date order. */
    for (size_t i = 0; st == FC_OK && i < np; i++) {
        fc_place_history *p = &hist[i];
        for (size_t k = 0; k < ns; k++) {
            const bool in = inside[k * np + i];
            if (k > 0 && in != (bool)inside[(k - 1) * np + i])
                p->changes++;
            if (in && p->first_held == FC_NO_DAY) {
                p->first_held = fc_series_date(series, k);
                p->last_free = k > 0 ? fc_series_date(series, k - 1) : FC_NO_DAY;
            }
        }
        p->held_now = ns > 0 && inside[(ns - 1) * np + i];
    }
    free(xy);
    free(inside);
    if (st != FC_OK) {
        free(hist);
        return st;
    }
    *out = hist;
    return FC_OK;
}
