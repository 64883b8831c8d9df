/* The GeoJSON reader's streaming scanner against json-c (src/io/geojson_fast.c):
 * a table of documents, each with whether the scanner should take it, read
 * both ways and compared feature by feature, value by value, geometry by
 * WKB; then the bundled data and, where ../shared/data is present, every
 * 7th DeepStateMap snapshot. */
#include "check.h"

#include <dirent.h>
#include <stdlib.h>

#include "core/util.h"
#include "geojson_compare.h"

#define FC(features) "{\"type\":\"FeatureCollection\",\"features\":[" features "]}"
#define SQUARE "[[0,0],[1,0],[1,1],[0,1],[0,0]]"
#define POLY(props) \
    "{\"type\":\"Feature\",\"properties\":" props \
    ",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}}"

static const struct {
    const char *name, *text;
    bool vouch; /* the scanner takes it (else json-c reads it) */
} cases[] = {
    /* What the scanner is for. */
    {"one polygon", FC(POLY("{\"name\":\"a\"}")), true},
    {"multipolygon with a hole",
     FC("{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"MultiPolygon\","
        "\"coordinates\":[[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[3,2],[3,3],[2,2]]],"
        "[" SQUARE "]]}}"),
     true},
    {"coordinates before type",
     FC("{\"geometry\":{\"coordinates\":[[" SQUARE "]],\"bbox\":[0,0,1,1],"
        "\"type\":\"MultiPolygon\"},\"properties\":{\"k\":1}}"),
     true},
    {"unclosed ring closed", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                                "[[[0,0],[1,0],[1,1],[0,1]]]}}"),
     true},
    {"short hole dropped", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                              "[" SQUARE ",[[0.2,0.2],[0.3,0.3]]]}}"),
     true},
    {"short shell: holes unread", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                                     "[[[0,0],[1,1]],\"junk\",{\"x\":[1]}]}}"),
     true},
    {"no rings", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}"), true},
    {"empty multipolygon", FC("{\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[]}}"),
     true},
    {"z, m and more", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[1,0,5,6],"
                         "[1,1,\"x\",null,{}],[0,1,[]],[0,0]]]}}"),
     true},
    {"no geometry", FC("{\"type\":\"Feature\",\"properties\":{\"a\":1}}"), true},
    {"null geometry", FC("{\"type\":\"Feature\",\"geometry\":null,\"properties\":null}"), true},
    {"a point", FC("{\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}," POLY("{}")), true},
    {"a point without coordinates", FC("{\"geometry\":{\"type\":\"LineString\"}}"), true},
    {"empty collection", FC(""), true},
    {"CRS84 member", "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                     "{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":[" POLY("{}") "]}",
     true},
    {"another CRS", "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                    "{\"name\":\"EPSG:3857\"}},\"features\":[" POLY("{}") "]}",
     true},
    {"crs null", "{\"crs\":null,\"type\":\"FeatureCollection\",\"features\":[" POLY("{}") "]}",
     true},
    {"crs a string", "{\"type\":\"FeatureCollection\",\"crs\":\"EPSG:4326\",\"features\":[]}",
     true},
    {"features before type", "{\"features\":[" POLY("{}") "],\"name\":\"x\",\"type\":"
                             "\"FeatureCollection\"}",
     true},
    {"properties of every kind",
     FC(POLY("{\"s\":\"a\\\"b\\\\c\\/d\\u00e9\\n\",\"i\":-42,\"d\":2.5e-3,\"t\":true,\"f\":false,"
             "\"n\":null,\"o\":{\"x\":[1,{\"y\":null}]},\"a\":[],\"big\":123456789012345678901,"
             "\"u\":\"\xd0\x9a\xd0\xb8\xd1\x97\xd0\xb2\"}") "," POLY("{\"later\":1,\"s\":\"b\"}")
        "," POLY("[1,2]") "," POLY("\"text\"")),
     true},
    {"numbers",
     FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[-0,0.0],[1E2,-0.0],"
        "[30.123456789012345678,1e-7],[0.30000000000000004,5e-324],[1.7976931348623157e308,"
        "123456789012345678],[-2.5E+1,0.000000000000000000000000001234],"
        "[4.9406564584124654e-324,1e22],[1e23,-1e-22],[-0,0.0]]]}}"),
     true},
    {"whitespace", " \r\n\t{ \"type\" : \"FeatureCollection\" ,\n\"features\" : [ { \"geometry\""
                   " : { \"type\" : \"Polygon\" , \"coordinates\" : [ [ [ 0 , 0 ] , [ 1 , 0 ] , "
                   "[ 1 , 1 ] , [ 0 , 0 ] ] ] } } ] }\r\n ",
     true},
    {"unknown members, duplicated", "{\"x\":1,\"x\":[{\"a\":{\"b\":[[[]]]}}],\"type\":"
                                    "\"FeatureCollection\",\"features\":[],\"y\":\"\\u0041\"}",
     true},
    {"numbers no one reads", "{\"type\":\"FeatureCollection\",\"bbox\":[1e400,-1e999,"
                             "123456789012345678901234,-0.0e-0],\"features\":[]}",
     true},
    /* Left to json-c: other shapes of GeoJSON... */
    {"a bare Feature", POLY("{}"), false},
    {"a bare geometry", "{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}", false},
    {"a GeometryCollection", FC("{\"geometry\":{\"type\":\"GeometryCollection\",\"geometries\":"
                                "[{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}]}}"),
     false},
    {"a feature not an object", FC("[1,2]"), false},
    {"duplicate geometry", FC("{\"geometry\":null,\"geometry\":{\"type\":\"Polygon\","
                              "\"coordinates\":[" SQUARE "]}}"),
     false},
    {"duplicate features", "{\"type\":\"FeatureCollection\",\"features\":[],\"features\":[]}",
     false},
    {"duplicate properties", FC("{\"properties\":{\"a\":1},\"properties\":{\"b\":2}}"), false},
    {"escaped key", "{\"typ\\u0065\":\"FeatureCollection\",\"features\":[]}", false},
    {"escaped type", "{\"type\":\"Feature\\u0043ollection\",\"features\":[]}", false},
    {"too deep", FC(POLY("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]}")), false},
    {"19-digit integer", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],"
                            "[1,1],[1234567890123456789,0]]]}}"),
     false},
    {"overflowing number", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],"
                              "[1,1],[1e400,0]]]}}"),
     false},
    /* ...JSON json-c accepts and the standard does not... */
    {"NaN", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,NaN],"
               "[0,0]]]}}"),
     false},
    {"trailing comma", FC(POLY("{}") ","), false},
    {"comment", "/* c */" FC(""), false},
    {"single quotes", "{'type':'FeatureCollection','features':[]}", false},
    {"leading zero", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[01,0],"
                        "[1,1],[0,0]]]}}"),
     false},
    {"raw control character", FC(POLY("{\"a\":\"x\ty\"}")), false},
    {"byte-order mark", "\xef\xbb\xbf" FC(""), false},
    /* ...and every malformed document, whose message json-c's pass gives. */
    {"empty", "", false},
    {"truncated", "{\"type\":\"FeatureCollection\",\"features\":[", false},
    {"trailing data", FC("") " x", false},
    {"not an object", "[1]", false},
    {"no type", "{\"features\":[]}", false},
    {"type null", "{\"type\":null,\"features\":[]}", false},
    {"features not an array", "{\"type\":\"FeatureCollection\",\"features\":{}}", false},
    {"coordinates null", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":null}}"), false},
    {"position a string", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],\"1,0\","
                             "[1,1],[0,0]]]}}"),
     false},
    {"position too short", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],"
                              "[1,1],[0,0]]]}}"),
     false},
    {"coordinate a string", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],"
                               "[\"1\",0],[1,1],[0,0]]]}}"),
     false},
    {"bad hole", FC("{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQUARE ",7]}}"), false},
    {"geometry empty", FC("{\"geometry\":{}}"), false},
    {"polygon without coordinates", FC("{\"geometry\":{\"type\":\"Polygon\"}}"), false},
};

