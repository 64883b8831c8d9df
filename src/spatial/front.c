#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geodesic.h>

#include "core/util.h"
#include "frontcast/spatial.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "model/stats.h"
#include "spatial/grid.h"

struct fc_frontier {
    GEOSGeometry *country;  /* union of the zones */
    GEOSGeometry *interior; /* the country shrunk by the tolerance */
    double tolerance_m;
};

void fc_frontier_destroy(fc_worker *w, fc_frontier *f)
{
    if (!f)
        return;
    if (f->country)
        GEOSGeom_destroy_r(w->geos, f->country);
    if (f->interior)
        GEOSGeom_destroy_r(w->geos, f->interior);
    free(f);
}

const GEOSGeometry *fc_frontier_country(const fc_frontier *f)
{
    return f->country;
}

/* The frontier of zs, computed (fc_frontier_create). */
static fc_status build(fc_worker *w, const fc_zoneset *zs, double tolerance_m, int threads,
                       fc_frontier **out, fc_error *err)
{
    *out = NULL;
    fc_frontier *f = calloc(1, sizeof *f);
    const GEOSGeometry **parts = calloc(zs->n ? zs->n : 1, sizeof *parts);
    if (!f || !parts) {
        free(f);
        free((void *)parts);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    f->tolerance_m = tolerance_m;
    for (size_t z = 0; z < zs->n; z++)
        parts[z] = zs->zones[z].geom;
    /* A twentieth of the tolerance: the interior decides which control
     * edges are front, to within that. */
    fc_status st = fc_country_outline(w, parts, zs->n, threads, &tolerance_m, 1, 1.0 / 20,
                                      &f->country, &f->interior, err);
    free((void *)parts);
    if (st != FC_OK) {
        fc_frontier_destroy(w, f);
        return st;
    }
    *out = f;
    return FC_OK;
}

/* The frontier as a cache blob (fc_geoms_blob): the country and the
 * interior. NULL when out of memory (nothing cached). */
static void *frontier_blob(fc_worker *w, const fc_frontier *f, size_t *size)
{
    const GEOSGeometry *g[2] = {f->country, f->interior};
    return fc_geoms_blob(w, NULL, 0, g, 2, size);
}

/* The frontier from a cache blob; NULL if it is not one. */
static fc_frontier *frontier_of_blob(fc_worker *w, const unsigned char *b, size_t size,
                                     double tolerance_m)
{
    GEOSGeometry *g[2] = {NULL, NULL};
    fc_frontier *f = calloc(1, sizeof *f);
    if (f && fc_geoms_of_blob(w, b, size, g, 2) && g[0] && g[1]) {
        f->country = g[0];
        f->interior = g[1];
        f->tolerance_m = tolerance_m;
        return f;
    }
    for (int i = 0; i < 2; i++)
        if (g[i])
            GEOSGeom_destroy_r(w->geos, g[i]);
    free(f);
    return NULL;
}

fc_status fc_frontier_create(fc_worker *w, const fc_zoneset *zs, double tolerance_m, int threads,
                             const fc_result_cache *cache, fc_frontier **out, fc_error *err)
{
    *out = NULL;
    /* The zones only: no snapshot (first > last). */
    char params[64];
    snprintf(params, sizeof params, "frontier-v2 tolerance %.17g", tolerance_m);
    if (cache) {
        void *data = NULL;
        size_t size = 0;
        bool found = false;
        fc_status st = cache->get(cache->user, params, INT32_MAX, INT32_MIN, &data, &size, &found,
                                  err);
        if (st == FC_OK && found)
            *out = frontier_of_blob(w, data, size, tolerance_m);
        free(data);
        if (st != FC_OK || *out)
            return st;
    }
    fc_status st = build(w, zs, tolerance_m, threads, out, err);
    if (st == FC_OK && cache) {
        size_t size;
        void *b = frontier_blob(w, *out, &size);
        if (b)
            st = cache->put(cache->user, params, INT32_MAX, INT32_MIN, b, size, err);
        free(b);
        if (st != FC_OK) {
            fc_frontier_destroy(w, *out);
            *out = NULL;
        }
    }
    return st;
}

fc_status fc_frontier_clone(fc_worker *w, const fc_frontier *f, fc_frontier **out, fc_error *err)
{
    fc_frontier *c = calloc(1, sizeof *c);
    if (!c)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    c->tolerance_m = f->tolerance_m;
    c->country = GEOSGeom_clone_r(w->geos, f->country);
    c->interior = GEOSGeom_clone_r(w->geos, f->interior);
    if (!c->country || !c->interior) {
        fc_frontier_destroy(w, c);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    *out = c;
    return FC_OK;
}

fc_status fc_front_line(fc_worker *w, const fc_frontier *f, const GEOSGeometry *control,
                        double min_length_m, GEOSGeometry **out, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    *out = NULL;
    GEOSGeometry *boundary = GEOSBoundary_r(h, control);
    GEOSGeometry *inside = NULL, *merged = NULL;
    GEOSGeometry **keep = NULL;
    fc_status st = FC_OK;
    double b[4];
    if (!boundary)
        goto geos_failed;
    if (!fc_geom_bbox(w, boundary, b)) {
        *out = GEOSGeom_createEmptyCollection_r(h, GEOS_MULTILINESTRING);
        goto cleanup;
    }
    /* Only the interior near the control area takes part in the overlay. */
    GEOSGeometry *near = GEOSClipByRect_r(h, f->interior, b[0] - 1, b[1] - 1, b[2] + 1, b[3] + 1);
    if (!near)
        goto geos_failed;
    inside = GEOSIntersection_r(h, boundary, near);
    GEOSGeom_destroy_r(h, near);
    if (!inside)
        goto geos_failed;
    merged = GEOSLineMerge_r(h, inside);
    if (!merged)
        goto geos_failed;
    /* Keep the pieces long enough to be a front, not slivers. */
    int n = GEOSGetNumGeometries_r(h, merged), k = 0;
    keep = calloc(n > 0 ? (size_t)n : 1, sizeof *keep);
    if (!keep) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *line = GEOSGetGeometryN_r(h, merged, i);
        double len = 0;
        if (GEOSGeomTypeId_r(h, line) == GEOS_LINESTRING && GEOSLength_r(h, line, &len) &&
            len >= min_length_m)
            keep[k++] = GEOSGeom_clone_r(h, line);
    }
    *out = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, keep, (unsigned)k);
    if (!*out)
        goto geos_failed;
    goto cleanup;
geos_failed:
    st = fc_error_set(err, FC_ERR_GEOM, "front line extraction failed: %s", fc_worker_geos_error(w));
cleanup:
    free(keep);
    if (boundary)
        GEOSGeom_destroy_r(h, boundary);
    if (inside)
        GEOSGeom_destroy_r(h, inside);
    if (merged)
        GEOSGeom_destroy_r(h, merged);
    return st;
}

