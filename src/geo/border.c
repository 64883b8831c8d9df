#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/border.h"
#include "geo/geom.h"
#include "geo/worker.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The strips need the outline to a quarter of their width: a sliver is
 * thinner than the tolerance and lies against the outline itself, which
 * stays exact; simplifying to a twentieth (as the front line's frontier
 * does) took four times as long to buffer. */
#define BORDER_COARSENESS 0.25

/* A zone's part of a tile's near strip. */
typedef struct bpart {
    size_t tile; /* the overlay's tile index */
    size_t zone;
    GEOSGeometry *geom;
} bpart;

/* A tile of the overlay's grid that the outline crosses. */
typedef struct btile {
    size_t tile; /* the overlay's tile index, iy * nx + ix */
    int ix, iy;
    double reach[4]; /* the tile and the tolerance around it */
    GEOSGeometry *near;  /* the country within the tolerance of its outline, in the tile */
    GEOSGeometry *strip; /* within twice the tolerance, in reach: what the opening sees */
    size_t first, nparts; /* parts[first .. first + nparts) */
    bool whole; /* its one part is its near strip itself, to the vertex */
} btile;

struct fc_border {
    double tol;
    int nx, ny, k; /* grid, and how many tiles around a tile its reach touches */
    btile *tiles;
    size_t ntiles;
    bpart *parts;
    size_t nparts;
};

struct fc_border_state {
    GEOSGeometry **near, **strip; /* this thread's copies, per tile */
    GEOSGeometry **part;          /* per part */
    double *part_m2;              /* the last result, per part */
    GEOSGeometry **clip;          /* the control around each tile then (NULL: none) */
    /* The control around each tile before it changed to clip, and the
     * result then: a third of the changes near the outline in the
     * DeepStateMap history undo the one before. NULL and 0 at first,
     * which is what no control gives. */
    GEOSGeometry **clip_before;
    double *part_m2_before;
    size_t ntiles, nparts;
    bool has_prev;
};

static void destroy_geom(fc_worker *w, GEOSGeometry *g)
{
    if (g)
        GEOSGeom_destroy_r(w->geos, g);
}

static double area_of(fc_worker *w, const GEOSGeometry *g)
{
    double a = 0;
    if (g)
        GEOSArea_r(w->geos, g, &a);
    return a;
}

/* g, or NULL when empty (g consumed either way). */
static GEOSGeometry *nonempty(fc_worker *w, GEOSGeometry *g)
{
    if (g && GEOSisEmpty_r(w->geos, g) == 1) {
        GEOSGeom_destroy_r(w->geos, g);
        return NULL;
    }
    return g;
}

/* c (a MultiPolygon, consumed) without its holes smaller than min_m2;
 * NULL on failure. */
static GEOSGeometry *fill_small_holes(fc_worker *w, GEOSGeometry *c, double min_m2)
{
    GEOSContextHandle_t h = w->geos;
    const int np = GEOSGetNumGeometries_r(h, c);
    GEOSGeometry **polys = calloc(np > 0 ? (size_t)np : 1, sizeof *polys);
    bool ok = polys && np >= 0;
    for (int k = 0; ok && k < np; k++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, c, k);
        const int nh = GEOSGetNumInteriorRings_r(h, p);
        GEOSGeometry **holes = calloc(nh > 0 ? (size_t)nh : 1, sizeof *holes);
        GEOSGeometry *shell = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, p));
        unsigned kept = 0;
        ok = holes && shell && nh >= 0;
        for (int j = 0; ok && j < nh; j++) {
            const GEOSGeometry *ring = GEOSGetInteriorRingN_r(h, p, j);
            GEOSGeometry *r = GEOSGeom_clone_r(h, ring);
            GEOSGeometry *face = r ? GEOSGeom_createPolygon_r(h, r, NULL, 0) : NULL;
            double a = 0;
            ok = face && GEOSArea_r(h, face, &a);
            destroy_geom(w, face);
            if (ok && a >= min_m2)
                ok = (holes[kept++] = GEOSGeom_clone_r(h, ring)) != NULL;
        }
        polys[k] = ok ? GEOSGeom_createPolygon_r(h, shell, holes, kept) : NULL;
        if (!polys[k]) {
            ok = false;
            destroy_geom(w, shell);
            for (unsigned j = 0; holes && j < kept; j++)
                destroy_geom(w, holes[j]);
        }
        free(holes);
    }
    GEOSGeometry *out = ok ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np)
                           : NULL;
    if (!out)
        for (int k = 0; polys && k < np; k++)
            destroy_geom(w, polys[k]);
    free(polys);
    destroy_geom(w, c);
    return out;
}

