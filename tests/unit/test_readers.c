/* The readers, where outside data comes in: each a table of inputs with
 * the status and the whole message (or the values) they must give. */
#include "check.h"

#include <math.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontcast/areas.h"
#include "frontcast/geodesy.h"
#include "frontcast/load.h"
#include "series/runner.h"

static char dir[] = "/tmp/fc-readers-XXXXXX";

/* dir/name with text in it; the path in a static buffer. */
static const char *put(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    return path;
}

/* status st with message want, "%s" standing for path (NULL: FC_OK). */
static void check_status(const char *what, fc_status st, const fc_error *err, fc_status want_st,
                         const char *want, const char *path)
{
    char msg[1024] = "";
    if (want)
        snprintf(msg, sizeof msg, want, path);
    check_count++;
    if (st != want_st || (want && strcmp(err->msg, msg) != 0)) {
        check_failures++;
        fprintf(stderr, "%s: status %d \"%s\", want %d \"%s\"\n", what, (int)st,
                st == FC_OK ? "" : err->msg, (int)want_st, msg);
    }
}

#define HEADER "date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2\n"

/* The areas CSV: what frontcast areas writes, and what people do to it. */
static void areas_csv(void)
{
    static const struct {
        const char *name, *text;
        fc_status st;
        const char *msg;
    } cases[] = {
        {"ok", HEADER "2024-01-02,A,Alpha,1.5,10,15,0.5,0\n2024-01-01,A,Alpha,1,10,10,,\n"
                      "2024-01-01,B,Beta,2,20,10,,\n2024-01-02,B,Beta,2,20,10,0,0\n"
                      "2024-01-01,ALL,whole control layer,7,30,,,\n",
         FC_OK, NULL},
        {"bom", "\xEF\xBB\xBF" HEADER "2024-01-01,A,Alpha,1,10,10,,\n", FC_OK, NULL},
        {"crlf", "date,zone_id,controlled_km2,zone_km2\r\n2024-01-01,A,1,10\r\n", FC_OK, NULL},
        {"nocol", "date,zone,controlled_km2,zone_km2\n2024-01-01,A,1,10\n", FC_ERR_FIELD,
         "%s: not an areas CSV: no 'zone_id' column (see frontcast areas)"},
        {"baddate", HEADER "2024-13-01,A,Alpha,1,10,10,,\n", FC_ERR_DATE,
         "%s: line 2: cannot parse date '2024-13-01'"},
        {"badnum", HEADER "2024-01-01,A,Alpha,1x,10,10,,\n", FC_ERR_FORMAT,
         "%s: line 2: malformed number"},
        {"nan", HEADER "2024-01-01,A,Alpha,nan,10,10,,\n", FC_ERR_FORMAT,
         "%s: line 2: malformed number"},
        {"header", HEADER, FC_ERR_EMPTY, "%s: no zone rows"},
        {"empty", "", FC_ERR_EMPTY, "%s: no zone rows"},
        {"hole", HEADER "2024-01-01,A,Alpha,1,10,10,,\n2024-01-01,B,Beta,2,20,10,,\n"
                        "2024-01-02,A,Alpha,1,10,10,0,0\n",
         FC_ERR_FORMAT, "%s: no row for zone B on 2024-01-02"},
        {"twice", HEADER "2024-01-01,A,Alpha,1,10,10,,\n2024-01-01,A,Alpha,3,10,30,,\n",
         FC_ERR_FORMAT, "%s: line 3: a second row for zone A on 2024-01-01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = put(cases[i].name, cases[i].text);
        fc_area_table *t = NULL;
        fc_zoneset *zs = NULL;
        fc_error err = {0};
        fc_status st = fc_read_areas_csv(path, &t, &zs, &err);
        check_status(cases[i].name, st, &err, cases[i].st, cases[i].msg, path);
        CHECK((st == FC_OK) == (t && zs));
        fc_area_table_destroy(t);
        fc_zones_destroy(NULL, zs);
    }

    /* The values of the good one: dates sorted, zones in order of first
     * appearance, km2 to m2, the ALL row kept where given and summed where
     * not. */
    const char *path = put("ok", cases[0].text);
    fc_area_table *t = NULL;
    fc_zoneset *zs = NULL;
    fc_error err = {0};
    if (fc_read_areas_csv(path, &t, &zs, &err) != FC_OK) {
        CHECK(!"ok read");
        return;
    }
    CHECK(t->ndates == 2 && t->nzones == 2 && zs->n == 2);
    char d0[11], d1[11];
    fc_date_format(t->dates[0], d0);
    fc_date_format(t->dates[1], d1);
    CHECK(!strcmp(d0, "2024-01-01") && !strcmp(d1, "2024-01-02"));
    CHECK(!strcmp(zs->zones[0].id, "A") && !strcmp(zs->zones[1].name, "Beta"));
    CHECK_NEAR(zs->zones[1].area_m2, 20e6, 0);
    CHECK_NEAR(fc_area_row(t, 1, 0)->controlled_m2, 1.5e6, 0);
    CHECK_NEAR(fc_area_row(t, 1, 0)->gained_m2, 0.5e6, 0);
    CHECK(isnan(fc_area_row(t, 0, 0)->gained_m2));
    CHECK_NEAR(fc_area_row(t, 0, 2)->controlled_m2, 7e6, 0);   /* given */
    CHECK_NEAR(fc_area_row(t, 1, 2)->controlled_m2, 3.5e6, 0); /* summed */
    fc_area_table_destroy(t);
    fc_zones_destroy(NULL, zs);

    t = NULL;
    zs = NULL;
    fc_status st = fc_read_areas_csv("/nonexistent/areas.csv", &t, &zs, &err);
    check_status("missing", st, &err, FC_ERR_IO, "%s: No such file or directory",
                 "/nonexistent/areas.csv");
}

#define FC_OPEN "{\"type\":\"FeatureCollection\",\"features\":["
#define POINT(lon, lat, props) \
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[" lon "," lat \
    "]},\"properties\":" props "}"

