/* Internal GEOS helpers for polygonal geometry (not public API). */
#ifndef FRONTCAST_GEO_GEOM_H
#define FRONTCAST_GEO_GEOM_H

#include <stdbool.h>

#include "frontcast/geodesy.h"

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

/* Bounding box of g as xmin, ymin, xmax, ymax; false when g is empty. */
bool fc_geom_bbox(fc_worker *w, const GEOSGeometry *g, double bbox[4]);

#endif