fc_status fc_country_outline(fc_worker *w, const GEOSGeometry *const *zones, size_t nzones,
                             int threads, const double *shrink_m, size_t nshrink,
                             double coarseness, GEOSGeometry **country, GEOSGeometry **interiors,
                             fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    for (size_t i = 0; i < nshrink; i++)
        interiors[i] = NULL;
    if (country)
        *country = NULL;
    GEOSGeometry *u = fc_geom_union_all(w, zones, nzones, threads);
    GEOSGeometry *c = u ? fc_geom_polygonal(w, u) : NULL;
    destroy_geom(w, u);
    /* A hole of the union smaller than a disk of the first distance is a
     * gap between zones (their outlines not quite meeting), not a border
     * or a coast: left in, it would count as outline, cutting the front
     * line and making slivers around it. */
    if (c && nshrink)
        c = fill_small_holes(w, c, M_PI * shrink_m[0] * shrink_m[0]);
    bool ok = c != NULL;
    /* Eroding by a then by b is eroding by a + b: each interior is shrunk
     * from the one before, whose outline is already smoothed and short. */
    for (size_t i = 0; ok && i < nshrink; i++) {
        const double by = shrink_m[i] - (i ? shrink_m[i - 1] : 0), simplify = by * coarseness;
        const GEOSGeometry *from = i ? interiors[i - 1] : c;
        GEOSGeometry *coarse = GEOSTopologyPreserveSimplify_r(h, from, simplify);
        GEOSGeometry *shrunk = coarse ? GEOSBuffer_r(h, coarse, -by, 8) : NULL;
        interiors[i] = shrunk ? GEOSTopologyPreserveSimplify_r(h, shrunk, simplify) : NULL;
        destroy_geom(w, coarse);
        destroy_geom(w, shrunk);
        ok = interiors[i] != NULL;
    }
    if (!ok) {
        destroy_geom(w, c);
        for (size_t i = 0; i < nshrink; i++) {
            destroy_geom(w, interiors[i]);
            interiors[i] = NULL;
        }
        return fc_error_set(err, FC_ERR_GEOM, "cannot build the country outline: %s",
                            fc_worker_geos_error(w));
    }
    if (country)
        *country = c;
    else
        destroy_geom(w, c);
    return FC_OK;
}

void fc_border_destroy(fc_worker *w, fc_border *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ntiles; i++) {
        destroy_geom(w, b->tiles[i].near);
        destroy_geom(w, b->tiles[i].strip);
    }
    for (size_t i = 0; i < b->nparts; i++)
        destroy_geom(w, b->parts[i].geom);
    free(b->tiles);
    free(b->parts);
    free(b);
}

static int part_cmp(const void *a, const void *b)
{
    const bpart *x = a, *y = b;
    if (x->tile != y->tile)
        return x->tile < y->tile ? -1 : 1;
    return (x->zone > y->zone) - (x->zone < y->zone);
}

/* a minus b (either NULL: empty), consumed; NULL when empty or on failure
 * (*failed). */
static GEOSGeometry *minus(fc_worker *w, GEOSGeometry *a, GEOSGeometry *b, bool *failed)
{
    GEOSGeometry *d = a && b ? fc_geom_robust_op(w, FC_OP_DIFFERENCE, a, b) : a;
    if (a && b && !d)
        *failed = true;
    if (d != a)
        destroy_geom(w, a);
    destroy_geom(w, b);
    return nonempty(w, d);
}

/* The rectangle r grown by d on every side, in out. */
static void grow(const double r[4], double d, double out[4])
{
    out[0] = r[0] - d;
    out[1] = r[1] - d;
    out[2] = r[2] + d;
    out[3] = r[3] + d;
}

