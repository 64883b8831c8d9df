/* Front lines over a whole series, on the series runner's threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/spatial.h"
#include "geo/worker.h"
#include "series/runner.h"

typedef struct lines_ctx {
    const fc_zoneset *zones;
    const fc_frontier *frontier;
    const fc_frontline_options *opts;
    fc_frontlines *out;
} lines_ctx;

/* A run's state: its own frontier and the previous snapshot's front. */
typedef struct lines_state {
    fc_frontier *frontier;
    GEOSGeometry *prev;
} lines_state;

static fc_status lines_begin(fc_worker *w, void *vctx, void **vstate, fc_error *err)
{
    lines_ctx *ctx = vctx;
    lines_state *s = calloc(1, sizeof *s);
    if (!s)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = fc_frontier_clone(w, ctx->frontier, &s->frontier, err);
    if (st != FC_OK) {
        free(s);
        return st;
    }
    *vstate = s;
    return FC_OK;
}

static void lines_end(fc_worker *w, void *vctx, void *vstate)
{
    (void)vctx;
    lines_state *s = vstate;
    if (s->prev)
        GEOSGeom_destroy_r(fc_worker_geos(w), s->prev);
    fc_frontier_destroy(w, s->frontier);
    free(s);
}

static fc_status lines_visit(fc_worker *w, void *vctx, void *vstate, size_t i,
                             const GEOSGeometry *control, bool record, fc_error *err)
{
    lines_ctx *ctx = vctx;
    lines_state *s = vstate;
    GEOSGeometry *front = NULL;
    fc_status st = fc_front_line(w, s->frontier, control, ctx->opts->min_length_m, &front, err);
    if (st == FC_OK && record) {
        fc_frontline_row *r = &ctx->out->rows[i];
        r->length_km = 0;
        r->shift_mean_km = r->shift_p90_km = NAN;
        if (s->prev)
            st = fc_front_shift(w, front, s->prev, ctx->opts->sample_m, &r->shift_mean_km,
                                &r->shift_p90_km, err);
        /* In lon/lat once, for its length and for the row. */
        GEOSGeometry *ll = NULL;
        if (st == FC_OK && !GEOSisEmpty_r(w->geos, front) &&
            (st = fc_reproject(w, front, ctx->zones->crs, "OGC:CRS84", &ll, err)) == FC_OK) {
            r->length_km = fc_geodesic_length_m(w, ll) / 1000;
            r->wkb = GEOSGeomToWKB_buf_r(w->geos, ll, &r->wkb_size);
            GEOSGeom_destroy_r(w->geos, ll);
        }
    }
    if (s->prev)
        GEOSGeom_destroy_r(w->geos, s->prev);
    s->prev = front;
    return st;
}

void fc_frontlines_destroy(fc_frontlines *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->rows[i].wkb);
    free(f->rows);
    free(f);
}

fc_status fc_frontlines_compute(const fc_zoneset *zs, const fc_series *series,
                                const fc_frontline_options *in, fc_frontlines **out,
                                fc_error *err)
{
    *out = NULL;
    fc_frontline_options o = *in;
    if (!(o.tolerance_m > 0))
        o.tolerance_m = FC_BORDER_TOLERANCE_M;
    if (!(o.min_length_m >= 0))
        o.min_length_m = FC_FRONT_MIN_LENGTH_M;
    if (!(o.sample_m > 0))
        o.sample_m = FC_FRONT_SAMPLE_M;
    fc_worker *w = fc_worker_create();
    fc_frontlines *f = calloc(1, sizeof *f);
    fc_frontier *fr = NULL;
    fc_status st = FC_OK;
    if (!w || !f || !(f->rows = calloc(fc_series_count(series) + 1, sizeof *f->rows))) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    f->n = fc_series_count(series);
    for (size_t i = 0; i < f->n; i++)
        f->rows[i].date = fc_series_date(series, i);
    st = fc_frontier_create(w, zs, o.tolerance_m, o.threads, o.cache, &fr, err);
    if (st != FC_OK)
        goto cleanup;
    lines_ctx ctx = {zs, fr, &o, f};
    static const fc_snapshot_task task = {lines_begin, lines_end, lines_visit};
    fc_run_options ro = {.threads = o.threads, .crs = zs->crs, .diag = o.diag,
                         .progress = o.progress, .progress_user = o.progress_user, .only = o.only};
    st = fc_series_run(series, &task, &ctx, &ro, NULL, err);
cleanup:
    if (w)
        fc_frontier_destroy(w, fr);
    fc_worker_destroy(w);
    if (st != FC_OK) {
        fc_frontlines_destroy(f);
        return st;
    }
    *out = f;
    return FC_OK;
}
