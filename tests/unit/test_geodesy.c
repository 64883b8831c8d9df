/*
 * Areas on the ellipsoid: reference values, and the equal-area working CRS
 * against Karney's geodesic polygon area.
 */
#include "check.h"
#include "fixture.h"

#include "frontcast/load.h"

#include <math.h>
#include <string.h>

static char big[1 << 20];

/* Closed-form area of a lat/lon quadrangle against an independent value:
 * 1 deg x 1 deg at the equator, by numerical integration of the WGS84
 * area element (200,000 steps). */
static void quadrangle_reference(void)
{
    CHECK_NEAR(fc_quadrangle_area_m2(0, 1, 1), 12308463893.975, 0.01);
    /* The whole ellipsoid: 510,065,621.72 km^2 (WGS84 surface area). */
    CHECK_NEAR(fc_quadrangle_area_m2(-90, 90, 360) / 1e6, 510065621.72, 0.01);
}

/* PROJ's geod_polygonarea against GeographicLib's Planimeter: the 1 deg
 * square at the equator with geodesic edges is 12,308,778,361.469 m^2. */
static void geodesic_reference(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *g = GEOSGeomFromWKT_r(h, "POLYGON((0 0,1 0,1 1,0 1,0 0))");
    CHECK_NEAR(fc_geodesic_area_m2(w, g), 12308778361.469, 0.01);
    /* Orientation does not matter. */
    GEOSGeometry *r = GEOSGeomFromWKT_r(h, "POLYGON((0 0,0 1,1 1,1 0,0 0))");
    CHECK_NEAR(fc_geodesic_area_m2(w, r), 12308778361.469, 0.01);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, r);
}

/* Loads the single zone in path and returns its area (m^2). */
static double zone_area(fc_worker *w, const char *path)
{
    fc_zoneset *zs = NULL;
    fc_error err;
    if (fc_zones_load(w, path, NULL, NULL, &zs, &err) != FC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(!"zones load");
        return NAN;
    }
    CHECK(zs->n == 1);
    double a = zs->zones[0].area_m2;
    fc_zones_destroy(w, zs);
    return a;
}

/* The working CRS gives the exact quadrangle area for a densified cell. */
static void cell_at_equator(fc_worker *w)
{
    snprintf(big, sizeof big, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                              "\"properties\":{\"zone_id\":\"cell\"},\"geometry\":{\"type\":"
                              "\"Polygon\",\"coordinates\":[");
    fixture_box_ring(big, sizeof big, 0, 0, 1, 1, 200);
    strcat(big, "]}}]}");
    double a = zone_area(w, fixture_write("cell.geojson", big));
    CHECK_NEAR(a / fc_quadrangle_area_m2(0, 1, 1), 1.0, 1e-7);
}

/* Zones whose lon/lat edges are long: taken as geodesics (split every
 * FC_GEODESIC_STEP_M before projection), their areas are GeographicLib's
 * for the geodesic polygon (Geodesic.WGS84.Polygon, geographiclib 2.0,
 * Python: 12,308,778,361.469 m^2 for the 1 degree cell at the equator,
 * 66,383,211,785.158 m^2 for the lozenge). Projected as straight edges they
 * were 3.8e-5 and 2.2e-4 short. */
static void geodesic_edges(fc_worker *w)
{
    static const struct {
        const char *name, *ring;
        double want_m2;
    } cases[] = {
        {"cell", "[[0,0],[1,0],[1,1],[0,1],[0,0]]", 12308778361.469},
        {"lozenge", "[[30,46],[32,48],[30,50],[28,48],[30,46]]", 66383211785.158},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(big, sizeof big,
                 "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                 "\"properties\":{\"zone_id\":\"%s\"},\"geometry\":{\"type\":\"Polygon\","
                 "\"coordinates\":[%s]}}]}",
                 cases[i].name, cases[i].ring);
        char file[64];
        snprintf(file, sizeof file, "%s.geojson", cases[i].name);
        double a = zone_area(w, fixture_write(file, big));
        printf("%s: %.3f m2, GeographicLib %.3f m2, relative %.1e\n", cases[i].name, a,
               cases[i].want_m2, a / cases[i].want_m2 - 1);
        CHECK_NEAR(a / cases[i].want_m2, 1.0, 1e-7);
    }
}

