/*
 * The tiled overlay on hand-made planar fixtures (metres), where every area,
 * gain and loss is known exactly; and repair of invalid polygons.
 */
#include "check.h"
#include "wkt.h"

#include "frontcast/overlay.h"
#include "geo/rings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KM2 1e6


/* Two 10 km x 10 km zones side by side, A west of B, and a third zone C
 * with a hole (a square ring around [30,40]x[0,10] minus [33,37]x[3,7]). */
static const char *zone_wkt[] = {
    "POLYGON((0 0,10000 0,10000 10000,0 10000,0 0))",
    "POLYGON((10000 0,20000 0,20000 10000,10000 10000,10000 0))",
    ("POLYGON((30000 0,40000 0,40000 10000,30000 10000,30000 0),"
     "(33000 3000,33000 7000,37000 7000,37000 3000,33000 3000))"),
};
#define NZ 3

/* Control polygons of four consecutive "snapshots". */
static const char *control_wkt[] = {
    /* 25 km2 in A, 25 in B */
    "POLYGON((5000 0,15000 0,15000 5000,5000 5000,5000 0))",
    /* advance east: B +15 */
    "POLYGON((5000 0,18000 0,18000 5000,5000 5000,5000 0))",
    /* retreat in A (-10), advance into C's ring around its hole, and
     * 10 km2 beyond every zone (east of x = 45 km) */
    "MULTIPOLYGON(((7000 0,18000 0,18000 5000,7000 5000,7000 0)),"
    "((30000 0,40000 0,40000 10000,30000 10000,30000 0)),"
    "((45000 0,47000 0,47000 5000,45000 5000,45000 0)))",
    /* identical to the previous one: nothing gained or lost */
    "MULTIPOLYGON(((7000 0,18000 0,18000 5000,7000 5000,7000 0)),"
    "((30000 0,40000 0,40000 10000,30000 10000,30000 0)),"
    "((45000 0,47000 0,47000 5000,45000 5000,45000 0)))",
    /* back to the second: A +10, C -84, and 26 lost beyond the zones (the
     * 10 east of them, the 16 in C's hole) */
    "POLYGON((5000 0,18000 0,18000 5000,5000 5000,5000 0))",
};
#define NS 5
#define REPEAT 3 /* the snapshot that repeats the one before */

/* Expected per snapshot: controlled A, B, C; gained A, B, C; lost A, B, C;
 * whole layer controlled, gained, lost (km2). NAN: no previous snapshot. */
static const double want[NS][12] = {
    {25, 25, 0, NAN, NAN, NAN, NAN, NAN, NAN, 50, NAN, NAN},
    {25, 40, 0, 0, 15, 0, 0, 0, 0, 65, 15, 0},
    {15, 40, 84, 0, 0, 84, 10, 0, 0, 165, 110, 10},
    {15, 40, 84, 0, 0, 0, 0, 0, 0, 165, 0, 0},
    {25, 40, 0, 10, 0, 0, 0, 0, 84, 65, 10, 110},
};

/* Which zones' control changed, with 1 km tiles (exactly: A's, B's and C's
 * tiles are apart). Coarser tiles may flag a zone that shares a changed
 * tile, never miss one that changed. */
static const bool want_changed[NS][NZ] = {
    {true, true, true}, {false, true, false}, {true, false, true}, {false, false, false},
    {true, false, true}};