/* The tiles' reach and place from their index, on ov's grid. */
static void place_tiles(fc_border *b, const fc_overlay *ov)
{
    double x0, y0, tile_m;
    fc_overlay_grid(ov, &x0, &y0, &tile_m, &b->nx, &b->ny);
    b->k = (int)ceil(b->tol / tile_m);
    for (size_t i = 0; i < b->ntiles; i++) {
        btile *bt = &b->tiles[i];
        bt->ix = (int)(bt->tile % (size_t)b->nx);
        bt->iy = (int)(bt->tile / (size_t)b->nx);
        double r[4];
        fc_overlay_tile_rect(ov, bt->tile, r);
        grow(r, b->tol, bt->reach);
    }
}

/* Computes b's tiles and parts (b->tol set). */
static fc_status build(fc_worker *w, fc_border *b, const fc_overlay *ov,
                       const GEOSGeometry *const *zones, size_t nzones, int threads,
                       fc_error *err)
{
    double x0, y0, tile_m; /* unused here */
    int nx, ny;
    fc_overlay_grid(ov, &x0, &y0, &tile_m, &nx, &ny);
    const size_t nt = (size_t)nx * (size_t)ny;
    /* The opening of width tol reaches tol around a point: the country
     * within 2 tol of its outline decides the sliver within tol of it. */
    const double shrink[2] = {b->tol, 2 * b->tol};
    GEOSGeometry *country = NULL, *in[2] = {NULL, NULL};
    GEOSGeometry **near = calloc(nt, sizeof *near), **strip = calloc(nt, sizeof *strip),
                 **cut = calloc(nt, sizeof *cut);
    size_t cap_p = 0;
    bool failed = false;
    fc_status st = near && strip && cut ? FC_OK
                                        : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_country_outline(w, zones, nzones, threads, shrink, 2, BORDER_COARSENESS,
                                &country, in, err);
    /* Per tile: the country within tol of its outline (the interior cut a
     * metre wider, so that its clip edge cuts nothing), and within 2 tol
     * of it over the tile's reach. */
    if (st == FC_OK && (fc_overlay_clip(w, ov, country, 0, near) != 0 ||
                        fc_overlay_clip(w, ov, in[0], 1, cut) != 0))
        failed = true;
    for (size_t t = 0; t < nt && !failed; t++) {
        near[t] = minus(w, near[t], cut[t], &failed);
        cut[t] = NULL;
    }
    if (st == FC_OK && !failed &&
        (fc_overlay_clip(w, ov, country, b->tol, strip) != 0 ||
         fc_overlay_clip(w, ov, in[1], b->tol + 1, cut) != 0))
        failed = true;
    for (size_t t = 0; t < nt && !failed; t++) {
        if (!near[t]) { /* the outline does not cross the tile */
            destroy_geom(w, strip[t]);
            destroy_geom(w, cut[t]);
            strip[t] = cut[t] = NULL;
            continue;
        }
        strip[t] = minus(w, strip[t], cut[t], &failed);
        cut[t] = NULL;
    }
    /* Each zone's part of each near strip, from the overlay's zone parts. */
    for (size_t t = 0; t < nt && st == FC_OK && !failed; t++) {
        for (size_t k = 0; near[t] && strip[t] && k < fc_overlay_tile_pieces(ov, t) && !failed;
             k++) {
            size_t z;
            const GEOSGeometry *piece = fc_overlay_tile_piece(ov, t, k, &z);
            GEOSGeometry *p = fc_geom_robust_op(w, FC_OP_INTERSECTION, piece, near[t]);
            failed = !p;
            if (!(p = nonempty(w, p)))
                continue;
            bpart *np = fc_grow(b->parts, &cap_p, b->nparts, sizeof *np, 256);
            if (!np) {
                destroy_geom(w, p);
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                break;
            }
            b->parts = np;
            b->parts[b->nparts++] = (bpart){t, z, p};
        }
    }
    if (st == FC_OK && failed)
        st = fc_error_set(err, FC_ERR_GEOM, "cannot build the border strips: %s",
                          fc_worker_geos_error(w));
    /* The tiles with parts, in grid order, each with its parts. */
    if (st == FC_OK && b->nparts) {
        qsort(b->parts, b->nparts, sizeof *b->parts, part_cmp);
        if (!(b->tiles = calloc(b->nparts, sizeof *b->tiles)))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; st == FC_OK && k < b->nparts; k++) {
        const size_t t = b->parts[k].tile;
        if (b->ntiles == 0 || b->tiles[b->ntiles - 1].tile != t) {
            btile *bt = &b->tiles[b->ntiles++];
            bt->tile = t;
            bt->near = near[t];
            bt->strip = strip[t];
            near[t] = strip[t] = NULL;
            bt->first = k;
        }
        b->tiles[b->ntiles - 1].nparts++;
    }
    for (size_t t = 0; t < nt; t++) {
        destroy_geom(w, near ? near[t] : NULL);
        destroy_geom(w, strip ? strip[t] : NULL);
        destroy_geom(w, cut ? cut[t] : NULL);
    }
    free(near);
    free(strip);
    free(cut);
    destroy_geom(w, country);
    destroy_geom(w, in[0]);
    destroy_geom(w, in[1]);
    return st;
}

