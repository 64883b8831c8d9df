#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/overlay.h"
#include "geo/geom.h"
#include "geo/rings.h"
#include "geo/worker.h"

/* A zone's part inside one tile. */
typedef struct piece {
    size_t tile;
    size_t zone;
    GEOSGeometry *geom;
    double area_m2;
    double bbox[4];
    bool full; /* covers the whole tile: no intersection needed */
} piece;

struct fc_overlay {
    size_t nzones;
    double tile_m;
    double x0, y0; /* lower-left corner of the grid */
    int nx, ny;
    piece *pieces;     /* grouped by tile */
    size_t npieces;
    size_t *first;     /* first piece of tile t: pieces[first[t] .. first[t+1]) */
};

struct fc_overlay_state {
    size_t npieces, ntiles;
    GEOSGeometry **piece_geom;  /* this thread's copies of ov->pieces[].geom */
    GEOSGeometry **prev_tile;   /* previous control clipped to each tile; NULL = empty */
    double *prev_tile_area;
    double *prev_piece_area;
    double *prev_zone_area;
    GEOSGeometry *prev_outside; /* previous control outside the grid (NULL = none) */
    /* The previous control's rings, and this one's: outside the boxes
     * where they differ, a tile's control is the same point set as the
     * one kept in prev_tile (clipped then or earlier). */
    fc_rings *rings, *next_rings;
    bool rings_ok; /* rings holds the previous control's */
    bool *want;    /* the tiles to clip again */
    double prev_all_area;
    bool has_prev;
    /* scratch, reused between calls */
    GEOSGeometry **tile;
    double *zone_gain;
    bool *zone_changed;         /* fc_overlay_zones_changed */
    bool *tile_changed;         /* fc_overlay_tiles_changed: ntiles + 1 (outside) */
};

static size_t tile_count(const fc_overlay *ov)
{
    return (size_t)ov->nx * (size_t)ov->ny;
}

static void range_rect(const fc_overlay *ov, int ix0, int ix1, int iy0, int iy1, double r[4])
{
    r[0] = ov->x0 + ix0 * ov->tile_m;
    r[1] = ov->y0 + iy0 * ov->tile_m;
    r[2] = ov->x0 + ix1 * ov->tile_m;
    r[3] = ov->y0 + iy1 * ov->tile_m;
}

static bool bbox_disjoint(const double a[4], const double b[4])
{
    return a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1];
}

/* Whether want (NULL: every tile) holds a tile of [ix0,ix1) x [iy0,iy1). */
static bool range_wanted(const fc_overlay *ov, const bool *want, int ix0, int ix1, int iy0,
                         int iy1)
{
    for (int iy = iy0; want && iy < iy1; iy++)
        for (int ix = ix0; ix < ix1; ix++)
            if (want[(size_t)iy * (size_t)ov->nx + (size_t)ix])
                return true;
    return !want;
}

/*
 * Splits g (owned, consumed) into the tiles [ix0,ix1) x [iy0,iy1), each
 * grown by margin, by halving the range along its longer side and clipping
 * with GEOSClipByRect at each level, so that each vertex is visited about
 * log2(tiles) times instead of once per tile. Non-empty leaves are stored
 * in out[tile index]; only the tiles want holds (NULL: all), a half
 * without any not clipped at all.
 */