static void run_series(fc_worker *w, double tile_m)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *zones[NZ];
    for (int z = 0; z < NZ; z++)
        zones[z] = check_wkt(fc_worker_geos(w), zone_wkt[z]);
    fc_overlay *ov = NULL;
    fc_overlay_state *st = NULL;
    fc_error err;
    CHECK(fc_overlay_create(w, (const GEOSGeometry *const *)zones, NZ, tile_m, &ov, &err) == FC_OK);
    CHECK(fc_overlay_state_create(w, ov, &st, &err) == FC_OK);
    double x0, y0, tm;
    int nx, ny;
    fc_overlay_grid(ov, &x0, &y0, &tm, &nx, &ny);
    fc_overlay_stats before = {0}, stats = {0};
    fc_measure was[NZ], was_all = {0};
    for (int s = 0; s < NS; s++) {
        GEOSGeometry *c = check_wkt(fc_worker_geos(w), control_wkt[s]);
        fc_measure m[NZ], all;
        const fc_overlay_stats last = stats;
        CHECK(fc_overlay_measure(w, ov, st, c, m, &all, &stats, &err) == FC_OK);
        const bool *changed = fc_overlay_zones_changed(st);
        if (s == REPEAT) {
            /* Measured as the overlay of the same tiles would: the same
             * sums to the bit, every non-empty tile reused, none changed. */
            for (int z = 0; z < NZ; z++)
                CHECK(m[z].controlled_m2 == was[z].controlled_m2);
            CHECK(all.controlled_m2 == was_all.controlled_m2);
            CHECK(stats.tiles_changed == last.tiles_changed);
            CHECK(stats.tiles_reused - last.tiles_reused ==
                  last.tiles_reused + last.tiles_changed - before.tiles_reused -
                      before.tiles_changed);
            const bool *tile_changed = fc_overlay_tiles_changed(st);
            for (int t = 0; t <= nx * ny; t++)
                CHECK(!tile_changed[t]);
        }
        before = last;
        memcpy(was, m, sizeof was);
        was_all = all;
        for (int z = 0; z < NZ; z++) {
            if (tile_m == 1000 || s == REPEAT)
                CHECK(changed[z] == want_changed[s][z]);
            else
                CHECK(changed[z] || !want_changed[s][z]);
            CHECK_NEAR(m[z].controlled_m2 / KM2, want[s][z], 1e-6);
            if (isnan(want[s][3 + z])) {
                CHECK(isnan(m[z].gained_m2) && isnan(m[z].lost_m2));
            } else {
                CHECK_NEAR(m[z].gained_m2 / KM2, want[s][3 + z], 1e-6);
                CHECK_NEAR(m[z].lost_m2 / KM2, want[s][6 + z], 1e-6);
            }
        }
        CHECK_NEAR(all.controlled_m2 / KM2, want[s][9], 1e-6);
        if (!isnan(want[s][10])) {
            CHECK_NEAR(all.gained_m2 / KM2, want[s][10], 1e-6);
            CHECK_NEAR(all.lost_m2 / KM2, want[s][11], 1e-6);
        }
        GEOSGeom_destroy_r(h, c);
    }
    fc_overlay_state_destroy(w, st);
    fc_overlay_destroy(w, ov);
    for (int z = 0; z < NZ; z++)
        GEOSGeom_destroy_r(h, zones[z]);
}

/* The tiled result does not depend on the tile size: 1 km tiles (many
 * tiles per zone, tiles wholly inside zones), 3.3 km (tile edges not on
 * zone edges) and one tile for everything. */
static void tile_sizes(fc_worker *w)
{
    run_series(w, 1000);
    run_series(w, 3300);
    run_series(w, 100000);
}

/* The export path (direct intersection) agrees with the tiled one. */
static void zone_part(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *z = check_wkt(fc_worker_geos(w), zone_wkt[2]);
    GEOSGeometry *c = check_wkt(fc_worker_geos(w), control_wkt[2]);
    GEOSGeometry *p = fc_overlay_zone_part(w, z, c);
    double a = 0;
    GEOSArea_r(h, p, &a);
    CHECK_NEAR(a / KM2, 84, 1e-6);
    GEOSGeom_destroy_r(h, p);
    GEOSGeom_destroy_r(h, c);
    GEOSGeom_destroy_r(h, z);
}

/* A bow-tie is invalid; GEOSMakeValid turns it into its two triangles
 * (25 km2 each), while its shoelace area is 0 because the lobes cancel. */
