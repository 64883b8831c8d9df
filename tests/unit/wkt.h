/* Geometries of the tests' fixtures from WKT: one that does not parse is a
 * failed check (and NULL). Newly allocated: GEOSGeom_destroy_r. */
#ifndef FRONTCAST_TEST_WKT_H
#define FRONTCAST_TEST_WKT_H

#include "check.h"
#include "frontcast/geodesy.h"

static inline GEOSGeometry *check_wkt(GEOSContextHandle_t h, const char *s)
{
    GEOSGeometry *g = GEOSGeomFromWKT_r(h, s);
    CHECK(g != NULL);
    return g;
}

#endif