/* Two zones sharing a 2-degree edge, which each runs the other way: split
 * at the same points, their union is one polygon without holes (split from
 * opposite ends, the points differed in the last bits and left zero-width
 * gaps along the shared edge). */
static void shared_edge(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    const char *crs = "+proj=laea +lat_0=48 +lon_0=31 +ellps=WGS84";
    GEOSGeometry *ll[2] = {
        GEOSGeomFromWKT_r(h, "POLYGON((30 47,31.3 47.2,31.9 49.1,29.5 49,30 47))"),
        GEOSGeomFromWKT_r(h, "POLYGON((31.3 47.2,33 47,33 49,31.9 49.1,31.3 47.2))")};
    GEOSGeometry *xy[2] = {NULL, NULL};
    fc_error err;
    for (int i = 0; i < 2; i++)
        CHECK(ll[i] && fc_reproject_geodesic(w, ll[i], "OGC:CRS84", crs, &xy[i], &err) == FC_OK);
    GEOSGeometry *both = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, xy, 2);
    GEOSGeometry *u = both ? GEOSUnaryUnion_r(h, both) : NULL;
    CHECK(u && GEOSGeomTypeId_r(h, u) == GEOS_POLYGON && GEOSGetNumInteriorRings_r(h, u) == 0);
    if (u)
        GEOSGeom_destroy_r(h, u);
    if (both)
        GEOSGeom_destroy_r(h, both);
    for (int i = 0; i < 2; i++)
        if (ll[i])
            GEOSGeom_destroy_r(h, ll[i]);
}

/* A ring of 2,000 edges each 40 degrees long (a comb): split every 2 km it
 * would be 4.4 million points; the split's budget keeps it to 65,536 plus 8
 * per point, and the zone still loads. */
static void geodesic_split_budget(fc_worker *w)
{
    size_t len = snprintf(big, sizeof big,
                          "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
                          "\"Feature\",\"properties\":{\"zone_id\":\"comb\"},\"geometry\":"
                          "{\"type\":\"Polygon\",\"coordinates\":[[");
    const int teeth = 1000;
    for (int i = 0; i < teeth; i++)
        len += snprintf(big + len, sizeof big - len, "[%.4f,0],[%.4f,40],", 0.02 * i,
                        0.02 * i + 0.01);
    len += snprintf(big + len, sizeof big - len, "[%.4f,-1],[0,-1],[0,0]]]}}]}", 0.02 * teeth);
    CHECK(len < sizeof big);
    fc_zoneset *zs = NULL;
    fc_error err;
    CHECK(fc_zones_load(w, fixture_write("comb.geojson", big), NULL, NULL, &zs, &err) == FC_OK);
    if (!zs)
        return;
    int n = GEOSGetNumCoordinates_r(fc_worker_geos(w), zs->zones[0].geom);
    printf("comb: %d points after the split (input %d)\n", n, 2 * teeth + 3);
    CHECK(n > 2 * teeth + 3);
    CHECK(n <= 65536 + 9 * (2 * teeth + 3));
    fc_zones_destroy(w, zs);
}

static void polygon_with_hole(fc_worker *w)
{
    snprintf(big, sizeof big, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                              "\"properties\":{\"zone_id\":\"ring\"},\"geometry\":{\"type\":"
                              "\"Polygon\",\"coordinates\":[");
    fixture_box_ring(big, sizeof big, 30, 48, 32, 50, 200);
    strcat(big, ",");
    fixture_box_ring(big, sizeof big, 30.5, 48.5, 31.5, 49.5, 100);
    strcat(big, "]}}]}");
    double want = fc_quadrangle_area_m2(48, 50, 2) - fc_quadrangle_area_m2(48.5, 49.5, 1);
    double a = zone_area(w, fixture_write("hole.geojson", big));
    CHECK_NEAR(a / want, 1.0, 1e-7);
}

/* A zone given in Web Mercator (EPSG:3857): a Mercator rectangle is a lat/lon
 * quadrangle, so its true area is known in closed form. */