static void repair_bowtie(fc_worker *w)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *g = check_wkt(fc_worker_geos(w), "POLYGON((0 0,10000 10000,10000 0,0 10000,0 0))");
    CHECK(GEOSisValid_r(h, g) == 0);
    fc_repair_report rep;
    fc_error err;
    CHECK(fc_repair(w, &g, &rep, &err) == FC_OK);
    CHECK(rep.repaired);
    CHECK(strstr(rep.reason, "Self-intersection") != NULL);
    CHECK(GEOSisValid_r(h, g) == 1);
    CHECK(GEOSGeomTypeId_r(h, g) == GEOS_MULTIPOLYGON);
    CHECK(GEOSGetNumGeometries_r(h, g) == 2);
    CHECK_NEAR(rep.area_before_m2 / KM2, 0, 1e-9);
    CHECK_NEAR(rep.area_after_m2 / KM2, 50, 1e-6);
    GEOSGeom_destroy_r(h, g);

    /* A valid polygon is left alone. */
    g = check_wkt(fc_worker_geos(w), zone_wkt[2]);
    CHECK(fc_repair(w, &g, &rep, &err) == FC_OK);
    CHECK(!rep.repaired);
    GEOSGeom_destroy_r(h, g);

    /* Overlapping parts of a MultiPolygon are unioned, not double counted. */
    g = check_wkt(fc_worker_geos(w), "MULTIPOLYGON(((0 0,10000 0,10000 10000,0 10000,0 0)),"
               "((5000 0,15000 0,15000 10000,5000 10000,5000 0)))");
    CHECK(fc_repair(w, &g, &rep, &err) == FC_OK);
    CHECK(rep.repaired);
    CHECK_NEAR(rep.area_after_m2 / KM2, 150, 1e-6);
    GEOSGeom_destroy_r(h, g);
}

/* Boxes fc_rings_diff reports, up to 16. */
typedef struct boxes {
    double b[16][4];
    int n;
} boxes;

static void add_box(const double b[4], void *user)
{
    boxes *l = user;
    if (l->n < 16)
        memcpy(l->b[l->n], b, sizeof l->b[0]);
    l->n++;
}

static boxes diff_wkt(fc_worker *w, const char *was, const char *now)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSGeometry *a = check_wkt(h, was), *b = check_wkt(h, now);
    fc_rings *ra = fc_rings_create(), *rb = fc_rings_create();
    boxes l = {.n = 0};
    CHECK(ra && rb && fc_rings_load(w, ra, a) && fc_rings_load(w, rb, b));
    CHECK(fc_rings_diff(ra, rb, add_box, &l));
    fc_rings_destroy(ra);
    fc_rings_destroy(rb);
    GEOSGeom_destroy_r(h, a);
    GEOSGeom_destroy_r(h, b);
    return l;
}

static bool box_is(const boxes *l, int i, double x0, double y0, double x1, double y1)
{
    return i < l->n && l->b[i][0] == x0 && l->b[i][1] == y0 && l->b[i][2] == x1 &&
           l->b[i][3] == y1;
}