static void table(fc_worker *w)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int attrs = 0; attrs < 2; attrs++) {
            bool vouched;
            const char *diff =
                geojson_passes_differ(w, cases[i].text, strlen(cases[i].text), attrs, &vouched);
            check_count += 2;
            if (vouched != cases[i].vouch) {
                check_failures++;
                fprintf(stderr, "%s (attributes %d): the scanner %s it\n", cases[i].name, attrs,
                        vouched ? "took" : "left");
            }
            if (diff) {
                check_failures++;
                fprintf(stderr, "%s (attributes %d): the passes differ in %s\n", cases[i].name,
                        attrs, diff);
            }
        }
}

/* Known answers the comparison alone would not catch (both passes wrong
 * alike): values and geometry of one document, read the fast way. */
static void known(fc_worker *w)
{
    const char *text = FC(POLY("{\"name\":\"Київ\",\"n\":7,\"x\":1.5}") ","
                          "{\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}");
    fc_layer l;
    bool handled;
    fc_status st;
    fc_error err;
    CHECK(fc_geojson_scan(w, "t", text, strlen(text), true, &l, &handled, &st, &err));
    CHECK(st == FC_OK && handled && l.n == 2 && l.nfields == 3);
    if (st == FC_OK && l.n == 2 && l.nfields == 3) {
        CHECK(strcmp(l.fields[0], "name") == 0 && strcmp(l.features[0].values[0], "Київ") == 0);
        CHECK(strcmp(l.features[0].values[1], "7") == 0);
        CHECK(strcmp(l.features[0].values[2], "1.5") == 0);
        CHECK(l.features[1].geom == NULL &&
              strcmp(l.features[1].skip_reason, "is a Point, not a polygon") == 0);
        double area = 0;
        CHECK(GEOSArea_r(fc_worker_geos(w), l.features[0].geom, &area) && area == 1.0);
        CHECK(strcmp(l.crs, "OGC:CRS84") == 0);
    }
    fc_layer_clear(w, &l);
}