static int clip_tiles(fc_worker *w, const fc_overlay *ov, GEOSGeometry *g, int ix0, int ix1,
                      int iy0, int iy1, double margin, const bool *want, GEOSGeometry **out)
{
    GEOSContextHandle_t h = w->geos;
    if (!g)
        return -1;
    if (GEOSisEmpty_r(h, g)) {
        GEOSGeom_destroy_r(h, g);
        return 0;
    }
    if (ix1 - ix0 == 1 && iy1 - iy0 == 1) {
        out[(size_t)iy0 * (size_t)ov->nx + (size_t)ix0] = g;
        return 0;
    }
    int ranges[2][4];
    if (ix1 - ix0 >= iy1 - iy0) {
        int mid = (ix0 + ix1) / 2;
        int r[2][4] = {{ix0, mid, iy0, iy1}, {mid, ix1, iy0, iy1}};
        memcpy(ranges, r, sizeof r);
    } else {
        int mid = (iy0 + iy1) / 2;
        int r[2][4] = {{ix0, ix1, iy0, mid}, {ix0, ix1, mid, iy1}};
        memcpy(ranges, r, sizeof r);
    }
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        if (!range_wanted(ov, want, ranges[k][0], ranges[k][1], ranges[k][2], ranges[k][3]))
            continue;
        double rect[4];
        range_rect(ov, ranges[k][0], ranges[k][1], ranges[k][2], ranges[k][3], rect);
        const double grown[4] = {rect[0] - margin, rect[1] - margin, rect[2] + margin,
                                 rect[3] + margin};
        GEOSGeometry *part = fc_geom_clip_rect(w, g, grown);
        rc = clip_tiles(w, ov, part, ranges[k][0], ranges[k][1], ranges[k][2], ranges[k][3],
                        margin, want, out);
    }
    GEOSGeom_destroy_r(h, g);
    return rc;
}

/* Clips g (not consumed) into the tiles of the range; see clip_tiles. */
static int clip_range(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *g, int ix0,
                      int ix1, int iy0, int iy1, double margin, const bool *want,
                      GEOSGeometry **out)
{
    if (!range_wanted(ov, want, ix0, ix1, iy0, iy1))
        return 0;
    double r[4];
    range_rect(ov, ix0, ix1, iy0, iy1, r);
    const double grown[4] = {r[0] - margin, r[1] - margin, r[2] + margin, r[3] + margin};
    return clip_tiles(w, ov, fc_geom_clip_rect(w, g, grown), ix0, ix1, iy0, iy1, margin, want,
                      out);
}

int fc_overlay_clip(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *g, double margin_m,
                    GEOSGeometry **out)
{
    for (size_t t = 0; t < tile_count(ov); t++)
        out[t] = NULL;
    return clip_range(w, ov, g, 0, ov->nx, 0, ov->ny, margin_m, NULL, out);
}

static double area_of(fc_worker *w, const GEOSGeometry *g)
{
    double a = 0;
    if (g)
        GEOSArea_r(w->geos, g, &a);
    return a;
}

/* Area of (a op b), with NULL standing for the empty geometry; -1 on failure. */
static double op_area(fc_worker *w, fc_geom_op op, const GEOSGeometry *a, const GEOSGeometry *b,
                      fc_overlay_stats *stats)
{
    if (!a)
        return 0;
    if (!b)
        return op == FC_OP_INTERSECTION ? 0 : area_of(w, a);
    double ba[4], bb[4];
    if (fc_geom_bbox(w, a, ba) && fc_geom_bbox(w, b, bb) && bbox_disjoint(ba, bb))
        return op == FC_OP_INTERSECTION ? 0 : area_of(w, a);
    GEOSGeometry *r = fc_geom_robust_op(w, op, a, b);
    if (!r)
        return -1;
    if (stats)
        stats->intersections++;
    double area = area_of(w, r);
    GEOSGeom_destroy_r(w->geos, r);
    return area;
}

static int piece_cmp(const void *a, const void *b)
{
    const piece *p = a, *q = b;
    if (p->tile != q->tile)
        return p->tile < q->tile ? -1 : 1;
    return p->zone < q->zone ? -1 : p->zone > q->zone;
}

/* The zone's exact part in tile t, for when rectangle clipping left an
 * invalid ring. NULL on failure. */
static GEOSGeometry *exact_piece(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *zone,
                                 size_t t)
{
    double r[4];
    fc_overlay_tile_rect(ov, t, r);
    return fc_geom_rect_part(w, zone, r);
}

