#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/worker.h"

/* Appends the parts of g of type `want` (GEOS_POLYGON or GEOS_LINESTRING),
 * recursing into multi-geometries and collections, to *parts (pointers
 * into g, not copies). Empty parts are skipped. -1 when out of memory. */
static int collect_parts(GEOSContextHandle_t h, const GEOSGeometry *g, int want,
                         const GEOSGeometry ***parts, size_t *n, size_t *cap)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == want) {
        if (GEOSisEmpty_r(h, g))
            return 0;
        const GEOSGeometry **all = fc_grow(*parts, cap, *n, sizeof *all, 16);
        if (!all)
            return -1;
        *parts = all;
        (*parts)[(*n)++] = g;
        return 0;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_MULTILINESTRING ||
        type == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < k; i++)
            if (collect_parts(h, GEOSGetGeometryN_r(h, g, i), want, parts, n, cap) != 0)
                return -1;
    }
    return 0;
}

static int collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g,
                            const GEOSGeometry ***parts, size_t *n, size_t *cap)
{
    return collect_parts(h, g, GEOS_POLYGON, parts, n, cap);
}

static int collect_lines(GEOSContextHandle_t h, const GEOSGeometry *g,
                         const GEOSGeometry ***parts, size_t *n, size_t *cap)
{
    return collect_parts(h, g, GEOS_LINESTRING, parts, n, cap);
}

static GEOSGeometry *ring_copy(fc_worker *w, const GEOSGeometry *ring, fc_ring_map_fn fn,
                               void *user)
{
    GEOSContextHandle_t h = w->geos;
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n))
        return NULL;
    double *xy = malloc(2 * (size_t)(n ? n : 1) * sizeof *xy);
    if (!xy)
        return NULL;
    GEOSGeometry *out = NULL;
    size_t m = n;
    if (GEOSCoordSeq_copyToBuffer_r(h, seq, xy, 0, 0) && (!fn || fn(w, &xy, &m, user) == 0) &&
        m <= UINT_MAX) {
        GEOSCoordSequence *ns = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)m, 0, 0);
        if (ns)
            out = GEOSGeom_createLinearRing_r(h, ns);
    }
    free(xy);
    return out;
}

GEOSGeometry *fc_geom_map_rings(fc_worker *w, const GEOSGeometry *g, fc_ring_map_fn fn,
                                void *user)
{
    GEOSContextHandle_t h = w->geos;
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    GEOSGeometry **polys = NULL;
    size_t made = 0;
    GEOSGeometry *out = NULL;
    if (collect_polygons(h, g, &parts, &n, &cap) != 0)
        goto cleanup;
    polys = calloc(n ? n : 1, sizeof *polys);
    if (!polys)
        goto cleanup;
    for (; made < n; made++) {
        const GEOSGeometry *p = parts[made];
        int nholes = GEOSGetNumInteriorRings_r(h, p);
        GEOSGeometry *shell = ring_copy(w, GEOSGetExteriorRing_r(h, p), fn, user);
        GEOSGeometry **holes = calloc(nholes > 0 ? (size_t)nholes : 1, sizeof *holes);
        bool ok = shell && holes;
        for (int i = 0; ok && i < nholes; i++) {
            holes[i] = ring_copy(w, GEOSGetInteriorRingN_r(h, p, i), fn, user);
            ok = holes[i] != NULL;
        }
        if (ok)
            polys[made] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes);
        if (!polys[made]) {
            if (shell)
                GEOSGeom_destroy_r(h, shell);
            for (int i = 0; holes && i < nholes; i++)
                if (holes[i])
                    GEOSGeom_destroy_r(h, holes[i]);
            free(holes);
            goto cleanup;
        }
        free(holes);
    }
    if (GEOSGeomTypeId_r(h, g) == GEOS_POLYGON && n == 1) {
        out = polys[0];
        made = 0;
    } else {
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)n);
        if (out)
            made = 0; /* the collection owns the parts now */
    }
cleanup:
    for (size_t i = 0; i < made; i++)
        GEOSGeom_destroy_r(h, polys[i]);
    free(polys);
    free(parts);
    return out;
}

