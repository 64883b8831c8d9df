/*
 * Generates the SYNTHETIC demo control series in geodata/demo-control/:
 * weekly snapshots of an invented front that advances westwards through
 * eastern Ukraine, fastest in Donetsk oblast, with one local retreat (so
 * that losses show) and Crimea held throughout. Not real data: it exists so
 * that frontcast runs out of the box without shipping DeepStateMap's maps.
 *
 * Deterministic: a fixed-seed generator, fixed dates and 6-decimal output
 * give byte-identical files on every run.
 *
 * Usage: frontcast-gen-demo ZONES.geojson OUTDIR
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/date.h"
#include "frontcast/load.h"
#include "geo/geom.h"

#define WEEKS 26
#define START_Y 2025
#define START_M 1
#define START_D 6

/* The front's starting line, north to south (lat, lon): roughly where a
 * front in the east could run, not any real line. */
static const double front0[][2] = {
    {50.45, 37.95}, {49.90, 37.85}, {49.30, 38.05}, {48.80, 38.00}, {48.35, 37.70},
    {48.00, 37.45}, {47.80, 36.90}, {47.60, 36.20}, {47.45, 35.60}, {47.20, 35.10},
    {46.85, 33.90}, {46.70, 33.20}, {46.55, 32.40}};
#define NFRONT (sizeof front0 / sizeof front0[0])