/* The cache blob's header: the counts, then per tile its index, first part
 * and part count, per part its tile and zone (uint64_t each); then the
 * geometries (fc_geoms_blob): the tiles' near strips, their strips, the
 * parts. */
static const char border_magic[8] = "fcbord1";

static void *border_blob(fc_worker *w, const fc_border *b, size_t *size)
{
    const size_t nh = 2 + 3 * b->ntiles + 2 * b->nparts, ng = 2 * b->ntiles + b->nparts;
    uint64_t *head = malloc((1 + nh) * sizeof *head); /* the magic is one */
    const GEOSGeometry **g = malloc((ng ? ng : 1) * sizeof *g);
    void *blob = NULL;
    if (head && g) {
        uint64_t *h = head;
        memcpy(h++, border_magic, sizeof border_magic);
        *h++ = b->ntiles;
        *h++ = b->nparts;
        for (size_t i = 0; i < b->ntiles; i++) {
            *h++ = b->tiles[i].tile;
            *h++ = b->tiles[i].first;
            *h++ = b->tiles[i].nparts;
            g[i] = b->tiles[i].near;
            g[b->ntiles + i] = b->tiles[i].strip;
        }
        for (size_t k = 0; k < b->nparts; k++) {
            *h++ = b->parts[k].tile;
            *h++ = b->parts[k].zone;
            g[2 * b->ntiles + k] = b->parts[k].geom;
        }
        blob = fc_geoms_blob(w, head, (1 + nh) * sizeof *head, g, ng, size);
    }
    free(head);
    free((void *)g);
    return blob;
}

/* b's tiles and parts from a cache blob; false, b left without any, if it
 * is not one of nzones zones on a grid of nt tiles. */
static bool border_of_blob(fc_worker *w, fc_border *b, const unsigned char *d, size_t size,
                           size_t nzones, size_t nt)
{
    uint64_t n[2];
    if (size < sizeof border_magic + sizeof n || memcmp(d, border_magic, sizeof border_magic))
        return false;
    memcpy(n, d + sizeof border_magic, sizeof n);
    if (n[0] > nt || n[1] > nzones * nt)
        return false;
    const size_t nh = 3 * (size_t)n[0] + 2 * (size_t)n[1],
                 at = sizeof border_magic + sizeof n + nh * sizeof(uint64_t);
    if (size < at)
        return false;
    uint64_t *h = malloc((nh ? nh : 1) * sizeof *h);
    GEOSGeometry **g = malloc((2 * n[0] + n[1] + 1) * sizeof *g);
    b->tiles = calloc(n[0] + 1, sizeof *b->tiles);
    b->parts = calloc(n[1] + 1, sizeof *b->parts);
    bool ok = h && g && b->tiles && b->parts;
    if (ok)
        memcpy(h, d + sizeof border_magic + sizeof n, nh * sizeof *h);
    for (size_t i = 0; ok && i < n[0]; i++) {
        const uint64_t *e = h + 3 * i;
        ok = e[0] < nt && e[1] <= n[1] && e[2] <= n[1] - e[1] && e[2] > 0;
        b->tiles[i] = (btile){.tile = e[0], .first = e[1], .nparts = e[2]};
    }
    for (size_t k = 0; ok && k < n[1]; k++) {
        const uint64_t *e = h + 3 * n[0] + 2 * k;
        ok = e[0] < nt && e[1] < nzones;
        b->parts[k] = (bpart){.tile = e[0], .zone = e[1]};
    }
    const size_t ng = 2 * (size_t)n[0] + (size_t)n[1];
    bool read = ok && fc_geoms_of_blob(w, d + at, size - at, g, ng);
    for (size_t i = 0; read && i < ng; i++)
        ok = ok && g[i];
    if (read && !ok)
        for (size_t i = 0; i < ng; i++)
            destroy_geom(w, g[i]);
    ok = ok && read;
    if (ok) {
        for (size_t i = 0; i < n[0]; i++) {
            b->tiles[i].near = g[i];
            b->tiles[i].strip = g[n[0] + i];
        }
        for (size_t k = 0; k < n[1]; k++)
            b->parts[k].geom = g[2 * n[0] + k];
        b->ntiles = n[0];
        b->nparts = n[1];
    } else { /* b as it was: no tiles, no parts */
        free(b->tiles);
        free(b->parts);
        b->tiles = NULL;
        b->parts = NULL;
    }
    free(h);
    free(g);
    return ok;
}