static int visit_ring(fc_worker *w, const GEOSGeometry *ring, bool hole, fc_ring_visit_fn fn,
                      void *user)
{
    GEOSContextHandle_t h = w->geos;
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n == 0)
        return 0;
    double *xy = malloc(2 * (size_t)n * sizeof *xy);
    if (!xy)
        return -1;
    int rc = GEOSCoordSeq_copyToBuffer_r(h, seq, xy, 0, 0) ? fn(w, xy, n, hole, user) : -1;
    free(xy);
    return rc;
}

int fc_geom_each_ring(fc_worker *w, const GEOSGeometry *g, fc_ring_visit_fn fn, void *user)
{
    GEOSContextHandle_t h = w->geos;
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    int rc = collect_polygons(h, g, &parts, &n, &cap);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = visit_ring(w, GEOSGetExteriorRing_r(h, parts[k]), false, fn, user);
        int nholes = GEOSGetNumInteriorRings_r(h, parts[k]);
        for (int i = 0; rc == 0 && i < nholes; i++)
            rc = visit_ring(w, GEOSGetInteriorRingN_r(h, parts[k], i), true, fn, user);
    }
    free(parts);
    return rc;
}

GEOSGeometry *fc_geom_polygonal(fc_worker *w, const GEOSGeometry *g)
{
    return fc_geom_map_rings(w, g, NULL, NULL);
}

int fc_geom_polygon_count(fc_worker *w, const GEOSGeometry *g)
{
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    collect_polygons(w->geos, g, &parts, &n, &cap);
    free(parts);
    return (int)n;
}

bool fc_geom_bbox(fc_worker *w, const GEOSGeometry *g, double bbox[4])
{
    GEOSContextHandle_t h = w->geos;
    if (!g || GEOSisEmpty_r(h, g))
        return false;
    return GEOSGeom_getXMin_r(h, g, &bbox[0]) && GEOSGeom_getYMin_r(h, g, &bbox[1]) &&
           GEOSGeom_getXMax_r(h, g, &bbox[2]) && GEOSGeom_getYMax_r(h, g, &bbox[3]);
}

bool fc_geom_is_lineal(fc_worker *w, const GEOSGeometry *g)
{
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    collect_lines(w->geos, g, &parts, &n, &cap);
    free(parts);
    return n > 0 && fc_geom_polygon_count(w, g) == 0;
}

GEOSGeometry *fc_geom_map_lines(fc_worker *w, const GEOSGeometry *g, fc_ring_map_fn fn,
                                void *user)
{
    GEOSContextHandle_t h = w->geos;
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    GEOSGeometry **lines = NULL, *out = NULL;
    size_t made = 0;
    if (collect_lines(h, g, &parts, &n, &cap) != 0 || !(lines = calloc(n ? n : 1, sizeof *lines)))
        goto cleanup;
    for (; made < n; made++) {
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, parts[made]);
        unsigned int np = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np))
            goto cleanup;
        double *xy = malloc(2 * (size_t)(np ? np : 1) * sizeof *xy);
        GEOSCoordSequence *ns = NULL;
        size_t m = np;
        if (xy && GEOSCoordSeq_copyToBuffer_r(h, seq, xy, 0, 0) &&
            (!fn || fn(w, &xy, &m, user) == 0) && m <= UINT_MAX)
            ns = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)m, 0, 0);
        free(xy);
        lines[made] = ns ? GEOSGeom_createLineString_r(h, ns) : NULL;
        if (!lines[made])
            goto cleanup;
    }
    out = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, lines, (unsigned)n);
    if (out)
        made = 0;
cleanup:
    for (size_t i = 0; i < made; i++)
        GEOSGeom_destroy_r(h, lines[i]);
    free(lines);
    free(parts);
    return out;
}

int fc_geom_each_line(fc_worker *w, const GEOSGeometry *g, fc_ring_visit_fn fn, void *user)
{
    const GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    int rc = collect_lines(w->geos, g, &parts, &n, &cap);
    for (size_t k = 0; rc == 0 && k < n; k++)
        rc = visit_ring(w, parts[k], false, fn, user);
    free(parts);
    return rc;
}