fc_status fc_overlay_create(fc_worker *w, const GEOSGeometry *const *zones, size_t nzones,
                            double tile_m, fc_overlay **out, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    *out = NULL;
    if (!(tile_m > 0))
        return fc_error_set(err, FC_ERR_ARG, "tile size must be positive");
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t z = 0; z < nzones; z++) {
        double b[4];
        if (!fc_geom_bbox(w, zones[z], b))
            continue;
        box[0] = fmin(box[0], b[0]);
        box[1] = fmin(box[1], b[1]);
        box[2] = fmax(box[2], b[2]);
        box[3] = fmax(box[3], b[3]);
    }
    if (!(box[0] <= box[2]))
        return fc_error_set(err, FC_ERR_EMPTY, "no zone has a polygon");

    fc_status st = FC_OK;
    GEOSGeometry **cells = NULL;
    fc_overlay *ov = calloc(1, sizeof *ov);
    if (!ov)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    ov->nzones = nzones;
    ov->tile_m = tile_m;
    /* Half a tile of margin keeps zone edges off the grid's outer edge. */
    ov->x0 = box[0] - tile_m / 2;
    ov->y0 = box[1] - tile_m / 2;
    ov->nx = (int)ceil((box[2] - ov->x0) / tile_m + 0.5);
    ov->ny = (int)ceil((box[3] - ov->y0) / tile_m + 0.5);
    const size_t nt = tile_count(ov);
    const double tile_area = tile_m * tile_m;
    cells = calloc(nt, sizeof *cells);
    ov->first = calloc(nt + 1, sizeof *ov->first);
    if (!cells || !ov->first) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    size_t cap = 0;
    for (size_t z = 0; z < nzones; z++) {
        double b[4];
        if (!fc_geom_bbox(w, zones[z], b))
            continue;
        int ix0 = (int)floor((b[0] - ov->x0) / tile_m);
        int ix1 = (int)floor((b[2] - ov->x0) / tile_m) + 1;
        int iy0 = (int)floor((b[1] - ov->y0) / tile_m);
        int iy1 = (int)floor((b[3] - ov->y0) / tile_m) + 1;
        if (clip_range(w, ov, zones[z], ix0, ix1, iy0, iy1, 0, NULL, cells) != 0) {
            st = fc_error_set(err, FC_ERR_GEOM, "cannot tile zone %zu: %s", z,
                              fc_worker_geos_error(w));
            goto cleanup;
        }
        for (size_t t = 0; t < nt; t++) {
            GEOSGeometry *g = cells[t];
            if (!g)
                continue;
            cells[t] = NULL;
            if (GEOSisValid_r(h, g) != 1) {
                GEOSGeom_destroy_r(h, g);
                g = exact_piece(w, ov, zones[z], t);
                if (!g) {
                    st = fc_error_set(err, FC_ERR_GEOM, "cannot tile zone %zu: %s", z,
                                      fc_worker_geos_error(w));
                    goto cleanup;
                }
            }
            piece *np = fc_grow(ov->pieces, &cap, ov->npieces, sizeof *np, 256);
            if (!np) {
                GEOSGeom_destroy_r(h, g);
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            ov->pieces = np;
            piece *p = &ov->pieces[ov->npieces++];
            p->tile = t;
            p->zone = z;
            p->geom = g;
            p->area_m2 = area_of(w, g);
            fc_geom_bbox(w, g, p->bbox);
            p->full = p->area_m2 >= tile_area * (1 - 1e-9);
        }
    }
    if (ov->npieces > 1)
        qsort(ov->pieces, ov->npieces, sizeof *ov->pieces, piece_cmp);
    for (size_t k = 0; k < ov->npieces; k++)
        ov->first[ov->pieces[k].tile + 1]++;
    for (size_t t = 0; t < nt; t++)
        ov->first[t + 1] += ov->first[t];
cleanup:
    if (cells)
        for (size_t t = 0; t < nt; t++)
            if (cells[t])
                GEOSGeom_destroy_r(h, cells[t]);
    free(cells);
    if (st != FC_OK) {
        fc_overlay_destroy(w, ov);
        return st;
    }
    *out = ov;
    return FC_OK;
}