double fc_geodesic_length_km(fc_worker *w, const GEOSGeometry *lines, const char *crs)
{
    if (GEOSisEmpty_r(w->geos, lines))
        return 0;
    GEOSGeometry *ll = NULL;
    if (fc_reproject(w, lines, crs, "OGC:CRS84", &ll, NULL) != FC_OK)
        return NAN;
    const double km = fc_geodesic_length_m(w, ll) / 1000;
    GEOSGeom_destroy_r(w->geos, ll);
    return km;
}

/* One walk along a LineString for fc_sample_lines. */
typedef struct sample_walk {
    double step_m;
    fc_sample_fn fn;
    void *user;
    fc_error *err;
    fc_status st;
} sample_walk;

/* The length of the segment ending at vertex i, as GEOS measures it. */
static double seg_length(const double *xy, size_t i)
{
    const double dx = xy[2 * i] - xy[2 * i - 2], dy = xy[2 * i + 1] - xy[2 * i - 1];
    return sqrt(dx * dx + dy * dy);
}

/* The points GEOSInterpolate would give at step/2, 3 step/2, ... short of
 * the line's length (GEOS's LengthLocationMap: the first segment whose end
 * lies beyond the distance, a fraction along it), in one pass: asked one at
 * a time, GEOS walks from the line's start for each, and a front of 1,500
 * km sampled every km spent most of `frontline`'s time there. */
