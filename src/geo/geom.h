/* Internal GEOS helpers for polygonal geometry (not public API). */
#ifndef FRONTCAST_GEO_GEOM_H
#define FRONTCAST_GEO_GEOM_H

#include <stdbool.h>

#include "frontcast/geodesy.h"

/* The WGS84 ellipsoid, for Karney's geodesic routines. */
#define FC_WGS84_A 6378137.0
#define FC_WGS84_F (1.0 / 298.257223563)

/* Called with a ring's (or a line's) interleaved x,y buffer of *n points
 * (closed for a ring), allocated with malloc. May modify it in place, or
 * replace it with another malloc'd buffer (freeing the old) and update *n.
 * Returns 0 to go on, non-zero to stop. */
typedef int (*fc_ring_map_fn)(fc_worker *w, double **xy, size_t *n, void *user);
typedef int (*fc_ring_visit_fn)(fc_worker *w, const double *xy, size_t n, bool hole,
                                void *user);

/*
 * Rebuilds the polygonal parts of g (Polygon, MultiPolygon, or collections of
 * them) with each ring passed through fn. Newly allocated MultiPolygon (or
 * Polygon when g is one); NULL if fn stopped or GEOS failed.
 */
GEOSGeometry *fc_geom_map_rings(fc_worker *w, const GEOSGeometry *g, fc_ring_map_fn fn,
                                void *user);

/*
 * Rebuilds the lineal parts of g (LineString, MultiLineString, collections)
 * with each line's coordinates passed through fn. Newly allocated
 * MultiLineString; NULL if fn stopped or GEOS failed.
 */
GEOSGeometry *fc_geom_map_lines(fc_worker *w, const GEOSGeometry *g, fc_ring_map_fn fn,
                                void *user);

/* Calls fn for every LineString of g (hole is false); returns fn's first
 * non-zero. */
int fc_geom_each_line(fc_worker *w, const GEOSGeometry *g, fc_ring_visit_fn fn, void *user);

/* True when g has lineal and no polygonal parts. */
bool fc_geom_is_lineal(fc_worker *w, const GEOSGeometry *g);

/* Calls fn for every ring of g's polygonal parts; returns fn's first non-zero. */
int fc_geom_each_ring(fc_worker *w, const GEOSGeometry *g, fc_ring_visit_fn fn, void *user);

/*
 * The polygonal parts of g as one MultiPolygon (empty if there are none),
 * dropping points and lines. Newly allocated; g is not consumed.
 */
GEOSGeometry *fc_geom_polygonal(fc_worker *w, const GEOSGeometry *g);

/* Number of Polygon parts in g (recursing into collections). */
int fc_geom_polygon_count(fc_worker *w, const GEOSGeometry *g);

typedef enum { FC_OP_INTERSECTION, FC_OP_DIFFERENCE } fc_geom_op;

/*
 * a op b, retrying on repaired copies: rectangle clipping of valid input
 * can leave rings that touch themselves along the clip edge, which
 * OverlayNG occasionally rejects. Newly allocated; NULL only if both
 * attempts fail.
 */
GEOSGeometry *fc_geom_robust_op(fc_worker *w, fc_geom_op op, const GEOSGeometry *a,
                                const GEOSGeometry *b);

/*
 * The part of g in the rectangle r (xmin, ymin, xmax, ymax) by an overlay
 * with it (fc_geom_robust_op): valid, and slower than clipping. Newly
 * allocated; NULL on failure.
 */
GEOSGeometry *fc_geom_rect_part(fc_worker *w, const GEOSGeometry *g, const double r[4]);

/*
 * g clipped to the rectangle r with GEOSClipByRect, or, where that fails
 * on a ring collapsing along the edge (three points), fc_geom_rect_part.
 * The result may have rings touching along the edge. Newly allocated;
 * NULL only on failure.
 */
GEOSGeometry *fc_geom_clip_rect(fc_worker *w, const GEOSGeometry *g, const double r[4]);

/*
 * n geometries as one blob (a cache's): head_size bytes of the caller's
 * header, then each geometry's WKB after its byte length (uint64_t; 0 for
 * a NULL entry). Newly allocated (free()); NULL when out of memory.
 */
unsigned char *fc_geoms_blob(fc_worker *w, const void *head, size_t head_size,
                             const GEOSGeometry *const *g, size_t n, size_t *size);
/*
 * The n geometries of such a blob from b (past the caller's header) into
 * g, newly allocated (NULL for a length 0). False, with nothing allocated,
 * unless b holds exactly n of them.
 */
bool fc_geoms_of_blob(fc_worker *w, const unsigned char *b, size_t size, GEOSGeometry **g,
                      size_t n);

/* Bounding box of g as xmin, ymin, xmax, ymax; false when g is empty. */
bool fc_geom_bbox(fc_worker *w, const GEOSGeometry *g, double bbox[4]);

/*
 * The union of the n geometries g (NULL and empty ones skipped),
 * normalized (GEOSNormalize: every ring from its least vertex, in one
 * orientation, the parts sorted), so that how it was computed does not
 * show. threads as -j (0: all cores; 1: one): with two or more, the
 * western and the eastern half (by the centres of their boxes) are merged
 * on two threads, then with each other: a union costs about n log n, and
 * two halves' outlines are short where they meet. Newly allocated; NULL
 * on failure (w's GEOS error says why).
 */
GEOSGeometry *fc_geom_union_all(fc_worker *w, const GEOSGeometry *const *g, size_t n,
                                int threads);

/* True when a and b (NULL: none) are the same to the last bit, vertex by
 * vertex in order: then so is anything computed from them. O(n). */
bool fc_geom_same(fc_worker *w, const GEOSGeometry *a, const GEOSGeometry *b);

#endif