void fc_overlay_destroy(fc_worker *w, fc_overlay *ov)
{
    if (!ov)
        return;
    for (size_t k = 0; k < ov->npieces; k++)
        GEOSGeom_destroy_r(w->geos, ov->pieces[k].geom);
    free(ov->pieces);
    free(ov->first);
    free(ov);
}

fc_status fc_overlay_state_create(fc_worker *w, const fc_overlay *ov, fc_overlay_state **out,
                                  fc_error *err)
{
    const size_t nt = tile_count(ov);
    fc_overlay_state *st = calloc(1, sizeof *st);
    if (!st)
        goto nomem;
    st->piece_geom = calloc(ov->npieces + 1, sizeof *st->piece_geom);
    st->prev_tile = calloc(nt, sizeof *st->prev_tile);
    st->tile = calloc(nt, sizeof *st->tile);
    st->prev_tile_area = calloc(nt, sizeof *st->prev_tile_area);
    st->prev_piece_area = calloc(ov->npieces + 1, sizeof *st->prev_piece_area);
    st->prev_zone_area = calloc(ov->nzones + 1, sizeof *st->prev_zone_area);
    st->zone_gain = calloc(ov->nzones + 1, sizeof *st->zone_gain);
    st->zone_changed = calloc(ov->nzones + 1, sizeof *st->zone_changed);
    st->tile_changed = calloc(nt + 1, sizeof *st->tile_changed);
    st->want = calloc(nt + 1, sizeof *st->want);
    st->rings = fc_rings_create();
    st->next_rings = fc_rings_create();
    st->npieces = ov->npieces;
    st->ntiles = nt;
    if (!st->piece_geom || !st->prev_tile || !st->tile || !st->prev_tile_area ||
        !st->prev_piece_area || !st->prev_zone_area || !st->zone_gain || !st->zone_changed ||
        !st->tile_changed || !st->want || !st->rings || !st->next_rings)
        goto nomem;
    /* GEOS geometries cache derived data lazily, so threads must not share
     * them: each state works on its own copies of the zone pieces. */
    for (size_t k = 0; k < ov->npieces; k++) {
        st->piece_geom[k] = GEOSGeom_clone_r(w->geos, ov->pieces[k].geom);
        if (!st->piece_geom[k])
            goto nomem;
    }
    *out = st;
    return FC_OK;
nomem:
    fc_overlay_state_destroy(w, st);
    *out = NULL;
    return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
}

static void drop_tiles(fc_worker *w, GEOSGeometry **tiles, size_t n)
{
    for (size_t t = 0; t < n; t++)
        if (tiles[t]) {
            GEOSGeom_destroy_r(w->geos, tiles[t]);
            tiles[t] = NULL;
        }
}

void fc_overlay_state_destroy(fc_worker *w, fc_overlay_state *st)
{
    if (!st)
        return;
    for (size_t k = 0; st->piece_geom && k < st->npieces; k++)
        if (st->piece_geom[k])
            GEOSGeom_destroy_r(w->geos, st->piece_geom[k]);
    if (st->prev_tile)
        drop_tiles(w, st->prev_tile, st->ntiles);
    if (st->tile)
        drop_tiles(w, st->tile, st->ntiles);
    if (st->prev_outside)
        GEOSGeom_destroy_r(w->geos, st->prev_outside);
    free(st->piece_geom);
    free(st->prev_tile);
    free(st->tile);
    free(st->prev_tile_area);
    free(st->prev_piece_area);
    free(st->prev_zone_area);
    free(st->zone_gain);
    free(st->zone_changed);
    free(st->tile_changed);
    free(st->want);
    fc_rings_destroy(st->rings);
    fc_rings_destroy(st->next_rings);
    free(st);
}

/* Gains within a rounding error of zero are zero; losses follow from the
 * identity area(A\B) - area(B\A) = area(A) - area(B), which saves a second
 * overlay per changed tile. */