/* A file read both ways; false when it could not be read. */
static bool file_alike(fc_worker *w, const char *path, bool want_vouched)
{
    char *text = NULL;
    size_t len = 0;
    if (fc_read_file(path, &text, &len) != 0)
        return false;
    for (int attrs = 0; attrs < 2; attrs++) {
        bool vouched;
        const char *diff = geojson_passes_differ(w, text, len, attrs, &vouched);
        check_count++;
        if (diff || vouched != want_vouched) {
            check_failures++;
            fprintf(stderr, "%s: %s\n", path, diff ? diff : "not taken by the scanner");
        }
    }
    free(text);
    return true;
}

/* The files under dir whose names end in .geojson, every step-th. */
static int directory(fc_worker *w, const char *dir, int step)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int seen = 0, read = 0;
    char path[4096];
    while ((e = readdir(d))) {
        const size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 8, ".geojson") != 0 || seen++ % step)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        read += file_alike(w, path, true);
    }
    closedir(d);
    return read;
}

int main(int argc, char **argv)
{
    fc_worker *w = fc_worker_create();
    if (!w)
        return 1;
    table(w);
    known(w);
    static const char *const bundled[] = {"ukraine-oblasts.geojson", "ukraine-raions.geojson",
                                          "ukraine-places.geojson"};
    char path[4096];
    for (size_t i = 0; i < sizeof bundled / sizeof bundled[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", FRONTCAST_GEODATA_DIR, bundled[i]);
        /* The places are points: each feature a skip reason, both ways. */
        CHECK(file_alike(w, path, true));
    }
    CHECK(directory(w, FRONTCAST_GEODATA_DIR "/demo-control", 1) > 0);
    if (argc > 1) {
        snprintf(path, sizeof path, "%s/deepstate", argv[1]);
        int n = directory(w, path, 7);
        printf("test_geojson: %d DeepStateMap snapshots compared\n", n);
    }
    fc_worker_destroy(w);
    return check_exit("test_geojson");
}
