#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "frontcast/areas.h"
#include "geo/worker.h"

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
    free(t->dates);
    free(t->rows);
    free(t);
}

/* State shared by the worker threads. */
typedef struct job {
    const fc_zoneset *zones;
    const fc_series *series;
    const fc_areas_options *opts;
    const fc_overlay *overlay;
    fc_area_table *table;
    size_t nchunks;
    atomic_size_t next_chunk;
    atomic_size_t done;
    atomic_int failed;
    pthread_mutex_t lock; /* guards err and timing */
    fc_error err;
    fc_areas_timing timing;
} job;

static void fail(job *j, const fc_error *e)
{
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->failed)) {
        j->err = *e;
        atomic_store(&j->failed, 1);
    }
    pthread_mutex_unlock(&j->lock);
}

/* Stores the controlled polygons of date d as lon/lat WKB for export. */
static fc_status keep_geometry(job *j, fc_worker *w, size_t d, const GEOSGeometry *control,
                               fc_error *err)
{
    const fc_zoneset *zs = j->zones;
    fc_area_table *t = j->table;
    for (size_t z = 0; z <= zs->n; z++) {
        GEOSGeometry *part = z < zs->n ? fc_overlay_zone_part(w, zs->zones[z].geom, control)
                                       : GEOSGeom_clone_r(w->geos, control);
        if (!part)
            return fc_error_set(err, FC_ERR_GEOM, "%s: overlay failed: %s",
                                fc_series_source(j->series, d), fc_worker_geos_error(w));
        GEOSGeometry *ll = NULL;
        fc_status st = GEOSisEmpty_r(w->geos, part)
                           ? FC_OK
                           : fc_reproject(w, part, zs->crs, "OGC:CRS84", &ll, err);
        GEOSGeom_destroy_r(w->geos, part);
        if (st != FC_OK)
            return st;
        if (!ll)
            continue;
        size_t i = d * (zs->n + 1) + z;
        t->wkb[i] = GEOSGeomToWKB_buf_r(w->geos, ll, &t->wkb_size[i]);
        GEOSGeom_destroy_r(w->geos, ll);
        if (!t->wkb[i])
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    return FC_OK;
}

/* Reads and measures snapshot i; when record is false only primes st. */
static fc_status measure_one(job *j, fc_worker *w, fc_overlay_state *st, size_t i, bool record,
                             fc_measure *scratch, fc_areas_timing *tm, fc_error *err)
{
    const fc_zoneset *zs = j->zones;
    GEOSGeometry *control = NULL;
    fc_read_info info;
    fc_status s = fc_series_read(j->series, i, w, zs->crs, record ? j->opts->diag : NULL, &control,
                                 &info, err);
    tm->read_s += info.read_seconds;
    tm->prepare_s += info.prepare_seconds;
    if (s != FC_OK)
        return s;
    double t0 = fc_now();
    fc_measure *rows = record ? fc_area_row(j->table, i, 0) : scratch;
    s = fc_overlay_measure(w, j->overlay, st, control, rows, rows + zs->n,
                           record ? &tm->overlay : NULL, err);
    if (s != FC_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        fc_error_set(err, s, "%s: %s", fc_series_source(j->series, i), msg);
    }
    if (s == FC_OK && record && j->table->wkb)
        s = keep_geometry(j, w, i, control, err);
    tm->overlay_s += fc_now() - t0;
    if (record) {
        tm->snapshots++;
        tm->repaired += (size_t)info.repaired;
    }
    GEOSGeom_destroy_r(w->geos, control);
    return s;
}

static void *worker_main(void *arg)
{
    job *j = arg;
    const size_t n = fc_series_count(j->series);
    fc_areas_timing tm = {0};
    fc_error err = {0};
    fc_worker *w = fc_worker_create();
    fc_measure *scratch = calloc(j->zones->n + 1, sizeof *scratch);
    if (!w || !scratch) {
        fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        fail(j, &err);
        goto done;
    }
    for (;;) {
        size_t c = atomic_fetch_add(&j->next_chunk, 1);
        if (c >= j->nchunks || atomic_load(&j->failed))
            break;
        size_t start = c * n / j->nchunks, end = (c + 1) * n / j->nchunks;
        fc_overlay_state *st = NULL;
        fc_status s = fc_overlay_state_create(w, j->overlay, &st, &err);
        /* Gains need the snapshot before the run's first one. If it cannot
         * be read, the run that owns it reports the error (with its
         * warnings); here it only means no gains, and the run fails anyway. */
        if (s == FC_OK && start > 0) {
            fc_error ignored;
            measure_one(j, w, st, start - 1, false, scratch, &tm, &ignored);
        }
        for (size_t i = start; s == FC_OK && i < end && !atomic_load(&j->failed); i++) {
            s = measure_one(j, w, st, i, true, scratch, &tm, &err);
            size_t done = atomic_fetch_add(&j->done, 1) + 1;
            if (s == FC_OK && j->opts->progress)
                j->opts->progress(j->opts->progress_user, done, n);
        }
        fc_overlay_state_destroy(w, st);
        if (s != FC_OK) {
            fail(j, &err);
            break;
        }
    }
done:
    pthread_mutex_lock(&j->lock);
    j->timing.read_s += tm.read_s;
    j->timing.prepare_s += tm.prepare_s;
    j->timing.overlay_s += tm.overlay_s;
    j->timing.snapshots += tm.snapshots;
    j->timing.repaired += tm.repaired;
    j->timing.overlay.tiles_changed += tm.overlay.tiles_changed;
    j->timing.overlay.tiles_reused += tm.overlay.tiles_reused;
    j->timing.overlay.intersections += tm.overlay.intersections;
    pthread_mutex_unlock(&j->lock);
    free(scratch);
    fc_worker_destroy(w);
    return NULL;
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
    }
    if (!t->dates || !t->rows || (with_wkb && (!t->wkb || !t->wkb_size))) {
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
    const size_t n = fc_series_count(series);
    int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = (int)(n ? n : 1);

    fc_status st = FC_OK;
    fc_worker *w = fc_worker_create();
    GEOSGeometry const **geoms = calloc(zones->n ? zones->n : 1, sizeof *geoms);
    fc_overlay *ov = NULL;
    fc_area_table *t = table_new(series, zones->n, opts->keep_geometry);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    job j;
    memset(&j, 0, sizeof j);
    pthread_mutex_init(&j.lock, NULL);
    if (!w || !geoms || !t || !tids) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t z = 0; z < zones->n; z++)
        geoms[z] = zones->zones[z].geom;
    st = fc_overlay_create(w, geoms, zones->n, opts->tile_m > 0 ? opts->tile_m : DEFAULT_TILE_M,
                           &ov, err);
    if (st != FC_OK)
        goto cleanup;

    j.zones = zones;
    j.series = series;
    j.opts = opts;
    j.overlay = ov;
    j.table = t;
    /* Several runs per thread balance the load; each run costs one extra
     * read (the snapshot before it), so not too many. */
    j.nchunks = threads == 1 ? 1 : (size_t)threads * 4;
    if (j.nchunks > n)
        j.nchunks = n ? n : 1;
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker_main, &j) != 0)
            break;
    if (started == 0) {
        st = fc_error_set(err, FC_ERR_NOMEM, "cannot start worker threads");
        goto cleanup;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (atomic_load(&j.failed)) {
        st = fc_error_set(err, j.err.code, "%s", j.err.msg);
        goto cleanup;
    }
    bool overlap = false;
    for (size_t d = 0; d < t->ndates && !overlap; d++)
        for (size_t z = 0; z < t->nzones && !overlap; z++)
            overlap = fc_area_row(t, d, z)->controlled_m2 > 0;
    if (!overlap && n > 0) {
        st = fc_error_set(err, FC_ERR_NO_OVERLAP,
                          "%s: no control area overlaps any zone of %s (wrong CRS, or wrong files?)",
                          fc_series_source(series, 0), zones->path);
        goto cleanup;
    }
cleanup:
    if (timing) {
        *timing = j.timing;
        timing->threads = threads;
        timing->wall_s = fc_now() - t_start;
    }
    pthread_mutex_destroy(&j.lock);
    free(tids);
    free(geoms);
    if (w)
        fc_overlay_destroy(w, ov);
    fc_worker_destroy(w);
    if (st != FC_OK) {
        fc_area_table_destroy(t);
        return st;
    }
    *out = t;
    return FC_OK;
}
