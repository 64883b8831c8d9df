/*
 * The border sliver (border.h) on hand-made planar fixtures (metres) whose
 * answers follow from the definition: a gap between control and the
 * outline thinner than the tolerance is sliver, a wider one is contested
 * ground (but for its corners), and an island far from any control is
 * neither.
 */
#include "check.h"
#include "wkt.h"

#include "frontcast/border.h"

#include <math.h>

#define KM2 1e6
#define KM 1000.0


/* Zones A and B, 40 x 40 km side by side, and C, a 500 m islet 60 km east
 * of them. The country's outline is their union's. */
static const char *zone_wkt[] = {
    "POLYGON((0 0,40000 0,40000 40000,0 40000,0 0))",
    "POLYGON((40000 0,80000 0,80000 40000,40000 40000,40000 0))",
    "POLYGON((140000 0,140500 0,140500 500,140000 500,140000 0))",
};
#define NZ 3

typedef struct snapshot {
    const char *control;
    double border_km2[NZ]; /* expected */
    double within_km2;     /* how close */
} snapshot;

/*
 * Where control meets the outline at a right angle, the corner of
 * uncontrolled ground that a disk of radius r = 1 km cannot reach is
 * opened away too: r^2 (1 - pi/4) = 0.2146 km2 (the buffers' polygons
 * make it 0.2196).
 */
#define CORNER (1 - M_PI / 4)

/*
 * 1. Control covers A but for a 1 km strip along its southern outline: the
 *    strip, 40 km2, is sliver (opened away, within 2 km of the outline and
 *    of control); B, wide and uncontrolled, is not, but for its two corners
 *    against control and the outline at (40 km, 0) and (40 km, 40 km).
 *    The islet is far from any control.
 * 2. A 3 km strip survives the opening: contested, not sliver, but for the
 *    corner at (0, 3 km) (the one at (0, 0) is 3 km from control) and B's
 *    corner at (40 km, 40 km).
 * 3. Control holds A to its outline: nothing of A to reconcile; B's two
 *    corners.
 * 4. Snapshot 1 again, after the changes: the same.
 * 5, 6. Snapshot 3, then 1 again: each change undoes the one before, whose
 *    result the state still holds.
 */
static const snapshot series[] = {
    {"POLYGON((0 1000,40000 1000,40000 40000,0 40000,0 1000))", {40, 2 * CORNER, 0}, 0.02},
    {"POLYGON((0 3000,40000 3000,40000 40000,0 40000,0 3000))", {CORNER, CORNER, 0}, 0.01},
    {"POLYGON((0 0,40000 0,40000 40000,0 40000,0 0))", {0, 2 * CORNER, 0}, 0.02},
    {"POLYGON((0 1000,40000 1000,40000 40000,0 40000,0 1000))", {40, 2 * CORNER, 0}, 0.02},
    {"POLYGON((0 0,40000 0,40000 40000,0 40000,0 0))", {0, 2 * CORNER, 0}, 0.02},
    {"POLYGON((0 1000,40000 1000,40000 40000,0 40000,0 1000))", {40, 2 * CORNER, 0}, 0.02},
};
#define NS (sizeof series / sizeof series[0])

static void run_series(fc_worker *w, double tile_m)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *zones[NZ];
    for (int z = 0; z < NZ; z++)
        zones[z] = check_wkt(fc_worker_geos(w), zone_wkt[z]);
    fc_overlay *ov = NULL;
    fc_overlay_state *ost = NULL;
    fc_border *b = NULL;
    fc_border_state *bst = NULL;
    fc_error err;
    const GEOSGeometry *const *zz = (const GEOSGeometry *const *)zones;
    CHECK(fc_overlay_create(w, zz, NZ, tile_m, &ov, &err) == FC_OK);
    CHECK(fc_overlay_state_create(w, ov, &ost, &err) == FC_OK);
    CHECK(fc_border_create(w, ov, zz, NZ, 2 * KM, 1, NULL, &b, &err) == FC_OK);
    CHECK(fc_border_state_create(w, b, &bst, &err) == FC_OK);
    for (size_t s = 0; s < NS; s++) {
        GEOSGeometry *c = check_wkt(fc_worker_geos(w), series[s].control);
        fc_measure m[NZ], all;
        CHECK(fc_overlay_measure(w, ov, ost, c, m, &all, NULL, &err) == FC_OK);
        CHECK(fc_border_measure(w, b, bst, ost, c, m, &err) == FC_OK);
        for (int z = 0; z < NZ; z++)
            CHECK_NEAR(m[z].border_m2 / KM2, series[s].border_km2[z], series[s].within_km2);
        CHECK(all.border_m2 == 0);
        GEOSGeom_destroy_r(h, c);
    }
    fc_border_state_destroy(w, bst);
    fc_border_destroy(w, b);
    fc_overlay_state_destroy(w, ost);
    fc_overlay_destroy(w, ov);
    for (int z = 0; z < NZ; z++)
        GEOSGeom_destroy_r(h, zones[z]);
}

/* The result does not depend on the tiles: 5 km tiles (the opening's reach
 * crossing tile edges), 40 km, and one tile for everything. */
static void tile_sizes(fc_worker *w)
{
    run_series(w, 5 * KM);
    run_series(w, 40 * KM);
    run_series(w, 200 * KM);
}