static double loss_from(double gained, double now, double before)
{
    double lost = gained - (now - before);
    double tol = 1e-9 * fmax(now, before) + 1e-6;
    return lost < tol ? 0 : lost;
}

/* Marks the tiles a box (grown by a metre: clips include their edges)
 * touches in want. */
typedef struct marking {
    const fc_overlay *ov;
    bool *want;
} marking;

static void mark_box(const double b[4], void *user)
{
    const marking *m = user;
    const fc_overlay *ov = m->ov;
    const double lo[2] = {(b[0] - 1 - ov->x0) / ov->tile_m, (b[1] - 1 - ov->y0) / ov->tile_m},
                 hi[2] = {(b[2] + 1 - ov->x0) / ov->tile_m, (b[3] + 1 - ov->y0) / ov->tile_m};
    if (!(isfinite(lo[0]) && isfinite(lo[1]) && isfinite(hi[0]) && isfinite(hi[1]))) {
        memset(m->want, 1, tile_count(ov) * sizeof *m->want); /* no telling where */
        return;
    }
    if (hi[0] < 0 || hi[1] < 0 || lo[0] >= ov->nx || lo[1] >= ov->ny)
        return; /* beyond the grid: fc_overlay_measure's "outside" */
    const int ix0 = lo[0] < 0 ? 0 : (int)lo[0], iy0 = lo[1] < 0 ? 0 : (int)lo[1];
    const int ix1 = hi[0] >= ov->nx ? ov->nx - 1 : (int)hi[0],
              iy1 = hi[1] >= ov->ny ? ov->ny - 1 : (int)hi[1];
    for (int iy = iy0; iy <= iy1; iy++)
        for (int ix = ix0; ix <= ix1; ix++)
            m->want[(size_t)iy * (size_t)ov->nx + (size_t)ix] = true;
}

/*
 * The tiles to clip control into again (NULL: all), from where its rings
 * differ from the previous control's: a day's edits touch a few of a
 * front's hundreds of tiles, and clipping the whole control into every
 * tile was 15% of measuring the DeepStateMap history. Keeps control's
 * rings for the next.
 */
static const bool *tiles_to_clip(fc_worker *w, const fc_overlay *ov, fc_overlay_state *st,
                                 const GEOSGeometry *control)
{
    const bool loaded = fc_rings_load(w, st->next_rings, control);
    bool *want = NULL;
    if (loaded && st->has_prev && st->rings_ok) {
        memset(st->want, 0, tile_count(ov) * sizeof *st->want);
        marking m = {ov, st->want};
        want = fc_rings_diff(st->rings, st->next_rings, mark_box, &m) ? st->want : NULL;
    }
    fc_rings *swap = st->rings;
    st->rings = st->next_rings;
    st->next_rings = swap;
    st->rings_ok = loaded;
    return want;
}

