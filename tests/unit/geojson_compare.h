/* Whether the GeoJSON reader's two passes (src/io/geojson_fast.c) read a
 * document alike: the streaming scanner, where it vouches for it, and
 * json-c. Shared by tests/unit/test_geojson.c and the fuzz target. */
#ifndef FRONTCAST_TEST_GEOJSON_COMPARE_H
#define FRONTCAST_TEST_GEOJSON_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "frontcast/geodesy.h"
#include "io/read.h"

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Geometries alike to the bit: the same WKB (so -0 and 0 differ too). */
static bool same_geom(fc_worker *w, const GEOSGeometry *a, const GEOSGeometry *b)
{
    if (!a || !b)
        return a == b;
    GEOSContextHandle_t h = fc_worker_geos(w);
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(h);
    size_t na = 0, nb = 0;
    unsigned char *wa = GEOSWKBWriter_write_r(h, wr, a, &na);
    unsigned char *wb = GEOSWKBWriter_write_r(h, wr, b, &nb);
    const bool same = wa && wb && na == nb && memcmp(wa, wb, na) == 0;
    GEOSFree_r(h, wa);
    GEOSFree_r(h, wb);
    GEOSWKBWriter_destroy_r(h, wr);
    return same;
}

/* NULL when the layers are alike, else what differs first. */
static const char *layer_difference(fc_worker *w, const fc_layer *a, const fc_layer *b)
{
    if (!same_text(a->crs, b->crs))
        return "crs";
    if (a->nfields != b->nfields)
        return "number of fields";
    for (int k = 0; k < a->nfields; k++)
        if (!same_text(a->fields[k], b->fields[k]))
            return "field name";
    if (a->n != b->n)
        return "number of features";
    for (size_t i = 0; i < a->n; i++) {
        const fc_feature *f = &a->features[i], *g = &b->features[i];
        if (f->fid != g->fid)
            return "fid";
        if (!same_text(f->skip_reason, g->skip_reason))
            return "skip reason";
        if ((f->values == NULL) != (g->values == NULL))
            return "values present";
        for (int k = 0; f->values && k < a->nfields; k++)
            if (!same_text(f->values[k], g->values[k]))
                return "value";
        if (!same_geom(w, f->geom, g->geom))
            return "geometry";
    }
    return NULL;
}

/*
 * Reads text both ways. *vouched tells whether the scanner took it; the
 * result is NULL when the two agree (or the scanner left it to json-c),
 * else what differs.
 */
static const char *geojson_passes_differ(fc_worker *w, const char *text, size_t len,
                                         bool with_attributes, bool *vouched)
{
    fc_layer a = {0}, b = {0};
    bool ha = true, hb = true;
    fc_status sa = FC_OK, sb;
    fc_error ea = {0}, eb = {0};
    const char *diff = NULL;
    *vouched = fc_geojson_scan(w, "t.geojson", text, len, with_attributes, &a, &ha, &sa, &ea);
    if (*vouched) {
        sb = fc_geojson_parse_json_c(w, "t.geojson", text, len, with_attributes, &b, &hb, &eb);
        if (sa != sb)
            diff = sb == FC_OK ? "status (json-c read it)" : "status (json-c refused it)";
        else if (sa != FC_OK && strcmp(ea.msg, eb.msg) != 0)
            diff = "error message";
        else if (ha != hb)
            diff = "handled";
        else
            diff = layer_difference(w, &a, &b);
    }
    fc_layer_clear(w, &a);
    fc_layer_clear(w, &b);
    return diff;
}

#endif