/* The places file. */
static void places(void)
{
    static const struct {
        const char *name, *text;
        fc_status st;
        const char *msg;
        size_t n;
    } cases[] = {
        {"places-ok.geojson",
         FC_OPEN POINT("37.55", "48.72", "{\"name\":\"Kramatorsk\",\"population\":150084}") ","
                 "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"name\":\"nowhere\"}},"
                 POINT("37.6", "48.85", "{\"name\":\"Sloviansk\"}") ","
                 POINT("36", "49", "null") "]}",
         FC_OK, NULL, 3},
        {"places-empty.geojson", FC_OPEN "]}", FC_OK, NULL, 0},
        {"places-array.geojson", "[1,2]", FC_ERR_FORMAT,
         "%s: not a GeoJSON FeatureCollection of places (lon/lat points)", 0},
        {"places-broken.geojson", FC_OPEN POINT("37", "48", "{}"), FC_ERR_FORMAT,
         "%s: not a GeoJSON FeatureCollection of places (lon/lat points)", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = put(cases[i].name, cases[i].text);
        fc_places *p = NULL;
        fc_error err = {0};
        fc_status st = fc_places_read(path, &p, &err);
        check_status(cases[i].name, st, &err, cases[i].st, cases[i].msg, path);
        CHECK(st != FC_OK || (p && p->n == cases[i].n));
        if (st == FC_OK && i == 0 && p->n == 3) {
            CHECK(!strcmp(p->p[0].name, "Kramatorsk") && p->p[0].population == 150084);
            CHECK(p->p[0].lon == 37.55 && p->p[0].lat == 48.72);
            CHECK(!strcmp(p->p[1].name, "Sloviansk") && isnan(p->p[1].population));
            CHECK(!strcmp(p->p[2].name, "") && p->p[2].lon == 36);
        }
        fc_places_destroy(p);
    }
    /* Through OGR: a CSV of lon/lat columns, and a layer in Web Mercator
     * (reprojected; the inverse projection written out here). */
    fc_places *p = NULL;
    fc_error err = {0};
    const char *csv = put("places.csv", "name,population,lon,lat\nKramatorsk,150084,37.55,48.72\n"
                                        "Sloviansk,,37.6,48.85\n");
    fc_status st = fc_places_read(csv, &p, &err);
    check_status("places.csv", st, &err, FC_OK, NULL, csv);
    if (st == FC_OK) {
        CHECK(p->n == 2 && !strcmp(p->p[0].name, "Kramatorsk") && p->p[0].population == 150084);
        CHECK(p->n == 2 && p->p[1].lat == 48.85 && isnan(p->p[1].population));
    }
    fc_places_destroy(p);
    p = NULL;
    const double R = 6378137, x = 4180000, y = 6225000;
    const double lon = x / R * 180 / M_PI, lat = (2 * atan(exp(y / R)) - M_PI / 2) * 180 / M_PI;
    const char *merc = put("places-3857.txt",
                           "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
                           "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3857\"}},"
                           "\"features\":[" POINT("4180000", "6225000", "{\"NAME\":\"M\"}") "]}");
    st = fc_places_read(merc, &p, &err);
    check_status("places-3857", st, &err, FC_OK, NULL, merc);
    if (st == FC_OK && p->n == 1) {
        CHECK_NEAR(p->p[0].lon, lon, 1e-9);
        CHECK_NEAR(p->p[0].lat, lat, 1e-9);
        CHECK(!strcmp(p->p[0].name, "M"));
    }
    fc_places_destroy(p);
    p = NULL;
    /* Projected coordinates given as GeoJSON, which is lon/lat. */
    const char *bad = put("places-metres.geojson", FC_OPEN POINT("4180000", "6225000",
                                                                 "{\"name\":\"M\"}") "]}");
    st = fc_places_read(bad, &p, &err);
    check_status("places-metres", st, &err, FC_ERR_CRS,
                 "%s: place 'M' at (4.18e+06, 6.225e+06) is not in lon/lat: give the layer its "
                 "CRS (GeoJSON is lon/lat by RFC 7946)",
                 bad);
    CHECK(!p);

    st = fc_places_read("/nonexistent/places.geojson", &p, &err);
    check_status("places-missing", st, &err, FC_ERR_IO,
                 "%s: cannot read: No such file or directory", "/nonexistent/places.geojson");
}

#define POLY(coords, props) \
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" coords \
    "},\"properties\":" props "}"