fc_status fc_overlay_measure(fc_worker *w, const fc_overlay *ov, fc_overlay_state *st,
                             const GEOSGeometry *control, fc_measure *zones, fc_measure *all,
                             fc_overlay_stats *stats, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    const size_t nt = tile_count(ov);
    const double tile_area = ov->tile_m * ov->tile_m;
    const bool has_prev = st->has_prev;
    fc_status status = FC_OK;
    GEOSGeometry *outside = NULL;

    const bool *want = tiles_to_clip(w, ov, st, control);
    if (clip_range(w, ov, control, 0, ov->nx, 0, ov->ny, 0, want, st->tile) != 0) {
        status = fc_error_set(err, FC_ERR_GEOM, "clipping the control area failed: %s",
                              fc_worker_geos_error(w));
        goto cleanup;
    }
    for (size_t z = 0; z < ov->nzones; z++) {
        zones[z].controlled_m2 = 0;
        zones[z].border_m2 = 0; /* border.h measures it */
        st->zone_gain[z] = 0;
        st->zone_changed[z] = !has_prev;
    }
    for (size_t t = 0; t <= nt; t++)
        st->tile_changed[t] = !has_prev;
    double all_area = area_of(w, control), tiles_area = 0, gained_all = 0;
    for (size_t t = 0; t < nt; t++) {
        /* A tile not clipped again keeps the previous one's control. */
        const bool kept = want && !want[t];
        if (kept) {
            st->tile[t] = st->prev_tile[t];
            st->prev_tile[t] = NULL;
        }
        GEOSGeometry *ct = st->tile[t];
        const double ct_area = kept ? st->prev_tile_area[t] : area_of(w, ct);
        st->prev_tile_area[t] = ct_area;
        tiles_area += ct_area;
        const size_t p0 = ov->first[t], p1 = ov->first[t + 1];
        if (has_prev && (kept || fc_geom_same(w, ct, st->prev_tile[t]))) {
            for (size_t k = p0; k < p1; k++)
                zones[ov->pieces[k].zone].controlled_m2 += st->prev_piece_area[k];
            if (stats)
                stats->tiles_reused += ct != NULL;
            continue;
        }
        if (stats && ct)
            stats->tiles_changed++;
        st->tile_changed[t] = true;
        for (size_t k = p0; k < p1; k++)
            st->zone_changed[ov->pieces[k].zone] = true;
        double ct_box[4] = {0};
        if (ct)
            fc_geom_bbox(w, ct, ct_box);
        const bool ct_full = ct_area >= tile_area * (1 - 1e-9);
        for (size_t k = p0; k < p1; k++) {
            const piece *p = &ov->pieces[k];
            double a;
            if (!ct || bbox_disjoint(ct_box, p->bbox))
                a = 0;
            else if (p->full)
                a = ct_area;
            else if (ct_full)
                a = p->area_m2;
            else
                a = op_area(w, FC_OP_INTERSECTION, st->piece_geom[k], ct, stats);
            if (a < 0)
                goto geos_failed;
            st->prev_piece_area[k] = a;
            zones[p->zone].controlled_m2 += a;
        }
        if (!has_prev)
            continue;
        /* What this tile gained since the previous snapshot, split by zone. */
        GEOSGeometry *gain = NULL;
        if (ct && st->prev_tile[t]) {
            gain = fc_geom_robust_op(w, FC_OP_DIFFERENCE, ct, st->prev_tile[t]);
            if (!gain)
                goto geos_failed;
            if (stats)
                stats->intersections++;
        }
        const GEOSGeometry *g = st->prev_tile[t] ? gain : ct;
        gained_all += area_of(w, g);
        for (size_t k = p0; g && k < p1; k++) {
            const piece *p = &ov->pieces[k];
            double a = p->full ? area_of(w, g)
                               : op_area(w, FC_OP_INTERSECTION, st->piece_geom[k], g, stats);
            if (a < 0) {
                if (gain)
                    GEOSGeom_destroy_r(h, gain);
                goto geos_failed;
            }
            st->zone_gain[p->zone] += a;
        }
        if (gain)
            GEOSGeom_destroy_r(h, gain);
    }

    /* Control beyond the zones' grid counts for the whole layer only. */
    if (all_area - tiles_area > 1e-9 * all_area + 1.0) {
        double r[4];
        range_rect(ov, 0, ov->nx, 0, ov->ny, r);
        GEOSGeometry *rect = GEOSGeom_createRectangle_r(h, r[0], r[1], r[2], r[3]);
        outside = rect ? fc_geom_robust_op(w, FC_OP_DIFFERENCE, control, rect) : NULL;
        if (rect)
            GEOSGeom_destroy_r(h, rect);
        if (!outside)
            goto geos_failed;
        if (GEOSisEmpty_r(h, outside)) {
            GEOSGeom_destroy_r(h, outside);
            outside = NULL;
        }
    }
    if (has_prev && !fc_geom_same(w, outside, st->prev_outside)) {
        st->tile_changed[nt] = true;
        double a = op_area(w, FC_OP_DIFFERENCE, outside, st->prev_outside, stats);
        if (a < 0)
            goto geos_failed;
        gained_all += a;
    }

    all->controlled_m2 = all_area;
    all->border_m2 = 0;
    all->gained_m2 = has_prev ? gained_all : NAN;
    all->lost_m2 = has_prev ? loss_from(gained_all, all_area, st->prev_all_area) : NAN;
    for (size_t z = 0; z < ov->nzones; z++) {
        fc_measure *m = &zones[z];
        m->gained_m2 = has_prev ? st->zone_gain[z] : NAN;
        m->lost_m2 = has_prev ? loss_from(st->zone_gain[z], m->controlled_m2,
                                          st->prev_zone_area[z])
                              : NAN;
        st->prev_zone_area[z] = m->controlled_m2;
    }
    /* This snapshot becomes the previous one. */
    drop_tiles(w, st->prev_tile, nt);
    GEOSGeometry **swap = st->prev_tile;
    st->prev_tile = st->tile;
    st->tile = swap;
    if (st->prev_outside)
        GEOSGeom_destroy_r(h, st->prev_outside);
    st->prev_outside = outside;
    outside = NULL;
    st->prev_all_area = all_area;
    st->has_prev = true;
    goto cleanup;

geos_failed:
    status = fc_error_set(err, FC_ERR_GEOM, "overlay failed: %s", fc_worker_geos_error(w));
    /* The state no longer describes one snapshot: start afresh. */
    drop_tiles(w, st->prev_tile, nt);
    st->has_prev = false;
    for (size_t z = 0; z < ov->nzones; z++)
        st->zone_changed[z] = true;
    for (size_t t = 0; t <= nt; t++)
        st->tile_changed[t] = true;
cleanup:
    drop_tiles(w, st->tile, nt);
    if (outside)
        GEOSGeom_destroy_r(h, outside);
    return status;
}

