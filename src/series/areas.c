#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/areas.h"
#include "frontcast/border.h"
#include "geo/worker.h"
#include "series/runner.h"

/* Measured on the DeepStateMap history (tools/bench-areas): 40 km tiles
 * balance clipping cost (more tiles) against overlay cost (bigger tiles). */
#define DEFAULT_TILE_M 40000.0

void fc_area_table_destroy(fc_area_table *t)
{
    if (!t)
        return;
    if (t->wkb) {
        for (size_t i = 0; i < t->ndates * (t->nzones + 1); i++)
            free(t->wkb[i]);
        free(t->wkb);
    }
    free(t->wkb_size);
    free(t->with_wkb);
    free(t->dates);
    free(t->rows);
    free(t);
}

/* What the snapshot visits share. */
typedef struct areas_ctx {
    const fc_zoneset *zones;
    const fc_series *series;
    const fc_overlay *overlay;
    const fc_border *border;
    fc_area_table *table;
    bool whole_geometry;  /* keep the whole layer's polygon too */
    pthread_mutex_t lock; /* guards stats */
    fc_overlay_stats stats;
} areas_ctx;

/* One run's state: the overlay's previous tiles. */
typedef struct areas_state {
    fc_overlay_state *ov;
    fc_border_state *border;
    fc_measure *scratch; /* results of the snapshot before the run */
    fc_overlay_stats stats;
    /* The zones' polygons of the last snapshot measured, when it was kept
     * (prev_ok): a zone whose control did not change has them again. */
    unsigned char **prev_wkb;
    size_t *prev_size;
    bool prev_ok;
} areas_state;