GEOSGeometry *fc_geom_robust_op(fc_worker *w, fc_geom_op op, const GEOSGeometry *a,
                                const GEOSGeometry *b)
{
    GEOSContextHandle_t h = w->geos;
    GEOSGeometry *r = op == FC_OP_INTERSECTION ? GEOSIntersection_r(h, a, b)
                                               : GEOSDifference_r(h, a, b);
    if (r)
        return r;
    GEOSGeometry *fa = GEOSMakeValid_r(h, a), *fb = GEOSMakeValid_r(h, b);
    if (fa && fb)
        r = op == FC_OP_INTERSECTION ? GEOSIntersection_r(h, fa, fb)
                                     : GEOSDifference_r(h, fa, fb);
    if (fa)
        GEOSGeom_destroy_r(h, fa);
    if (fb)
        GEOSGeom_destroy_r(h, fb);
    return r;
}

unsigned char *fc_geoms_blob(fc_worker *w, const void *head, size_t head_size,
                             const GEOSGeometry *const *g, size_t n, size_t *size)
{
    unsigned char **wkb = calloc(n ? n : 1, sizeof *wkb), *b = NULL;
    size_t *len = calloc(n ? n : 1, sizeof *len);
    bool ok = wkb && len;
    *size = head_size;
    for (size_t i = 0; ok && i < n; i++) {
        if (g[i] && !(wkb[i] = GEOSGeomToWKB_buf_r(w->geos, g[i], &len[i])))
            ok = false;
        *size += sizeof(uint64_t) + len[i];
    }
    if (ok && (b = malloc(*size ? *size : 1))) {
        if (head_size) /* memcpy from NULL is undefined, even of nothing */
            memcpy(b, head, head_size);
        unsigned char *at = b + head_size;
        for (size_t i = 0; i < n; i++) {
            const uint64_t l = len[i];
            memcpy(at, &l, sizeof l);
            if (len[i])
                memcpy(at + sizeof l, wkb[i], len[i]);
            at += sizeof l + len[i];
        }
    }
    for (size_t i = 0; wkb && i < n; i++)
        if (wkb[i])
            GEOSFree_r(w->geos, wkb[i]);
    free(wkb);
    free(len);
    return b;
}

bool fc_geoms_of_blob(fc_worker *w, const unsigned char *b, size_t size, GEOSGeometry **g,
                      size_t n)
{
    for (size_t k = 0; k < n; k++)
        g[k] = NULL;
    size_t i = 0;
    for (; i < n; i++) {
        uint64_t len;
        if (size < sizeof len)
            break;
        memcpy(&len, b, sizeof len);
        if (len > size - sizeof len)
            break;
        if (len && !(g[i] = GEOSGeomFromWKB_buf_r(w->geos, b + sizeof len, (size_t)len)))
            break;
        b += sizeof len + len;
        size -= sizeof len + len;
    }
    if (i == n && size == 0)
        return true;
    for (size_t k = 0; k <= i && k < n; k++)
        if (g[k]) {
            GEOSGeom_destroy_r(w->geos, g[k]);
            g[k] = NULL;
        }
    return false;
}

bool fc_geom_same(fc_worker *w, const GEOSGeometry *a, const GEOSGeometry *b)
{
    return a && b ? GEOSEqualsExact_r(w->geos, a, b, 0) == 1 : a == b;
}

/* The union of g[idx[0..n)], in w's context. NULL on failure. */
static GEOSGeometry *union_of(fc_worker *w, const GEOSGeometry *const *g, const size_t *idx,
                              size_t n)
{
    GEOSContextHandle_t h = w->geos;
    GEOSGeometry **parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts)
        return NULL;
    unsigned k = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = (parts[k++] = GEOSGeom_clone_r(h, g[idx[i]])) != NULL;
    GEOSGeometry *coll = ok ? GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, k)
                            : NULL;
    if (!coll) /* else the collection owns the parts */
        for (unsigned i = 0; i < k; i++)
            if (parts[i])
                GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    if (coll)
        GEOSGeom_destroy_r(h, coll);
    return u;
}

/* One half of a union on a thread of its own, handed back as WKB: a
 * geometry belongs to the GEOS context that made it. */