static int walk_samples(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)hole;
    sample_walk *c = user;
    double len = 0;
    for (size_t i = 1; i < n; i++)
        len += seg_length(xy, i);
    size_t i = 1;     /* the segment ending at vertex i */
    double total = 0; /* the length before it */
    for (double s = c->step_m / 2; s < len && c->st == FC_OK; s += c->step_m) {
        double seg = 0;
        while (i < n && total + (seg = seg_length(xy, i)) <= s) {
            total += seg;
            i++;
        }
        double x = xy[2 * n - 2], y = xy[2 * n - 1]; /* past the end: the last vertex */
        if (i < n) {
            const double f = (s - total) / seg;
            const double *p0 = &xy[2 * i - 2], *p1 = &xy[2 * i];
            x = f <= 0 ? p0[0] : f >= 1 ? p1[0] : (p1[0] - p0[0]) * f + p0[0];
            y = f <= 0 ? p0[1] : f >= 1 ? p1[1] : (p1[1] - p0[1]) * f + p0[1];
        }
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(w->geos, x, y);
        c->st = p ? c->fn(c->user, p, c->err)
                  : fc_error_set(c->err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
        if (p)
            GEOSGeom_destroy_r(w->geos, p);
    }
    return c->st != FC_OK;
}

fc_status fc_sample_lines(fc_worker *w, const GEOSGeometry *lines, double step_m, fc_sample_fn fn,
                          void *user, fc_error *err)
{
    sample_walk c = {step_m, fn, user, err, FC_OK};
    if (fc_geom_each_line(w, lines, walk_samples, &c) != 0 && c.st == FC_OK)
        c.st = fc_error_set(err, FC_ERR_NOMEM, "out of memory (sampling a line)");
    return c.st;
}

/* Distances (km) from sample points to a prepared reference. */
typedef struct shift_ctx {
    fc_worker *w;
    const GEOSPreparedGeometry *ref;
    double *d;
    size_t n, cap;
} shift_ctx;

static fc_status add_distance(void *user, const GEOSGeometry *p, fc_error *err)
{
    shift_ctx *c = user;
    double dist = 0;
    if (!GEOSPreparedDistance_r(c->w->geos, c->ref, p, &dist))
        return fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(c->w));
    double *d = fc_grow(c->d, &c->cap, c->n, sizeof *d, 256);
    if (!d)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    c->d = d;
    c->d[c->n++] = dist / 1000;
    return FC_OK;
}

fc_status fc_front_shift(fc_worker *w, const GEOSGeometry *line, const GEOSGeometry *ref,
                         double step_m, double *mean_km, double *p90_km, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    *mean_km = *p90_km = NAN;
    if (GEOSisEmpty_r(h, line) || GEOSisEmpty_r(h, ref))
        return FC_OK;
    shift_ctx c = {w, GEOSPrepare_r(h, ref), NULL, 0, 0};
    if (!c.ref)
        return fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
    fc_status st = fc_sample_lines(w, line, step_m, add_distance, &c, err);
    if (st == FC_OK && c.n > 0) {
        double sum = 0;
        for (size_t i = 0; i < c.n; i++)
            sum += c.d[i];
        fc_sort(c.d, c.n);
        *mean_km = sum / (double)c.n;
        *p90_km = fc_quantile_sorted(c.d, c.n, 0.9);
    }
    free(c.d);
    GEOSPreparedGeom_destroy_r(h, c.ref);
    return st;
}