fc_status fc_border_create(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *const *zones,
                           size_t nzones, double tolerance_m, int threads,
                           const fc_result_cache *cache, fc_border **out, fc_error *err)
{
    *out = NULL;
    fc_border *b = calloc(1, sizeof *b);
    if (!b)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    b->tol = tolerance_m > 0 ? tolerance_m : FC_BORDER_TOLERANCE_M;
    double x0, y0, tile_m;
    int nx, ny;
    fc_overlay_grid(ov, &x0, &y0, &tile_m, &nx, &ny);
    /* The zones only: no snapshot (first > last). */
    char params[160];
    snprintf(params, sizeof params, "border-v1 tolerance %.17g grid %.17g %.17g %.17g %d %d",
             b->tol, x0, y0, tile_m, nx, ny);
    fc_status st = FC_OK;
    bool hit = false;
    if (cache) {
        void *data = NULL;
        size_t size = 0;
        st = cache->get(cache->user, params, INT32_MAX, INT32_MIN, &data, &size, &hit, err);
        /* A blob that does not fit is computed again. */
        hit = st == FC_OK && hit &&
              border_of_blob(w, b, data, size, nzones, (size_t)nx * (size_t)ny);
        free(data);
    }
    if (st == FC_OK && !hit) {
        st = build(w, b, ov, zones, nzones, threads, err);
        size_t size;
        void *blob = st == FC_OK && cache ? border_blob(w, b, &size) : NULL;
        if (blob)
            st = cache->put(cache->user, params, INT32_MAX, INT32_MIN, blob, size, err);
        free(blob);
    }
    if (st != FC_OK) {
        fc_border_destroy(w, b);
        return st;
    }
    place_tiles(b, ov);
    /* Most tiles the outline crosses lie in one zone: a sliver there is
     * all that zone's, with no intersection to compute (a quarter of the
     * slivers' time on the DeepStateMap history). */
    for (size_t i = 0; i < b->ntiles; i++) {
        btile *t = &b->tiles[i];
        t->whole = t->nparts == 1 && fc_geom_same(w, b->parts[t->first].geom, t->near);
    }
    *out = b;
    return FC_OK;
}

void fc_border_state_destroy(fc_worker *w, fc_border_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; st->near && st->strip && st->clip && st->clip_before && i < st->ntiles;
         i++) {
        destroy_geom(w, st->near[i]);
        destroy_geom(w, st->strip[i]);
        destroy_geom(w, st->clip[i]);
        destroy_geom(w, st->clip_before[i]);
    }
    for (size_t i = 0; st->part && i < st->nparts; i++)
        destroy_geom(w, st->part[i]);
    free(st->near);
    free(st->strip);
    free(st->clip);
    free(st->clip_before);
    free(st->part_m2_before);
    free(st->part);
    free(st->part_m2);
    free(st);
}