#define SQ_A "[[[30,50],[30.1,50],[30.1,50.1],[30,50.1],[30,50]]]"
#define SQ_B "[[[30.1,50],[30.2,50],[30.2,50.1],[30.1,50.1],[30.1,50]]]"
#define BOWTIE "[[[31,50],[31.1,50.1],[31.1,50],[31,50.1],[31,50]]]"

static int warnings;
static void count_warning(void *user, const char *msg)
{
    (void)user;
    (void)msg;
    warnings++;
}

/* Zones: fields detected, invalid ones repaired and reported, an id twice
 * refused. */
static void zones(void)
{
    static const struct {
        const char *name, *text;
        fc_status st;
        const char *msg;
        size_t n;
        int repaired, warnings;
    } cases[] = {
        {"zones-ok.geojson",
         FC_OPEN POLY(SQ_A, "{\"zone_id\":\"UA-A\",\"name\":\"Alpha\"}") ","
                 POLY(SQ_B, "{\"zone_id\":\"UA-B\",\"name\":\"Beta\"}") "]}",
         FC_OK, NULL, 2, 0, 0},
        {"zones-twice.geojson",
         FC_OPEN POLY(SQ_A, "{\"zone_id\":\"UA-A\",\"name\":\"Alpha\"}") ","
                 POLY(SQ_B, "{\"zone_id\":\"UA-A\",\"name\":\"Alpha\"}") "]}",
         FC_ERR_FIELD,
         "%s: zone id 'UA-A' is on more than one feature (field 'zone_id'): give each zone one "
         "feature, or another --zone-id-field",
         0, 0, 0},
        {"zones-bowtie.geojson",
         FC_OPEN POLY(SQ_A, "{\"zone_id\":\"UA-A\",\"name\":\"Alpha\"}") ","
                 POLY(BOWTIE, "{\"zone_id\":\"UA-X\",\"name\":\"Bowtie\"}") "]}",
         FC_OK, NULL, 2, 1, 1},
    };
    fc_worker *w = fc_worker_create();
    if (!w) {
        CHECK(!"worker");
        return;
    }
    fc_diag diag = {count_warning, NULL};
    double area_a = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = put(cases[i].name, cases[i].text);
        fc_zoneset *zs = NULL;
        fc_error err = {0};
        warnings = 0;
        fc_status st = fc_zones_load(w, path, NULL, &diag, &zs, &err);
        check_status(cases[i].name, st, &err, cases[i].st, cases[i].msg, path);
        if (st != FC_OK || !zs)
            continue;
        CHECK(zs->n == cases[i].n);
        CHECK(zs->repaired == cases[i].repaired);
        CHECK(warnings >= cases[i].warnings);
        CHECK(!strcmp(zs->zones[0].id, "UA-A") && !strcmp(zs->zones[0].name, "Alpha"));
        if (i == 0) {
            area_a = zs->zones[0].area_m2;
            /* Two 0.1-degree cells side by side on one parallel: one area. */
            CHECK_NEAR(zs->zones[1].area_m2 / area_a, 1, 1e-9);
        }
        fc_zones_destroy(w, zs);
    }
    /* A 0.1 x 0.1 degree cell at 50 N is about 7.15 x 11.1 km. */
    CHECK(area_a > 78e6 && area_a < 80e6);

    /* Inputs that are not zones. */
    static const struct {
        const char *name, *text;
        fc_status st;
    } bad[] = {
        {"zones-points.geojson", FC_OPEN POINT("30", "50", "{\"zone_id\":\"P\"}") "]}",
         FC_ERR_EMPTY},
        {"zones-none.geojson", FC_OPEN "]}", FC_ERR_EMPTY},
        {"zones-broken.geojson", FC_OPEN POLY(SQ_A, "{}"), FC_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *path = put(bad[i].name, bad[i].text);
        fc_zoneset *zs = NULL;
        fc_error err = {0};
        fc_status st = fc_zones_load(w, path, NULL, &diag, &zs, &err);
        check_count++;
        /* The message names the file, whatever it says after. */
        if (st != bad[i].st || strncmp(err.msg, path, strlen(path)) != 0 || zs) {
            check_failures++;
            fprintf(stderr, "%s: status %d \"%s\", want %d naming the file\n", bad[i].name, (int)st,
                    err.msg, (int)bad[i].st);
        }
        fc_zones_destroy(w, zs);
    }
    fc_zoneset *zs = NULL;
    fc_error err = {0};
    fc_status st = fc_zones_load(w, "/nonexistent/zones.geojson", NULL, &diag, &zs, &err);
    CHECK(st == FC_ERR_IO && strstr(err.msg, "/nonexistent/zones.geojson"));
    fc_worker_destroy(w);
}

