/*
 * Overlay: repair of invalid polygons, and the per-zone controlled area,
 * gains and losses of a control polygon.
 *
 * All geometry here is in the equal-area working CRS (metres), so areas are
 * planar areas there (see geodesy.h).
 *
 * Why tiles: consecutive daily snapshots differ along a few km of front
 * while the control polygon has thousands of vertices. The overlay cuts the
 * zones' extent into a grid of square tiles, clips each snapshot into them
 * and recomputes only the tiles whose clipped geometry differs from the
 * previous snapshot's; unchanged tiles reuse their areas. Intersections are
 * taken with the zone's part inside one tile (a few hundred vertices at
 * most), and a tile lying wholly inside one zone needs no intersection.
 */
#ifndef FRONTCAST_OVERLAY_H
#define FRONTCAST_OVERLAY_H

#include <stdbool.h>

#include "frontcast/geodesy.h"

/* What fc_repair did to a geometry. */
typedef struct fc_repair_report {
    bool repaired;          /* the input was invalid and was rebuilt */
    double area_before_m2;  /* planar (shoelace) area of the invalid input */
    double area_after_m2;   /* area of the repaired polygons */
    char reason[200];       /* GEOS's validity message, e.g. "Self-intersection" */
} fc_repair_report;

/*
 * Makes *geom a valid (Multi)Polygon. An invalid input is rebuilt with
 * GEOSMakeValid (method "structure", so that overlapping shells are unioned
 * and holes subtracted as the ring roles say) and its lines and points are
 * dropped. Takes ownership of *geom and replaces it with the result. rep may
 * be NULL.
 */
fc_status fc_repair(fc_worker *w, GEOSGeometry **geom, fc_repair_report *rep, fc_error *err);

/* Area, gains and losses of one zone (or of the whole layer) on one date. */
typedef struct fc_measure {
    double controlled_m2;
    double border_m2; /* the border sliver (border.h); 0 for the whole layer */
    double gained_m2; /* NAN when there is no previous snapshot */
    double lost_m2;   /* NAN when there is no previous snapshot */
} fc_measure;

/* The zone tiling; immutable once created, shared by all threads. */
typedef struct fc_overlay fc_overlay;
typedef struct fc_overlay_state fc_overlay_state;

/*
 * Builds the tiling of nzones zone polygons (valid, working CRS) with square
 * tiles of tile_m metres. The zones are copied. Newly allocated; free with
 * fc_overlay_destroy().
 */
fc_status fc_overlay_create(fc_worker *w, const GEOSGeometry *const *zones, size_t nzones,
                            double tile_m, fc_overlay **out, fc_error *err);
/* Accepts NULL. */
void fc_overlay_destroy(fc_worker *w, fc_overlay *ov);

/*
 * One thread's running state: the previous snapshot's tiles, against which
 * the next fc_overlay_measure() computes gains and losses. Newly allocated;
 * free with fc_overlay_state_destroy() using the same worker.
 */
fc_status fc_overlay_state_create(fc_worker *w, const fc_overlay *ov, fc_overlay_state **out,
                                  fc_error *err);
void fc_overlay_state_destroy(fc_worker *w, fc_overlay_state *st);

/* Counters of the work done, for the timing breakdown. */
typedef struct fc_overlay_stats {
    size_t tiles_changed;
    size_t tiles_reused;
    size_t intersections;
} fc_overlay_stats;

/*
 * Measures a valid control polygon: zones[i] for each zone, *all for the
 * whole layer (not clipped to the zones). Gains and losses are against the
 * control polygon of this state's previous call (NAN on the first call).
 * stats may be NULL; counts are added to it.
 */
fc_status fc_overlay_measure(fc_worker *w, const fc_overlay *ov, fc_overlay_state *st,
                             const GEOSGeometry *control, fc_measure *zones, fc_measure *all,
                             fc_overlay_stats *stats, fc_error *err);

/*
 * Which zones' control the last fc_overlay_measure of st found changed
 * since the call before (a tile of the zone not the same to the vertex):
 * [z] for each zone; all of them after a first call or a failed one. A
 * zone unchanged has the same controlled part as before, as a point set.
 * Owned by st.
 */
const bool *fc_overlay_zones_changed(const fc_overlay_state *st);

/*
 * Which tiles' control the last fc_overlay_measure of st found changed, the
 * same way: [t] for each tile t = iy * nx + ix of the grid, and [nx * ny]
 * for the control beyond the grid. Owned by st.
 */
const bool *fc_overlay_tiles_changed(const fc_overlay_state *st);

/* The tile grid: lower-left corner, tile size, and tiles along x and y
 * (tile ix, iy spans x0 + ix * tile_m .. x0 + (ix + 1) * tile_m). */
void fc_overlay_grid(const fc_overlay *ov, double *x0, double *y0, double *tile_m, int *nx,
                     int *ny);

/* Tile t's rectangle: xmin, ymin, xmax, ymax. */
void fc_overlay_tile_rect(const fc_overlay *ov, size_t t, double r[4]);

/* How many zones have a part in tile t; part k of them (k below that
 * count): its zone in *zone, its polygon (owned by ov; not to be shared
 * between threads, as GEOS caches in it). */
size_t fc_overlay_tile_pieces(const fc_overlay *ov, size_t t);
const GEOSGeometry *fc_overlay_tile_piece(const fc_overlay *ov, size_t t, size_t k, size_t *zone);

/*
 * g clipped to every tile of the grid, each grown by margin_m: out[t]
 * newly allocated, NULL where empty (nx * ny entries). The grid is halved
 * recursively, so that each vertex is visited about log2(tiles) times.
 * GEOSClipByRect can leave rings touching along a clip edge. Non-zero on
 * GEOS failure (the entries set so far are the caller's to free).
 */
int fc_overlay_clip(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *g, double margin_m,
                    GEOSGeometry **out);

/*
 * The controlled part of one zone as a geometry, for export (a direct
 * intersection, not tiled). Newly allocated; NULL on GEOS failure.
 */
GEOSGeometry *fc_overlay_zone_part(fc_worker *w, const GEOSGeometry *zone,
                                   const GEOSGeometry *control);

#endif