static void zone_in_web_mercator(fc_worker *w)
{
    const double R = 6378137.0, d2r = M_PI / 180;
    double x0 = R * 30 * d2r, x1 = R * 31 * d2r;
    double y0 = R * log(tan(M_PI / 4 + 48 * d2r / 2)), y1 = R * log(tan(M_PI / 4 + 49 * d2r / 2));
    snprintf(big, sizeof big,
             "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"urn:ogc:def:crs:EPSG::3857\"}},\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{\"zone_id\":\"merc\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[");
    fixture_box_ring(big, sizeof big, x0, y0, x1, y1, 200);
    strcat(big, "]}}]}");
    double a = zone_area(w, fixture_write("merc.geojson", big));
    CHECK_NEAR(a / fc_quadrangle_area_m2(48, 49, 1), 1.0, 1e-7);
    /* Degrees squared would be about 1: far from the 82 km x 111 km truth. */
    CHECK(a > 8e9);
}

/* Every oblast: planar area in the working CRS against the geodesic area
 * of the same lon/lat polygon. This is the equivalence the README claims. */
static void oblasts_match_geodesic(fc_worker *w)
{
    fc_zoneset *zs = NULL;
    fc_error err;
    if (fc_zones_load(w, FRONTCAST_GEODATA_DIR "/ukraine-oblasts.geojson", NULL, NULL, &zs, &err) !=
        FC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(!"oblasts load");
        return;
    }
    CHECK(zs->n == 27);
    double worst = 0;
    for (size_t i = 0; i < zs->n; i++) {
        GEOSGeometry *ll = NULL;
        CHECK(fc_reproject(w, zs->zones[i].geom, zs->crs, "OGC:CRS84", &ll, &err) == FC_OK);
        double geod = fc_geodesic_area_m2(w, ll);
        double rel = fabs(zs->zones[i].area_m2 / geod - 1);
        worst = fmax(worst, rel);
        GEOSGeom_destroy_r(fc_worker_geos(w), ll);
    }
    printf("oblasts: worst relative difference, equal-area vs geodesic: %.2e\n", worst);
    CHECK(worst < 1e-7);
    fc_zones_destroy(w, zs);
}

/* The working CRS's centre reads back from its definition. */
static void centre_round_trip(void)
{
    char crs[256];
    double lon0, lat0;
    fc_equal_area_crs(31.1502, 48.3794, crs, sizeof crs);
    CHECK(fc_equal_area_centre(crs, &lon0, &lat0));
    CHECK_NEAR(lon0, 31.1502, 1e-9);
    CHECK_NEAR(lat0, 48.3794, 1e-9);
    CHECK(!fc_equal_area_centre("EPSG:4326", &lon0, &lat0));
}

/* The edge memo gives the doubles the split and projection give without
 * it: the same ring read three times (new, then from the memo, then with
 * one vertex moved, so new and remembered edges mix), each compared bit
 * for bit with a worker that has no memo. */
static bool same_coords(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b)
{
    const GEOSGeometry *ra = GEOSGetExteriorRing_r(h, a), *rb = GEOSGetExteriorRing_r(h, b);
    const GEOSCoordSequence *sa = GEOSGeom_getCoordSeq_r(h, ra), *sb = GEOSGeom_getCoordSeq_r(h, rb);
    unsigned na = 0, nb = 0;
    GEOSCoordSeq_getSize_r(h, sa, &na);
    GEOSCoordSeq_getSize_r(h, sb, &nb);
    if (na != nb || na < 4)
        return false;
    for (unsigned i = 0; i < na; i++) {
        double xa, ya, xb, yb;
        GEOSCoordSeq_getXY_r(h, sa, i, &xa, &ya);
        GEOSCoordSeq_getXY_r(h, sb, i, &xb, &yb);
        if (memcmp(&xa, &xb, sizeof xa) || memcmp(&ya, &yb, sizeof ya))
            return false;
    }
    return true;
}

