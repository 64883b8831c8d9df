/*
 * Geodesy: per-thread geometry contexts, reprojection into the equal-area
 * working CRS, and ellipsoidal areas.
 *
 * frontcast measures areas in a Lambert azimuthal equal-area projection on
 * the WGS84 ellipsoid, centred on the zones (PROJ "laea", which is exactly
 * equal-area on the ellipsoid through the authalic latitude). Planar areas
 * there equal ellipsoidal areas up to the difference between a straight
 * projected edge and the geodesic, which for edges of a few km is below
 * 1e-6 relative; tests/unit/test_geodesy.c checks this against Karney's
 * geodesic polygon area (geod_polygonarea) and the analytic area of a
 * lat/lon quadrangle.
 */
#ifndef FRONTCAST_GEODESY_H
#define FRONTCAST_GEODESY_H

#include <stdbool.h>
#include <stddef.h>

#include <geos_c.h>

#include "frontcast/frontcast.h"

/*
 * A worker: the GEOS and PROJ contexts one thread uses. GEOS errors raised
 * inside a worker's context are captured and readable with
 * fc_worker_geos_error(). Not thread-safe: one per thread.
 */
typedef struct fc_worker fc_worker;

/* Newly allocated; free with fc_worker_destroy(). NULL when out of memory. */
fc_worker *fc_worker_create(void);
/* Frees w and its contexts; accepts NULL. */
void fc_worker_destroy(fc_worker *w);
GEOSContextHandle_t fc_worker_geos(fc_worker *w);
/* The last GEOS error message in this worker ("" if none). Owned by w. */
const char *fc_worker_geos_error(const fc_worker *w);

/*
 * Writes into buf the PROJ definition of the working CRS: Lambert azimuthal
 * equal-area on WGS84 centred at (lon0_deg, lat0_deg), metres.
 */
void fc_equal_area_crs(double lon0_deg, double lat0_deg, char *buf, size_t size);
/* The centre of a CRS written by fc_equal_area_crs; false for any other. */
bool fc_equal_area_centre(const char *crs, double *lon0_deg, double *lat0_deg);

/*
 * Reprojects a polygonal (or a lineal) geometry from src_crs to dst_crs (any definition
 * PROJ accepts: "OGC:CRS84", "EPSG:3857", WKT, PROJ strings). Coordinates
 * are taken and returned in lon/lat (east, north) order whatever the CRS
 * axis order says. The worker caches the last transformation, so repeated
 * calls with the same pair are cheap.
 * On success *out is newly allocated (GEOSGeom_destroy_r with the worker's
 * context). A point that cannot be transformed is FC_ERR_CRS.
 */
fc_status fc_reproject(fc_worker *w, const GEOSGeometry *g, const char *src_crs,
                       const char *dst_crs, GEOSGeometry **out, fc_error *err);

/*
 * Edges of lon/lat geometry are geodesics, as PostGIS's geography,
 * GeographicLib and GDAL's geodesic area take them, not straight lines in
 * the working projection: before projecting, fc_reproject_geodesic splits
 * every edge longer than this along its geodesic. The area of a 1 degree
 * cell then differs from the geodesic polygon's by 1.2e-8 (1 km: 3e-9,
 * 5 km: 8e-8); boundaries with 50 m edges are untouched.
 */
#define FC_GEODESIC_STEP_M 2000.0

/*
 * fc_reproject for geometry in a geographic src_crs whose edges are
 * geodesics (split every FC_GEODESIC_STEP_M on WGS84 first). On success
 * *out is newly allocated, as with fc_reproject.
 */
fc_status fc_reproject_geodesic(fc_worker *w, const GEOSGeometry *g, const char *src_crs,
                                const char *dst_crs, GEOSGeometry **out, fc_error *err);

/* Starts the next generation of w's memo of split and projected edges,
 * which fc_reproject_geodesic uses until fc_geodesic_memo_end: call it
 * around each snapshot of a series, so that an edge the previous snapshot
 * had costs a lookup. The memo holds the edges of the current and the
 * previous generation; what is reprojected outside begin/end (zones,
 * outputs) does not go in. */
void fc_geodesic_memo_begin(fc_worker *w);
void fc_geodesic_memo_end(fc_worker *w);

/* Reprojects n points (x, y pairs, lon/lat order like fc_reproject) in place. */
fc_status fc_reproject_xy(fc_worker *w, const char *src_crs, const char *dst_crs, double *xy,
                          size_t n, fc_error *err);

/* True when crs is a geographic (lon/lat) CRS. */
bool fc_crs_is_geographic(fc_worker *w, const char *crs);

/*
 * Ellipsoidal area (m^2) of a polygonal geometry given in lon/lat degrees on
 * WGS84, edges taken as geodesics: Karney (2013), "Algorithms for geodesics",
 * through PROJ's geod_polygonarea. Shells count positive, holes negative,
 * whatever the ring orientation.
 */
double fc_geodesic_area_m2(fc_worker *w, const GEOSGeometry *lonlat);
/* Geodesic length (m) of the lines of a lon/lat (OGC:CRS84) geometry:
 * the sum of geod_inverse over its segments, in order. A worker keeps the
 * lengths of the segments of the last two geometries it measured: a day's
 * front line shares most of them with the day before's (the same doubles
 * either way). */
double fc_geodesic_length_m(fc_worker *w, const GEOSGeometry *lonlat);

/*
 * Exact area (m^2) on WGS84 of the quadrangle bounded by the parallels
 * lat1_deg < lat2_deg and two meridians dlon_deg apart (edges along the
 * parallels, not geodesics). A closed form through the authalic latitude;
 * the reference for tests.
 */
double fc_quadrangle_area_m2(double lat1_deg, double lat2_deg, double dlon_deg);

#endif