const bool *fc_overlay_zones_changed(const fc_overlay_state *st)
{
    return st->zone_changed;
}

size_t fc_overlay_tile_pieces(const fc_overlay *ov, size_t t)
{
    return ov->first[t + 1] - ov->first[t];
}

const GEOSGeometry *fc_overlay_tile_piece(const fc_overlay *ov, size_t t, size_t k, size_t *zone)
{
    const piece *p = &ov->pieces[ov->first[t] + k];
    *zone = p->zone;
    return p->geom;
}

const bool *fc_overlay_tiles_changed(const fc_overlay_state *st)
{
    return st->tile_changed;
}

void fc_overlay_tile_rect(const fc_overlay *ov, size_t t, double r[4])
{
    const int ix = (int)(t % (size_t)ov->nx), iy = (int)(t / (size_t)ov->nx);
    range_rect(ov, ix, ix + 1, iy, iy + 1, r);
}

void fc_overlay_grid(const fc_overlay *ov, double *x0, double *y0, double *tile_m, int *nx,
                     int *ny)
{
    *x0 = ov->x0;
    *y0 = ov->y0;
    *tile_m = ov->tile_m;
    *nx = ov->nx;
    *ny = ov->ny;
}

GEOSGeometry *fc_overlay_zone_part(fc_worker *w, const GEOSGeometry *zone,
                                   const GEOSGeometry *control)
{
    double zb[4], cb[4];
    if (!fc_geom_bbox(w, zone, zb) || !fc_geom_bbox(w, control, cb) || bbox_disjoint(zb, cb))
        return GEOSGeom_createEmptyPolygon_r(w->geos);
    /* Clipping to the zone's box first keeps the overlay small. */
    GEOSGeometry *clip = GEOSClipByRect_r(w->geos, control, zb[0], zb[1], zb[2], zb[3]);
    if (!clip)
        return NULL;
    GEOSGeometry *r = fc_geom_robust_op(w, FC_OP_INTERSECTION, zone, clip);
    GEOSGeom_destroy_r(w->geos, clip);
    if (!r)
        return NULL;
    GEOSGeometry *poly = fc_geom_polygonal(w, r);
    GEOSGeom_destroy_r(w->geos, r);
    return poly;
}