/* The outline's interiors: a 10 km square shrunk by 2 and 4 km. */
static void outline(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *z[2] = {check_wkt(fc_worker_geos(w), "POLYGON((0 0,5000 0,5000 10000,0 10000,0 0))"),
                          check_wkt(fc_worker_geos(w), "POLYGON((5000 0,10000 0,10000 10000,5000 10000,5000 0))")};
    GEOSGeometry *country = NULL, *in[2] = {NULL, NULL};
    const double shrink[2] = {2 * KM, 4 * KM};
    fc_error err;
    CHECK(fc_country_outline(w, (const GEOSGeometry *const *)z, 2, 1, shrink, 2, 0.25, &country, in,
                             &err) == FC_OK);
    double a = 0;
    GEOSArea_r(h, country, &a);
    CHECK_NEAR(a / KM2, 100, 1e-9);
    GEOSArea_r(h, in[0], &a);
    CHECK_NEAR(a / KM2, 36, 1e-6);
    GEOSArea_r(h, in[1], &a);
    CHECK_NEAR(a / KM2, 4, 1e-6);
    for (int i = 0; i < 2; i++) {
        GEOSGeom_destroy_r(h, in[i]);
        GEOSGeom_destroy_r(h, z[i]);
    }
    GEOSGeom_destroy_r(h, country);
}

/* A gap between zones (a 100 m square no zone covers) is not outline;
 * a 4 km lake is: the country keeps only the lake's hole. */
static void gaps(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *z[2] = {
        check_wkt(fc_worker_geos(w), "POLYGON((0 0,10000 0,10000 20000,0 20000,0 0),"
               "(9900 9900,9900 10000,10000 10000,10000 9900,9900 9900))"),
        check_wkt(fc_worker_geos(w), "POLYGON((10000 0,30000 0,30000 20000,10000 20000,10000 0),"
               "(20000 8000,20000 12000,24000 12000,24000 8000,20000 8000))")};
    GEOSGeometry *country = NULL, *in = NULL;
    const double shrink = 2 * KM;
    fc_error err;
    CHECK(fc_country_outline(w, (const GEOSGeometry *const *)z, 2, 1, &shrink, 1, 0.25, &country,
                             &in, &err) == FC_OK);
    double a = 0;
    GEOSArea_r(h, country, &a);
    CHECK_NEAR(a / KM2, 600 - 16, 1e-9);
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, country, 0);
    CHECK(GEOSGetNumGeometries_r(h, country) == 1 && GEOSGetNumInteriorRings_r(h, p) == 1);
    GEOSGeom_destroy_r(h, in);
    GEOSGeom_destroy_r(h, country);
    for (int i = 0; i < 2; i++)
        GEOSGeom_destroy_r(h, z[i]);
}

/* Vertex (i, j) of a 1 km grid, moved by up to 300 m in x and y
 * (deterministically): cells sharing a vertex share it exactly. */
static void grid_vertex(int i, int j, double *x, double *y)
{
    unsigned u = (unsigned)(i * 7919 + j * 104729) * 2654435761u;
    *x = i * KM + (double)(u % 601) - 300;
    *y = j * KM + (double)((u >> 12) % 601) - 300;
}

/* The outline of many zones is the same merged on one thread or two (the
 * halves meet along a jagged line), and covers what the zones cover: 60
 * jittered cells of a 12 x 5 grid, less one cell left out (a hole), plus
 * an empty zone and none. */
static void outline_threads(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    enum { NX = 12, NY = 5, N = NX * NY + 2 };
    GEOSGeometry *z[N] = {NULL};
    double sum = 0, hole = 0;
    for (int i = 0; i < NX; i++)
        for (int j = 0; j < NY; j++) {
            const int c[5][2] = {{i, j}, {i + 1, j}, {i + 1, j + 1}, {i, j + 1}, {i, j}};
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 5, 2);
            for (int k = 0; k < 5; k++) {
                double x, y;
                grid_vertex(c[k][0], c[k][1], &x, &y);
                GEOSCoordSeq_setXY_r(h, cs, (unsigned)k, x, y);
            }
            GEOSGeometry *cell = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs),
                                                          NULL, 0);
            double a = 0;
            GEOSArea_r(h, cell, &a);
            if (i == 5 && j == 2) { /* inside: the country's one hole */
                hole = a;
                GEOSGeom_destroy_r(h, cell);
                continue;
            }
            sum += a;
            z[i * NY + j] = cell;
        }
    z[N - 1] = check_wkt(h, "POLYGON EMPTY");
    GEOSGeometry *country[2] = {NULL, NULL}, *in[2] = {NULL, NULL};
    const double shrink = 200;
    fc_error err;
    for (int t = 0; t < 2; t++)
        CHECK(fc_country_outline(w, (const GEOSGeometry *const *)z, N, t + 1, &shrink, 1, 0.25,
                                 &country[t], &in[t], &err) == FC_OK);
    CHECK(country[0] && country[1] && GEOSEqualsExact_r(h, country[0], country[1], 0) == 1);
    CHECK(in[0] && in[1] && GEOSEqualsExact_r(h, in[0], in[1], 0) == 1);
    double a = 0;
    GEOSArea_r(h, country[1], &a);
    CHECK_NEAR(a, sum, 1e-6 * sum);
    CHECK(hole > 0.25 * KM2 && GEOSGetNumGeometries_r(h, country[1]) == 1 &&
          GEOSGetNumInteriorRings_r(h, GEOSGetGeometryN_r(h, country[1], 0)) == 1);
    for (int t = 0; t < 2; t++) {
        GEOSGeom_destroy_r(h, country[t]);
        GEOSGeom_destroy_r(h, in[t]);
    }
    for (int k = 0; k < N; k++)
        if (z[k])
            GEOSGeom_destroy_r(h, z[k]);
}

int main(void)
{
    fc_worker *w = fc_worker_create();
    tile_sizes(w);
    outline(w);
    gaps(w);
    outline_threads(w);
    fc_worker_destroy(w);
    return check_exit("test_border");
}