fc_status fc_border_state_create(fc_worker *w, const fc_border *b, fc_border_state **out,
                                 fc_error *err)
{
    *out = NULL;
    fc_border_state *st = calloc(1, sizeof *st);
    if (!st)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    st->ntiles = b->ntiles;
    st->nparts = b->nparts;
    st->near = calloc(b->ntiles + 1, sizeof *st->near);
    st->strip = calloc(b->ntiles + 1, sizeof *st->strip);
    st->clip = calloc(b->ntiles + 1, sizeof *st->clip);
    st->part = calloc(b->nparts + 1, sizeof *st->part);
    st->part_m2 = calloc(b->nparts + 1, sizeof *st->part_m2);
    st->clip_before = calloc(b->ntiles + 1, sizeof *st->clip_before);
    st->part_m2_before = calloc(b->nparts + 1, sizeof *st->part_m2_before);
    bool ok = st->near && st->strip && st->clip && st->part && st->part_m2 && st->clip_before &&
              st->part_m2_before;
    /* GEOS geometries cache derived data lazily: each thread its copies. */
    for (size_t i = 0; ok && i < b->ntiles; i++) {
        st->near[i] = GEOSGeom_clone_r(w->geos, b->tiles[i].near);
        st->strip[i] = GEOSGeom_clone_r(w->geos, b->tiles[i].strip);
        ok = st->near[i] && st->strip[i];
    }
    for (size_t i = 0; ok && i < b->nparts; i++)
        ok = (st->part[i] = GEOSGeom_clone_r(w->geos, b->parts[i].geom)) != NULL;
    if (!ok) {
        fc_border_state_destroy(w, st);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    *out = st;
    return FC_OK;
}

/* Whether a tile of the overlay within reach of t changed. */
static bool reach_changed(const fc_border *b, const btile *t, const bool *changed)
{
    if (changed[(size_t)b->nx * (size_t)b->ny]) /* control beyond the grid */
        return true;
    for (int iy = t->iy - b->k; iy <= t->iy + b->k; iy++)
        for (int ix = t->ix - b->k; ix <= t->ix + b->k; ix++)
            if (ix >= 0 && iy >= 0 && ix < b->nx && iy < b->ny &&
                changed[(size_t)iy * (size_t)b->nx + (size_t)ix])
                return true;
    return false;
}

/*
 * The sliver of tile i, split into its parts' areas (part_m2), for the
 * control c around the tile (NULL: none). -1 on GEOS failure.
 */
static int tile_sliver(fc_worker *w, const fc_border *b, fc_border_state *st, size_t i,
                       const GEOSGeometry *c)
{
    GEOSContextHandle_t h = w->geos;
    const btile *t = &b->tiles[i];
    double *m2 = st->part_m2 + t->first;
    for (size_t k = 0; k < t->nparts; k++)
        m2[k] = 0;
    if (!c)
        return 0; /* no control around: nothing to reconcile with */
    int rc = -1;
    GEOSGeometry *free_near = NULL, *near_c = NULL, *around = NULL, *cand = NULL, *strip = NULL,
                 *free_strip = NULL, *eroded = NULL, *opened = NULL, *sliver = NULL;
    double cb[4], grown[4];
    /* Where a sliver can be: uncontrolled, near the outline, near control. */
    free_near = fc_geom_robust_op(w, FC_OP_DIFFERENCE, st->near[i], c);
    if (!free_near)
        goto done;
    if (GEOSisEmpty_r(h, free_near) == 1 || !fc_geom_bbox(w, free_near, cb))
        goto none; /* held to the outline */
    /* Control farther than tol from every candidate cannot matter: only
     * the control around the uncontrolled strip is buffered. */
    grow(cb, b->tol, grown);
    near_c = fc_geom_clip_rect(w, c, grown);
    around = near_c ? GEOSBuffer_r(h, near_c, b->tol, 8) : NULL;
    cand = around ? fc_geom_robust_op(w, FC_OP_INTERSECTION, free_near, around) : NULL;
    if (!cand)
        goto done;
    if (!fc_geom_bbox(w, cand, cb))
        goto none;
    /* The opening decides a point from the ground within tol of it: the
     * uncontrolled strip around the candidates is all it needs. */
    grow(cb, b->tol, grown);
    strip = fc_geom_rect_part(w, st->strip[i], grown);
    free_strip = strip ? fc_geom_robust_op(w, FC_OP_DIFFERENCE, strip, c) : NULL;
    eroded = free_strip ? GEOSBuffer_r(h, free_strip, -b->tol / 2, 8) : NULL;
    opened = eroded ? GEOSBuffer_r(h, eroded, b->tol / 2, 8) : NULL;
    sliver = opened ? fc_geom_robust_op(w, FC_OP_DIFFERENCE, cand, opened) : NULL;
    if (!sliver)
        goto done;
    rc = 0;
    if (t->whole) {
        m2[0] = area_of(w, sliver); /* sliver lies within near */
        goto done;
    }
    for (size_t k = 0; k < t->nparts && rc == 0 && GEOSisEmpty_r(h, sliver) != 1; k++) {
        GEOSGeometry *p = fc_geom_robust_op(w, FC_OP_INTERSECTION, sliver, st->part[t->first + k]);
        if (!p)
            rc = -1;
        m2[k] = area_of(w, p);
        destroy_geom(w, p);
    }
    goto done;
none:
    rc = 0;
done:
    destroy_geom(w, free_near);
    destroy_geom(w, near_c);
    destroy_geom(w, around);
    destroy_geom(w, cand);
    destroy_geom(w, strip);
    destroy_geom(w, free_strip);
    destroy_geom(w, eroded);
    destroy_geom(w, opened);
    destroy_geom(w, sliver);
    return rc;
}

/* The control within a tile's reach r, valid, in *c (NULL: none). -1 on
 * GEOS failure. */
static int reach_control(fc_worker *w, const GEOSGeometry *control, const double r[4],
                         GEOSGeometry **c)
{
    *c = NULL;
    GEOSGeometry *g = fc_geom_clip_rect(w, control, r);
    if (!g)
        return -1;
    /* Clipping valid input can leave rings touching along the clip's
     * edge, which buffers read wrongly. */
    if (GEOSisValid_r(w->geos, g) != 1) {
        GEOSGeometry *v = GEOSMakeValid_r(w->geos, g);
        GEOSGeometry *p = v ? fc_geom_polygonal(w, v) : NULL;
        destroy_geom(w, g);
        destroy_geom(w, v);
        if (!p)
            return -1;
        g = p;
    }
    *c = nonempty(w, g);
    return 0;
}

fc_status fc_border_measure(fc_worker *w, const fc_border *b, fc_border_state *st,
                            const fc_overlay_state *ovst, const GEOSGeometry *control,
                            fc_measure *zones, fc_error *err)
{
    const bool *changed = fc_overlay_tiles_changed(ovst);
    const bool has_prev = st->has_prev;
    st->has_prev = false; /* until every tile is measured */
    for (size_t i = 0; i < b->ntiles; i++) {
        const btile *t = &b->tiles[i];
        if (!has_prev || reach_changed(b, t, changed)) {
            /* A tile nearby changed; what is within reach may not have. */
            GEOSGeometry *c = NULL;
            if (reach_control(w, control, t->reach, &c) != 0)
                return fc_error_set(err, FC_ERR_GEOM, "measuring the border sliver failed: %s",
                                    fc_worker_geos_error(w));
            double *m2 = st->part_m2 + t->first, *m2_before = st->part_m2_before + t->first;
            if (has_prev && fc_geom_same(w, c, st->clip[i])) {
                destroy_geom(w, c);
            } else if (has_prev && fc_geom_same(w, c, st->clip_before[i])) {
                /* Back to what it was: the result then. */
                destroy_geom(w, c);
                GEOSGeometry *g = st->clip[i];
                st->clip[i] = st->clip_before[i];
                st->clip_before[i] = g;
                for (size_t k = 0; k < t->nparts; k++) {
                    const double a = m2[k];
                    m2[k] = m2_before[k];
                    m2_before[k] = a;
                }
            } else {
                destroy_geom(w, st->clip_before[i]);
                st->clip_before[i] = st->clip[i];
                memcpy(m2_before, m2, t->nparts * sizeof *m2);
                st->clip[i] = c;
                if (tile_sliver(w, b, st, i, c) != 0) {
                    /* Neither result stands for its control any more. */
                    destroy_geom(w, st->clip[i]);
                    destroy_geom(w, st->clip_before[i]);
                    st->clip[i] = st->clip_before[i] = NULL;
                    memset(m2, 0, t->nparts * sizeof *m2);
                    memset(m2_before, 0, t->nparts * sizeof *m2);
                    return fc_error_set(err, FC_ERR_GEOM, "measuring the border sliver failed: %s",
                                        fc_worker_geos_error(w));
                }
            }
        }
        for (size_t k = 0; k < t->nparts; k++)
            zones[b->parts[t->first + k].zone].border_m2 += st->part_m2[t->first + k];
    }
    st->has_prev = true;
    return FC_OK;
}