/* splitmix64: tiny, fixed, and the same on every platform. */
static uint64_t rng_state = 0x5eedf00dULL;
static double rng_unit(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* Westward advance (km per week) of the front at latitude lat. */
static double speed_km_per_week(double lat)
{
    /* Fastest in the Donetsk sector (about 48.0-48.8 N), slow elsewhere. */
    double d = (lat - 48.4) / 0.45;
    return 0.6 + 3.4 * exp(-d * d);
}

typedef struct {
    FILE *f;
    int polygons;
} json_out;

/* Writes rings as MultiPolygon coordinates: a shell opens a polygon. */
static int write_ring(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    json_out *o = user;
    if (!hole)
        fputs(o->polygons++ ? "],[" : "[", o->f);
    else
        fputc(',', o->f);
    fputc('[', o->f);
    for (size_t i = 0; i < n; i++)
        fprintf(o->f, "%s[%.6f,%.6f]", i ? "," : "", xy[2 * i], xy[2 * i + 1]);
    fputc(']', o->f);
    return 0;
}

static int write_snapshot(fc_worker *w, const char *dir, fc_day day, const GEOSGeometry *ll)
{
    char date[11], path[1024];
    fc_date_format(day, date);
    snprintf(path, sizeof path, "%s/" FC_SYNTHETIC_PREFIX "%.4s%.2s%.2s.geojson", dir, date,
             date + 5, date + 8);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"type\":\"FeatureCollection\",\"name\":\"SYNTHETIC demo control area %s\","
               "\"features\":[{\"type\":\"Feature\",\"properties\":{\"date\":\"%s\","
               "\"synthetic\":true},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[",
            date, date);
    json_out o = {f, 0};
    fc_geom_each_ring(w, ll, write_ring, &o);
    fputs(o.polygons ? "]]}}]}\n" : "]}}]}\n", f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ZONES.geojson OUTDIR\n", argv[0]);
        return 2;
    }
    fc_worker *w = fc_worker_create();
    GEOSContextHandle_t h = fc_worker_geos(w);
    fc_error err;
    fc_zoneset *zs = NULL;
    if (fc_zones_load(w, argv[1], NULL, NULL, &zs, &err) != FC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    /* The country, simplified to 300 m to keep the files small. */
    GEOSGeometry **parts = malloc(zs->n * sizeof *parts);
    GEOSGeometry *held = NULL; /* held throughout: Crimea and Sevastopol */
    for (size_t z = 0; z < zs->n; z++) {
        parts[z] = GEOSGeom_clone_r(h, zs->zones[z].geom);
        if (strcmp(zs->zones[z].id, "UA-43") == 0 || strcmp(zs->zones[z].id, "UA-40") == 0) {
            GEOSGeometry *u = held ? GEOSUnion_r(h, held, zs->zones[z].geom)
                                   : GEOSGeom_clone_r(h, zs->zones[z].geom);
            if (held)
                GEOSGeom_destroy_r(h, held);
            held = u;
        }
    }
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)zs->n);
    GEOSGeometry *country0 = GEOSUnaryUnion_r(h, coll);
    GEOSGeometry *country = GEOSTopologyPreserveSimplify_r(h, country0, 300);
    GEOSGeometry *held_s = GEOSTopologyPreserveSimplify_r(h, held, 300);

    /* Front vertices in the working CRS, densified to ~5 km. */
    double fx[NFRONT], fy[NFRONT];
    {
        double xy[2 * NFRONT + 2];
        for (size_t i = 0; i < NFRONT; i++) {
            xy[2 * i] = front0[i][1];
            xy[2 * i + 1] = front0[i][0];
        }
        /* Reproject the front as a (degenerate) ring, the one path fc_reproject takes. */
        xy[2 * NFRONT] = xy[0];
        xy[2 * NFRONT + 1] = xy[1];
        GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, xy, NFRONT + 1, 0, 0);
        GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, seq);
        GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
        GEOSGeometry *pp = NULL;
        if (fc_reproject(w, poly, "OGC:CRS84", zs->crs, &pp, &err) != FC_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        const GEOSCoordSequence *ps = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, pp));
        for (unsigned i = 0; i < NFRONT; i++) {
            GEOSCoordSeq_getX_r(h, ps, i, &fx[i]);
            GEOSCoordSeq_getY_r(h, ps, i, &fy[i]);
        }
        GEOSGeom_destroy_r(h, poly);
        GEOSGeom_destroy_r(h, pp);
    }
    enum { DENSE = 8 };
    const size_t npts = (NFRONT - 1) * DENSE + 1;
    double *offset_km = calloc(npts, sizeof *offset_km);
    fc_day start;
    fc_date_from_ymd(START_Y, START_M, START_D, &start);
    for (int week = 0; week <= WEEKS; week++) {
        /* Build the control polygon: everything east of the front line. */
        double *ring = malloc((npts + 3) * 2 * sizeof *ring);
        size_t k = 0;
        for (size_t i = 0; i + 1 < NFRONT; i++)
            for (int s = 0; s < DENSE || (i + 2 == NFRONT && s == DENSE); s++) {
                double t = (double)s / DENSE;
                double x = fx[i] + t * (fx[i + 1] - fx[i]);
                double y = fy[i] + t * (fy[i + 1] - fy[i]);
                double lat = front0[i][0] + t * (front0[i + 1][0] - front0[i][0]);
                if (week > 0) {
                    double step = speed_km_per_week(lat) * (0.5 + rng_unit());
                    /* Week 15: a local counter-attack north of 49.5 N pushes the front back. */
                    if (week == 15 && lat > 49.5)
                        step = -6.0;
                    offset_km[k] += step;
                }
                ring[2 * k] = x - 1000 * offset_km[k];
                ring[2 * k + 1] = y;
                k++;
            }
        /* Close far to the east, beyond the border. */
        ring[2 * k] = fx[NFRONT - 1] + 800e3;
        ring[2 * k + 1] = fy[NFRONT - 1];
        k++;
        ring[2 * k] = fx[0] + 800e3;
        ring[2 * k + 1] = fy[0];
        k++;
        ring[2 * k] = ring[0];
        ring[2 * k + 1] = ring[1];
        k++;
        GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, ring, (unsigned)k, 0, 0);
        GEOSGeometry *east = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), NULL, 0);
        free(ring);
        GEOSGeometry *inside = GEOSIntersection_r(h, country, east);
        GEOSGeometry *control = GEOSUnion_r(h, inside, held_s);
        GEOSGeometry *ll = NULL;
        if (fc_reproject(w, control, zs->crs, "OGC:CRS84", &ll, &err) != FC_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        /* Snap to the 6-decimal grid written out, so that what is read back
         * is exactly this valid polygon (rounding alone can collapse slivers). */
        GEOSGeometry *snapped = GEOSGeom_setPrecision_r(h, ll, 1e-6, 0);
        GEOSGeom_destroy_r(h, ll);
        ll = snapped;
        if (!ll || write_snapshot(w, argv[2], start + 7 * week, ll) != 0) {
            fprintf(stderr, "cannot write into %s\n", argv[2]);
            return 1;
        }
        GEOSGeom_destroy_r(h, east);
        GEOSGeom_destroy_r(h, inside);
        GEOSGeom_destroy_r(h, control);
        GEOSGeom_destroy_r(h, ll);
    }
    printf("wrote %d weekly snapshots to %s\n", WEEKS + 1, argv[2]);
    free(offset_km);
    return 0;
}