static void edge_memo(void)
{
    static const char *const rings[] = {
        /* long edges (split) and short ones (not), a ring read twice */
        "POLYGON((30 48,31.5 48,31.5 48.001,33 49.5,30.2 49.9,30 48))",
        "POLYGON((30 48,31.5 48,31.5 48.001,33 49.5,30.2 49.9,30 48))",
        "POLYGON((30 48,31.5 48,31.6 48.3,33 49.5,30.2 49.9,30 48))",
    };
    char crs[256];
    fc_equal_area_crs(31, 48.5, crs, sizeof crs);
    fc_worker *with = fc_worker_create(), *without = fc_worker_create();
    if (!with || !without) {
        CHECK(!"workers");
        return;
    }
    GEOSContextHandle_t h = fc_worker_geos(with), h2 = fc_worker_geos(without);
    for (size_t i = 0; i < sizeof rings / sizeof *rings; i++) {
        fc_geodesic_memo_begin(with);
        GEOSGeometry *g = GEOSGeomFromWKT_r(h, rings[i]), *g2 = GEOSGeomFromWKT_r(h2, rings[i]);
        GEOSGeometry *a = NULL, *b = NULL;
        fc_error err;
        CHECK(fc_reproject_geodesic(with, g, "OGC:CRS84", crs, &a, &err) == FC_OK);
        CHECK(fc_reproject_geodesic(without, g2, "OGC:CRS84", crs, &b, &err) == FC_OK);
        CHECK(a && b && same_coords(h, a, b));
        int n = a ? GEOSGetNumCoordinates_r(h, a) : 0;
        CHECK(n > 100); /* the long edges were split */
        GEOSGeom_destroy_r(h, g);
        GEOSGeom_destroy_r(h2, g2);
        if (a)
            GEOSGeom_destroy_r(h, a);
        if (b)
            GEOSGeom_destroy_r(h2, b);
        fc_geodesic_memo_end(with);
    }
    fc_worker_destroy(with);
    fc_worker_destroy(without);
}

/* Line lengths through the worker's memo: the same doubles as a worker
 * that measures each line afresh, for lines sharing segments with the one
 * before, the same line twice and a line with a segment moved. */
static void length_memo(void)
{
    static const char *const lines[] = {
        "LINESTRING(30 0,30 1)", /* a meridian degree: 110574.389 m on WGS84 */
        "MULTILINESTRING((30 48,31.5 48,31.5 48.001,33 49.5),(35 47,35.2 47.1))",
        "MULTILINESTRING((30 48,31.5 48,31.5 48.001,33 49.5),(35 47,35.2 47.1))",
        "MULTILINESTRING((30 48,31.5 48,31.6 48.3,33 49.5),(35 47,35.2 47.1))",
    };
    fc_worker *with = fc_worker_create();
    CHECK(with != NULL);
    for (size_t i = 0; with && i < sizeof lines / sizeof *lines; i++) {
        fc_worker *fresh = fc_worker_create();
        GEOSGeometry *a = GEOSGeomFromWKT_r(fc_worker_geos(with), lines[i]);
        GEOSGeometry *b = fresh ? GEOSGeomFromWKT_r(fc_worker_geos(fresh), lines[i]) : NULL;
        CHECK(a && b);
        if (a && b) {
            const double m = fc_geodesic_length_m(with, a), m2 = fc_geodesic_length_m(fresh, b);
            CHECK(memcmp(&m, &m2, sizeof m) == 0);
            if (i == 0)
                CHECK_NEAR(m, 110574.389, 0.001);
        }
        if (a)
            GEOSGeom_destroy_r(fc_worker_geos(with), a);
        if (b)
            GEOSGeom_destroy_r(fc_worker_geos(fresh), b);
        fc_worker_destroy(fresh);
    }
    fc_worker_destroy(with);
}

int main(void)
{
    centre_round_trip();
    fc_worker *w = fc_worker_create();
    quadrangle_reference();
    geodesic_reference(w);
    cell_at_equator(w);
    geodesic_edges(w);
    geodesic_split_budget(w);
    shared_edge(w);
    polygon_with_hole(w);
    zone_in_web_mercator(w);
    oblasts_match_geodesic(w);
    edge_memo();
    length_memo();
    fc_worker_destroy(w);
    return check_exit("test_geodesy");
}