/* A folder series: dates from the names, sorted; ambiguity is an error. */
static void series(void)
{
    static const struct {
        const char *name;
        const char *files[3];
        fc_status st;
        size_t n;
    } cases[] = {
        {"s-ok", {"control_20240102.geojson", "control_20240101.geojson", NULL}, FC_OK, 2},
        {"s-twice", {"a_20240101.geojson", "b_20240101.geojson", NULL}, FC_ERR_DATE, 0},
        {"s-nodate", {"control_20240101.geojson", "control.geojson", NULL}, FC_ERR_DATE, 0},
        {"s-empty", {NULL}, FC_ERR_EMPTY, 0},
    };
    fc_worker *w = fc_worker_create();
    for (size_t i = 0; w && i < sizeof cases / sizeof *cases; i++) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%s", dir, cases[i].name);
        mkdir(sub, 0777);
        for (int k = 0; cases[i].files[k]; k++) {
            char name[700];
            snprintf(name, sizeof name, "%s/%s", cases[i].name, cases[i].files[k]);
            put(name, FC_OPEN POLY(SQ_A, "{}") "]}");
        }
        fc_series *s = NULL;
        fc_error err = {0};
        fc_status st = fc_series_open(w, sub, NULL, &s, &err);
        check_count++;
        if (st != cases[i].st || (st != FC_OK && strncmp(err.msg, sub, strlen(sub)) != 0)) {
            check_failures++;
            fprintf(stderr, "%s: status %d \"%s\", want %d naming the folder\n", cases[i].name,
                    (int)st, err.msg, (int)cases[i].st);
        }
        if (st == FC_OK) {
            CHECK(fc_series_count(s) == cases[i].n);
            char d[11];
            fc_date_format(fc_series_date(s, 0), d);
            CHECK(!strcmp(d, "2024-01-01"));
        }
        fc_series_close(w, s);
    }
    fc_worker_destroy(w);
}