/* Where two controls can differ, from their rings. */
static void rings_diff(fc_worker *w)
{
    const char *strip = "MULTIPOLYGON(((0 0,10 0,20 0,30 0,40 0,40 10,0 10,0 0)),"
                        "((100 0,110 0,110 10,100 10,100 0)))";
    boxes l = diff_wkt(w, strip, strip);
    CHECK(l.n == 0);
    /* The same polygons in another order: no difference. */
    l = diff_wkt(w, strip, "MULTIPOLYGON(((100 0,110 0,110 10,100 10,100 0)),"
                           "((0 0,10 0,20 0,30 0,40 0,40 10,0 10,0 0)))");
    CHECK(l.n == 0);
    /* One vertex moved: the two edges either side of it, old and new. */
    l = diff_wkt(w, strip, "MULTIPOLYGON(((0 0,10 0,20 -5,30 0,40 0,40 10,0 10,0 0)),"
                           "((100 0,110 0,110 10,100 10,100 0)))");
    CHECK(l.n == 1 && box_is(&l, 0, 10, -5, 30, 0));
    /* Two vertices inserted, one dropped: the stretch between what stayed. */
    l = diff_wkt(w, strip, "MULTIPOLYGON(((0 0,10 0,15 -1,25 -2,30 0,40 0,40 10,0 10,0 0)),"
                           "((100 0,110 0,110 10,100 10,100 0)))");
    CHECK(l.n == 1 && box_is(&l, 0, 10, -2, 30, 0));
    /* A polygon gone, one new: each whole. */
    l = diff_wkt(w, strip, "MULTIPOLYGON(((0 0,10 0,20 0,30 0,40 0,40 10,0 10,0 0)),"
                           "((200 0,210 0,210 5,200 0)))");
    CHECK(l.n == 2 && box_is(&l, 0, 200, 0, 210, 5) && box_is(&l, 1, 100, 0, 110, 10));
    /* A ring started at another vertex: the same point set, but nothing
     * matches; both whole. */
    l = diff_wkt(w, "POLYGON((0 0,10 0,10 10,0 10,0 0))", "POLYGON((10 0,10 10,0 10,0 0,10 0))");
    CHECK(l.n == 2 && box_is(&l, 0, 0, 0, 10, 10) && box_is(&l, 1, 0, 0, 10, 10));
    /* A hole opened inside: its box only. */
    l = diff_wkt(w, "POLYGON((0 0,100 0,100 100,0 100,0 0))",
                 "POLYGON((0 0,100 0,100 100,0 100,0 0),(40 40,60 40,60 60,40 60,40 40))");
    CHECK(l.n == 1 && box_is(&l, 0, 40, 40, 60, 60));

    /* Against GEOS: random edits of a field of squares, and points outside
     * every box are in both or in neither. */
    GEOSContextHandle_t h = fc_worker_geos(w);
    srand(7);
    for (int trial = 0; trial < 200; trial++) {
        char was[2048], now[2048];
        int nw = snprintf(was, sizeof was, "MULTIPOLYGON(");
        int nn = snprintf(now, sizeof now, "MULTIPOLYGON(");
        for (int k = 0; k < 6; k++) {
            /* A square with a vertex 4 below its base; edits that move it
             * in, further out or drop it, or shift the square. */
            const int x = 30 * k, edit = rand() % 5, dy = 1 + rand() % 9;
            const char *sep = k ? "," : "";
            nw += snprintf(was + nw, sizeof was - (size_t)nw,
                           "%s((%d 0,%d -4,%d 0,%d 20,%d 20,%d 0))", sep, x, x + 10, x + 20,
                           x + 20, x, x);
            if (edit == 0 || edit == 1)
                nn += snprintf(now + nn, sizeof now - (size_t)nn,
                               "%s((%d 0,%d %d,%d 0,%d 20,%d 20,%d 0))", sep, x, x + 10,
                               edit ? -4 - dy : dy, x + 20, x + 20, x, x);
            else if (edit == 2)
                nn += snprintf(now + nn, sizeof now - (size_t)nn,
                               "%s((%d 0,%d 0,%d 20,%d 20,%d 0))", sep, x, x + 20, x + 20, x, x);
            else if (edit == 3)
                nn += snprintf(now + nn, sizeof now - (size_t)nn,
                               "%s((%d %d,%d %d,%d %d,%d %d,%d %d,%d %d))", sep, x, dy, x + 10,
                               dy - 4, x + 20, dy, x + 20, 20 + dy, x, 20 + dy, x, dy);
            else
                nn += snprintf(now + nn, sizeof now - (size_t)nn,
                               "%s((%d 0,%d -4,%d 0,%d 20,%d 20,%d 0))", sep, x, x + 10, x + 20,
                               x + 20, x, x);
        }
        snprintf(was + nw, sizeof was - (size_t)nw, ")");
        snprintf(now + nn, sizeof now - (size_t)nn, ")");
        boxes d = diff_wkt(w, was, now);
        GEOSGeometry *a = check_wkt(h, was), *b = check_wkt(h, now);
        for (int i = 0; i < 400; i++) {
            const double px = -5 + (rand() % 1900) / 10.0, py = -15 + (rand() % 500) / 10.0;
            bool boxed = false;
            for (int k = 0; k < d.n && k < 16; k++)
                boxed = boxed || (px >= d.b[k][0] && px <= d.b[k][2] && py >= d.b[k][1] &&
                                  py <= d.b[k][3]);
            if (boxed)
                continue;
            GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, px, py);
            CHECK(GEOSIntersects_r(h, a, p) == GEOSIntersects_r(h, b, p));
            GEOSGeom_destroy_r(h, p);
        }
        GEOSGeom_destroy_r(h, a);
        GEOSGeom_destroy_r(h, b);
    }
}

int main(void)
{
    fc_worker *w = fc_worker_create();
    rings_diff(w);
    tile_sizes(w);
    zone_part(w);
    repair_bowtie(w);
    fc_worker_destroy(w);
    return check_exit("test_overlay");
}