static fc_status areas_begin(fc_worker *w, void *vctx, void **vstate, fc_error *err)
{
    areas_ctx *ctx = vctx;
    areas_state *s = calloc(1, sizeof *s);
    if (s) {
        s->scratch = calloc(ctx->zones->n + 1, sizeof *s->scratch);
        s->prev_wkb = calloc(ctx->zones->n + 1, sizeof *s->prev_wkb);
        s->prev_size = calloc(ctx->zones->n + 1, sizeof *s->prev_size);
    }
    if (!s || !s->scratch || !s->prev_wkb || !s->prev_size) {
        if (s) {
            free(s->scratch);
            free(s->prev_wkb);
            free(s->prev_size);
        }
        free(s);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    fc_status st = fc_overlay_state_create(w, ctx->overlay, &s->ov, err);
    if (st == FC_OK) {
        st = fc_border_state_create(w, ctx->border, &s->border, err);
        if (st != FC_OK)
            fc_overlay_state_destroy(w, s->ov);
    }
    if (st != FC_OK) {
        free(s->scratch);
        free(s->prev_wkb);
        free(s->prev_size);
        free(s);
        return st;
    }
    *vstate = s;
    return FC_OK;
}

static void areas_end(fc_worker *w, void *vctx, void *vstate)
{
    areas_ctx *ctx = vctx;
    areas_state *s = vstate;
    pthread_mutex_lock(&ctx->lock);
    ctx->stats.tiles_changed += s->stats.tiles_changed;
    ctx->stats.tiles_reused += s->stats.tiles_reused;
    ctx->stats.intersections += s->stats.intersections;
    pthread_mutex_unlock(&ctx->lock);
    fc_overlay_state_destroy(w, s->ov);
    fc_border_state_destroy(w, s->border);
    for (size_t z = 0; z < ctx->zones->n; z++)
        free(s->prev_wkb[z]);
    free(s->prev_wkb);
    free(s->prev_size);
    free(s->scratch);
    free(s);
}

/* A copy of n bytes (NULL for none); *ok false when out of memory. */
static unsigned char *copy_bytes(const unsigned char *b, size_t n, bool *ok)
{
    unsigned char *c = b && n ? malloc(n) : NULL;
    if (c)
        memcpy(c, b, n);
    *ok = !b || !n || c;
    return c;
}

/* Stores the controlled polygons of date d as lon/lat WKB for export: a
 * zone whose control did not change since the snapshot s measured before
 * takes that one's polygon again (the same point set: the overlay
 * compared its tiles to the vertex), which saves most of the intersections
 * with full-resolution outlines, as few zones move on a given day. */
static fc_status keep_geometry(areas_ctx *ctx, areas_state *s, fc_worker *w, size_t d,
                               const GEOSGeometry *control, fc_error *err)
{
    const fc_zoneset *zs = ctx->zones;
    fc_area_table *t = ctx->table;
    const bool *changed = fc_overlay_zones_changed(s->ov);
    const bool reuse = s->prev_ok;
    s->prev_ok = false; /* until this date's polygons are all kept */
    for (size_t z = 0; z < zs->n + ctx->whole_geometry; z++) {
        size_t i = d * (zs->n + 1) + z;
        if (z < zs->n && reuse && !changed[z]) {
            bool ok;
            t->wkb[i] = copy_bytes(s->prev_wkb[z], s->prev_size[z], &ok);
            t->wkb_size[i] = t->wkb[i] ? s->prev_size[z] : 0;
            if (!ok)
                return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            continue;
        }
        GEOSGeometry *part = z < zs->n ? fc_overlay_zone_part(w, zs->zones[z].geom, control)
                                       : GEOSGeom_clone_r(w->geos, control);
        if (!part)
            return fc_error_set(err, FC_ERR_GEOM, "overlay failed: %s", fc_worker_geos_error(w));
        GEOSGeometry *ll = NULL;
        fc_status st = GEOSisEmpty_r(w->geos, part)
                           ? FC_OK
                           : fc_reproject(w, part, zs->crs, "OGC:CRS84", &ll, err);
        /* A polygon valid in the working CRS can cross itself by a hair in
         * lon/lat (edges bend differently): repaired, as readers check. */
        if (st == FC_OK && ll)
            st = fc_repair(w, &ll, NULL, err);
        GEOSGeom_destroy_r(w->geos, part);
        if (st != FC_OK)
            return st;
        if (!ll)
            continue;
        t->wkb[i] = GEOSGeomToWKB_buf_r(w->geos, ll, &t->wkb_size[i]);
        GEOSGeom_destroy_r(w->geos, ll);
        if (!t->wkb[i])
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    t->with_wkb[d] = true;
    /* This date's polygons, for the next. */
    for (size_t z = 0; z < zs->n; z++) {
        size_t i = d * (zs->n + 1) + z;
        bool ok;
        free(s->prev_wkb[z]);
        s->prev_wkb[z] = copy_bytes(t->wkb[i], t->wkb_size[i], &ok);
        s->prev_size[z] = t->wkb_size[i];
        if (!ok)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    s->prev_ok = true;
    return FC_OK;
}

static fc_status areas_visit(fc_worker *w, void *vctx, void *vstate, size_t i,
                             const GEOSGeometry *control, bool record, fc_error *err)
{
    areas_ctx *ctx = vctx;
    areas_state *s = vstate;
    fc_measure *rows = record ? fc_area_row(ctx->table, i, 0) : s->scratch;
    fc_status st = fc_overlay_measure(w, ctx->overlay, s->ov, control, rows, rows + ctx->zones->n,
                                      record ? &s->stats : NULL, err);
    if (st == FC_OK)
        st = fc_border_measure(w, ctx->border, s->border, s->ov, control, rows, err);
    if (st == FC_OK && record && ctx->table->wkb)
        st = keep_geometry(ctx, s, w, i, control, err);
    else
        s->prev_ok = false; /* the polygons kept are no longer the last measured */
    return st;
}

static fc_area_table *table_new(const fc_series *series, size_t nzones, bool with_wkb)
{
    fc_area_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ndates = fc_series_count(series);
    t->nzones = nzones;
    size_t nrows = t->ndates * (nzones + 1);
    t->dates = calloc(t->ndates ? t->ndates : 1, sizeof *t->dates);
    t->rows = calloc(nrows ? nrows : 1, sizeof *t->rows);
    if (with_wkb) {
        t->wkb = calloc(nrows ? nrows : 1, sizeof *t->wkb);
        t->wkb_size = calloc(nrows ? nrows : 1, sizeof *t->wkb_size);
        t->with_wkb = calloc(t->ndates ? t->ndates : 1, sizeof *t->with_wkb);
    }
    if (!t->dates || !t->rows || (with_wkb && (!t->wkb || !t->wkb_size || !t->with_wkb))) {
        fc_area_table_destroy(t);
        return NULL;
    }
    for (size_t d = 0; d < t->ndates; d++)
        t->dates[d] = fc_series_date(series, d);
    return t;
}

fc_status fc_areas_compute(const fc_zoneset *zones, const fc_series *series,
                           const fc_areas_options *opts, fc_area_table **out,
                           fc_areas_timing *timing, fc_error *err)
{
    static const fc_areas_options defaults = {0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    const double t_start = fc_now();
    fc_status st = FC_OK;
    fc_worker *w = fc_worker_create();
    GEOSGeometry const **geoms = calloc(zones->n ? zones->n : 1, sizeof *geoms);
    fc_overlay *ov = NULL;
    fc_border *border = NULL;
    fc_area_table *t = table_new(series, zones->n, opts->keep_geometry);
    areas_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    pthread_mutex_init(&ctx.lock, NULL);
    fc_run_timing rt = {0};
    double setup_s = 0;
    if (!w || !geoms || !t) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t z = 0; z < zones->n; z++)
        geoms[z] = zones->zones[z].geom;
    const fc_run_options ro = {.threads = opts->threads, .crs = zones->crs, .diag = opts->diag,
                               .progress = opts->progress, .progress_user = opts->progress_user,
                               .only = opts->only, .read_errors = opts->read_errors};
    /* The zones' grid and the border take one core: the first snapshots
     * are read on another meanwhile, if the series keeps what it reads. */
    fc_prefetch *ahead = fc_series_prefetch_start(series, &ro);
    st = fc_overlay_create(w, geoms, zones->n, opts->tile_m > 0 ? opts->tile_m : DEFAULT_TILE_M,
                           &ov, err);
    if (st == FC_OK)
        st = fc_border_create(w, ov, geoms, zones->n, FC_BORDER_TOLERANCE_M, opts->threads,
                              opts->cache, &border, err);
    fc_series_prefetch_stop(ahead);
    setup_s = fc_now() - t_start;
    if (st != FC_OK)
        goto cleanup;
    t->raw_border = opts->raw_border;
    ctx.zones = zones;
    ctx.series = series;
    ctx.overlay = ov;
    ctx.border = border;
    ctx.table = t;
    ctx.whole_geometry = !opts->zone_geometry_only;
    static const fc_snapshot_task task = {areas_begin, areas_end, areas_visit};
    st = fc_series_run(series, &task, &ctx, &ro, &rt, err);
    if (st != FC_OK)
        goto cleanup;
    bool overlap = opts->only != NULL; /* a partial run: the caller knows the rest */
    for (size_t d = 0; d < t->ndates && !overlap; d++)
        for (size_t z = 0; z < t->nzones && !overlap; z++)
            overlap = fc_area_row(t, d, z)->controlled_m2 > 0;
    if (!overlap && t->ndates > 0)
        st = fc_error_set(err, FC_ERR_NO_OVERLAP,
                          "%s: no control area overlaps any zone of %s (wrong CRS, or wrong files?)",
                          fc_series_source(series, 0), zones->path);
cleanup:
    if (timing) {
        memset(timing, 0, sizeof *timing);
        timing->read_s = rt.read_s;
        timing->prepare_s = rt.prepare_s;
        timing->overlay_s = rt.visit_s;
        timing->snapshots = rt.snapshots;
        timing->repaired = rt.repaired;
        timing->threads = rt.threads;
        timing->overlay = ctx.stats;
        timing->wall_s = fc_now() - t_start;
        timing->setup_s = setup_s;
    }
    pthread_mutex_destroy(&ctx.lock);
    free(geoms);
    if (w) {
        fc_border_destroy(w, border);
        fc_overlay_destroy(w, ov);
    }
    fc_worker_destroy(w);
    if (st != FC_OK) {
        fc_area_table_destroy(t);
        return st;
    }
    *out = t;
    return FC_OK;
}