/* Kept reads: a snapshot read once comes from memory after (its file
 * rewritten since, the first read is what comes back), and stays with its
 * snapshot when an earlier one is dropped; a repair is reported once, by
 * the first read that asks for warnings, even when a read that did not
 * ask came first. */
static void kept_reads(void)
{
    char sub[600], crs[256];
    snprintf(sub, sizeof sub, "%s/kept", dir);
    mkdir(sub, 0777);
    put("kept/c_20240101.geojson", FC_OPEN POLY(SQ_A, "{}") "]}");
    put("kept/c_20240103.geojson", FC_OPEN POLY(BOWTIE, "{}") "]}");
    const char *second = put("kept/c_20240102.geojson", FC_OPEN POLY(SQ_A, "{}") "]}");
    char path2[600];
    snprintf(path2, sizeof path2, "%s", second);
    fc_equal_area_crs(30.1, 50.05, crs, sizeof crs);
    fc_worker *w = fc_worker_create();
    GEOSContextHandle_t h = w ? fc_worker_geos(w) : NULL;
    fc_series *s = NULL;
    fc_error err = {0};
    GEOSGeometry *first = NULL, *again = NULL, *moved = NULL;
    CHECK(w && fc_series_open(w, sub, NULL, &s, &err) == FC_OK);
    CHECK(s && fc_series_keep_reads(s, crs, &err) == FC_OK);
    CHECK(s && fc_series_keep_reads(s, crs, &err) == FC_OK); /* the same CRS again: fine */
    CHECK(s && fc_series_keep_reads(s, "EPSG:3857", &err) == FC_ERR_ARG);
    CHECK(s && fc_series_read(s, 1, w, crs, NULL, &first, NULL, &err) == FC_OK);
    FILE *f = fopen(path2, "w"); /* rewritten: SQ_B, elsewhere */
    CHECK(f && fputs(FC_OPEN POLY(SQ_B, "{}") "]}", f) >= 0 && fclose(f) == 0);
    CHECK(s && fc_series_read(s, 1, w, crs, NULL, &again, NULL, &err) == FC_OK);
    CHECK(first && again && GEOSEqualsExact_r(h, first, again, 0) == 1);
    if (s)
        fc_series_drop(s, 0);
    CHECK(s && fc_series_count(s) == 2 &&
          fc_series_read(s, 0, w, crs, NULL, &moved, NULL, &err) == FC_OK);
    CHECK(first && moved && GEOSEqualsExact_r(h, first, moved, 0) == 1);
    /* The bowtie, now snapshot 1: quietly, then twice with warnings. */
    fc_diag diag = {count_warning, NULL};
    GEOSGeometry *bow[3] = {NULL};
    fc_read_info info[3] = {{0}};
    int warned[3];
    for (int k = 0; k < 3; k++) {
        const int before = warnings;
        CHECK(s && fc_series_read(s, 1, w, crs, k ? &diag : NULL, &bow[k], &info[k], &err) ==
                       FC_OK);
        warned[k] = warnings - before;
    }
    CHECK(warned[0] == 0 && warned[1] >= 1 && warned[2] == 0);
    CHECK(info[0].repaired >= 1 && info[1].repaired == info[0].repaired &&
          info[2].repaired == info[0].repaired);
    CHECK(bow[0] && bow[2] && GEOSEqualsExact_r(h, bow[0], bow[2], 0) == 1);
    for (int k = 0; k < 3; k++)
        if (bow[k])
            GEOSGeom_destroy_r(h, bow[k]);
    GEOSGeometry *const all[] = {first, again, moved};
    for (int i = 0; i < 3; i++)
        if (all[i])
            GEOSGeom_destroy_r(h, all[i]);
    fc_series_close(w, s);
    fc_worker_destroy(w);
}