typedef struct union_half {
    const GEOSGeometry *const *g;
    const size_t *idx;
    size_t n;
    unsigned char *wkb; /* malloc'd, for the caller to free; NULL: failed */
    size_t size;
    char error[512];
} union_half;

static void *union_half_main(void *arg)
{
    union_half *u = arg;
    fc_worker *w = fc_worker_create();
    GEOSGeometry *g = w ? union_of(w, u->g, u->idx, u->n) : NULL;
    unsigned char *wkb = g ? GEOSGeomToWKB_buf_r(w->geos, g, &u->size) : NULL;
    if (wkb && (u->wkb = malloc(u->size)))
        memcpy(u->wkb, wkb, u->size);
    snprintf(u->error, sizeof u->error, "%s", w ? fc_worker_geos_error(w) : "out of memory");
    if (wkb)
        GEOSFree_r(w->geos, wkb);
    if (g)
        GEOSGeom_destroy_r(w->geos, g);
    fc_worker_destroy(w);
    return NULL;
}

typedef struct {
    double x;
    size_t i;
} by_x;

static int by_x_cmp(const void *a, const void *b)
{
    const by_x *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x ? 1 : p->i < q->i ? -1 : p->i > q->i;
}

GEOSGeometry *fc_geom_union_all(fc_worker *w, const GEOSGeometry *const *g, size_t n,
                                int threads)
{
    GEOSContextHandle_t h = w->geos;
    by_x *order = calloc(n ? n : 1, sizeof *order);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    size_t m = 0;
    const bool ok = order && idx;
    if (!ok)
        snprintf(w->geos_error, sizeof w->geos_error, "out of memory");
    /* The boxes, before any thread reads the geometries (GEOS may cache
     * them); an empty geometry adds nothing. */
    for (size_t i = 0; ok && i < n; i++) {
        double b[4];
        if (g[i] && fc_geom_bbox(w, g[i], b))
            order[m++] = (by_x){(b[0] + b[2]) / 2, i};
    }
    GEOSGeometry *u = NULL;
    if (ok) {
        qsort(order, m, sizeof *order, by_x_cmp);
        for (size_t i = 0; i < m; i++)
            idx[i] = order[i].i;
    }
    /* Below a handful, a thread costs more than it saves. */
    if (ok && (fc_thread_count(threads, 2) < 2 || m < 8)) {
        u = union_of(w, g, idx, m);
    } else if (ok) {
        const size_t half = m / 2;
        union_half east = {g, idx + half, m - half, NULL, 0, ""};
        pthread_t t;
        const bool threaded = pthread_create(&t, NULL, union_half_main, &east) == 0;
        GEOSGeometry *west = union_of(w, g, idx, half);
        if (threaded)
            pthread_join(t, NULL);
        else
            union_half_main(&east);
        GEOSGeometry *e = east.wkb ? GEOSGeomFromWKB_buf_r(h, east.wkb, east.size) : NULL;
        if (!east.wkb)
            snprintf(w->geos_error, sizeof w->geos_error, "%s", east.error);
        u = west && e ? GEOSUnion_r(h, west, e) : NULL;
        free(east.wkb);
        if (west)
            GEOSGeom_destroy_r(h, west);
        if (e)
            GEOSGeom_destroy_r(h, e);
    }
    free(order);
    free(idx);
    if (u && GEOSNormalize_r(h, u) != 0) {
        GEOSGeom_destroy_r(h, u);
        u = NULL;
    }
    return u;
}

GEOSGeometry *fc_geom_rect_part(fc_worker *w, const GEOSGeometry *g, const double r[4])
{
    GEOSGeometry *box = GEOSGeom_createRectangle_r(w->geos, r[0], r[1], r[2], r[3]);
    GEOSGeometry *c = box ? fc_geom_robust_op(w, FC_OP_INTERSECTION, g, box) : NULL;
    if (box)
        GEOSGeom_destroy_r(w->geos, box);
    return c;
}

GEOSGeometry *fc_geom_clip_rect(fc_worker *w, const GEOSGeometry *g, const double r[4])
{
    GEOSGeometry *c = GEOSClipByRect_r(w->geos, g, r[0], r[1], r[2], r[3]);
    return c ? c : fc_geom_rect_part(w, g, r);
}