static atomic_int ahead_warnings;
static void count_ahead(void *user, const char *msg)
{
    (void)user;
    (void)msg;
    atomic_fetch_add(&ahead_warnings, 1);
}

/* Reading ahead: a repair the read-ahead made is reported once, by it, and
 * its read then serves the run's; a file it cannot read stops it and stays
 * the run's to report; no read-ahead for a series that keeps no reads. */
static void read_ahead(void)
{
    char sub[600], crs[256];
    snprintf(sub, sizeof sub, "%s/ahead", dir);
    mkdir(sub, 0777);
    put("ahead/c_20240101.geojson", FC_OPEN POLY(SQ_A, "{}") "]}");
    put("ahead/c_20240102.geojson", FC_OPEN POLY(BOWTIE, "{}") "]}");
    put("ahead/c_20240103.geojson", "{\"type\": \"FeatureCollection\", \"features\": [");
    put("ahead/c_20240104.geojson", FC_OPEN POLY(SQ_B, "{}") "]}");
    fc_equal_area_crs(30.1, 50.05, crs, sizeof crs);
    fc_worker *w = fc_worker_create();
    GEOSContextHandle_t h = w ? fc_worker_geos(w) : NULL;
    fc_series *s = NULL;
    fc_error err = {0};
    const fc_diag diag = {count_ahead, NULL};
    const fc_run_options ro = {.threads = 2, .crs = crs, .diag = &diag};
    CHECK(w && fc_series_open(w, sub, NULL, &s, &err) == FC_OK);
    CHECK(s && fc_series_prefetch_start(s, &ro) == NULL); /* reads not kept */
    CHECK(s && fc_series_keep_reads(s, crs, &err) == FC_OK);
    fc_prefetch *p = s ? fc_series_prefetch_start(s, &ro) : NULL;
    CHECK(p != NULL);
    /* Until the bowtie's repair is told (the read-ahead's pace is the
     * machine's: no more than a wait for it). */
    for (int k = 0; k < 1000 && p && atomic_load(&ahead_warnings) == 0; k++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    fc_series_prefetch_stop(p);
    const int told = atomic_load(&ahead_warnings);
    CHECK(told >= 1);
    GEOSGeometry *bow = NULL, *after = NULL, *bad = NULL;
    fc_read_info info = {0};
    CHECK(s && fc_series_read(s, 1, w, crs, &diag, &bow, &info, &err) == FC_OK);
    CHECK(atomic_load(&ahead_warnings) == told && info.repaired >= 1);
    CHECK(bow && GEOSisValid_r(h, bow) == 1);
    CHECK(s && fc_series_read(s, 2, w, crs, &diag, &bad, NULL, &err) != FC_OK && !bad);
    CHECK(strstr(err.msg, "c_20240103.geojson") != NULL);
    CHECK(s && fc_series_read(s, 3, w, crs, &diag, &after, NULL, &err) == FC_OK && after);
    if (bow)
        GEOSGeom_destroy_r(h, bow);
    if (after)
        GEOSGeom_destroy_r(h, after);
    fc_series_close(w, s);
    fc_worker_destroy(w);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    areas_csv();
    places();
    zones();
    series();
    kept_reads();
    read_ahead();
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_readers");
}
