#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/read.h"

/* "crs" names GDAL also reads as lon/lat WGS84 in GeoJSON. */
static bool is_lonlat_crs(json_object *crs)
{
    json_object *props, *name;
    if (!json_object_object_get_ex(crs, "properties", &props) ||
        !json_object_object_get_ex(props, "name", &name))
        return false;
    const char *s = json_object_get_string(name);
    static const char *const ok[] = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84",
                                     "OGC:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"};
    for (size_t i = 0; s && i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(s, ok[i]) == 0)
            return true;
    return false;
}

/* A LinearRing from n positions xy (room for n + 1), closed if the source
 * forgot to; NULL for a ring too short to enclose anything, and with *bad
 * set when GEOS refuses it. Both passes below build rings here. */
static GEOSGeometry *ring_from_xy(fc_worker *w, double *xy, size_t n, bool *bad)
{
    if (n > 0 && (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1])) {
        xy[2 * n] = xy[0];
        xy[2 * n + 1] = xy[1];
        n++;
    }
    GEOSGeometry *ring = NULL;
    if (n >= 4) {
        GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(w->geos, xy, (unsigned)n, 0, 0);
        ring = seq ? GEOSGeom_createLinearRing_r(w->geos, seq) : NULL;
        if (!ring)
            *bad = true;
    }
    return ring;
}

/* Builds a LinearRing from a GeoJSON position array, closing it if the
 * source forgot to. NULL with *bad set when the positions are malformed;
 * NULL without it for a ring too short to enclose anything. */
static GEOSGeometry *make_ring(fc_worker *w, json_object *arr, bool *bad)
{
    if (!json_object_is_type(arr, json_type_array)) {
        *bad = true;
        return NULL;
    }
    size_t n = json_object_array_length(arr);
    double *xy = malloc(2 * (n + 1) * sizeof *xy);
    if (!xy) {
        *bad = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *pos = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(pos, json_type_array) || json_object_array_length(pos) < 2) {
            free(xy);
            *bad = true;
            return NULL;
        }
        json_object *x = json_object_array_get_idx(pos, 0), *y = json_object_array_get_idx(pos, 1);
        if (!(json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int)) ||
            !(json_object_is_type(y, json_type_double) || json_object_is_type(y, json_type_int))) {
            free(xy);
            *bad = true;
            return NULL;
        }
        xy[2 * i] = json_object_get_double(x);
        xy[2 * i + 1] = json_object_get_double(y);
    }
    GEOSGeometry *ring = ring_from_xy(w, xy, n, bad);
    free(xy);
    return ring;
}

/* Polygon from its GeoJSON rings; NULL if malformed (*bad) or degenerate. */
static GEOSGeometry *make_polygon(fc_worker *w, json_object *rings, bool *bad)
{
    if (!json_object_is_type(rings, json_type_array)) {
        *bad = true;
        return NULL;
    }
    size_t n = json_object_array_length(rings);
    if (n == 0)
        return NULL;
    GEOSGeometry *shell = make_ring(w, json_object_array_get_idx(rings, 0), bad);
    if (!shell)
        return NULL;
    GEOSGeometry **holes = calloc(n, sizeof *holes);
    unsigned nh = 0;
    for (size_t i = 1; holes && i < n && !*bad; i++) {
        GEOSGeometry *h = make_ring(w, json_object_array_get_idx(rings, i), bad);
        if (h)
            holes[nh++] = h;
    }
    GEOSGeometry *poly = NULL;
    if (holes && !*bad)
        poly = GEOSGeom_createPolygon_r(w->geos, shell, holes, nh);
    if (!poly) {
        GEOSGeom_destroy_r(w->geos, shell);
        for (unsigned i = 0; holes && i < nh; i++)
            GEOSGeom_destroy_r(w->geos, holes[i]);
        *bad = *bad || !holes;
    }
    free(holes);
    return poly;
}

/* A growing list of owned geometries: a feature's polygons, or a
 * polygon's holes while the scanner reads them. */
typedef struct {
    GEOSGeometry **polys;
    size_t n, cap;
} poly_list;

static bool push(poly_list *l, GEOSGeometry *g)
{
    GEOSGeometry **polys = fc_grow(l->polys, &l->cap, l->n, sizeof *polys, 16);
    if (!polys)
        return false;
    l->polys = polys;
    l->polys[l->n++] = g;
    return true;
}

/* Appends the polygons of a GeoJSON geometry object; returns the name of
 * the type when it is not polygonal, "" when fine, NULL when malformed. */
static const char *collect(fc_worker *w, json_object *geom, poly_list *out)
{
    json_object *type, *coords;
    /* "type": null (or a number) is malformed, not a type named NULL. */
    if (!json_object_object_get_ex(geom, "type", &type) || !json_object_is_type(type, json_type_string))
        return NULL;
    const char *t = json_object_get_string(type);
    if (strcmp(t, "GeometryCollection") == 0) {
        json_object *geoms;
        if (!json_object_object_get_ex(geom, "geometries", &geoms) ||
            !json_object_is_type(geoms, json_type_array))
            return NULL;
        for (size_t i = 0; i < json_object_array_length(geoms); i++)
            if (!collect(w, json_object_array_get_idx(geoms, i), out))
                return NULL;
        return "";
    }
    bool poly = strcmp(t, "Polygon") == 0, multi = strcmp(t, "MultiPolygon") == 0;
    if (!poly && !multi)
        return t;
    if (!json_object_object_get_ex(geom, "coordinates", &coords) ||
        !json_object_is_type(coords, json_type_array))
        return NULL;
    size_t n = poly ? 1 : json_object_array_length(coords);
    for (size_t i = 0; i < n; i++) {
        bool bad = false;
        GEOSGeometry *p = make_polygon(w, poly ? coords : json_object_array_get_idx(coords, i), &bad);
        if (bad)
            return NULL;
        if (p && !push(out, p)) {
            GEOSGeom_destroy_r(w->geos, p);
            return NULL;
        }
    }
    return "";
}

/* Index of field name in layer, adding it when new; -1 when out of memory. */
static int field_slot(fc_layer *l, const char *name)
{
    for (int k = 0; k < l->nfields; k++)
        if (strcmp(l->fields[k], name) == 0)
            return k;
    char **nf = realloc(l->fields, (size_t)(l->nfields + 1) * sizeof *nf);
    if (!nf)
        return -1;
    l->fields = nf;
    l->fields[l->nfields] = fc_strdup(name);
    return l->fields[l->nfields] ? l->nfields++ : -1;
}

/* Reads every feature's properties (props[i], NULL or not an object for
 * none) as text, the fields being the union of the keys in order of first
 * appearance (as OGR's GeoJSON driver does). */
static fc_status read_properties(fc_layer *l, json_object *const *props, fc_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!props[i] || !json_object_is_type(props[i], json_type_object))
            continue;
        json_object_object_foreach(props[i], key, val) {
            (void)val;
            if (field_slot(l, key) < 0)
                return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < l->n; i++) {
        fc_feature *f = &l->features[i];
        f->values = calloc(l->nfields ? (size_t)l->nfields : 1, sizeof *f->values);
        if (!f->values)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        if (!props[i] || !json_object_is_type(props[i], json_type_object))
            continue;
        json_object_object_foreach(props[i], key, val) {
            if (val)
                f->values[field_slot(l, key)] = fc_strdup(json_object_get_string(val));
        }
    }
    return FC_OK;
}

/* Sets feature f from what collect() made of its geometry: the polygons in
 * l (taken), the name of a type that is not polygonal, or NULL for
 * malformed coordinates (an error). */
static fc_status set_feature(fc_worker *w, const char *path, long index, const char *what,
                             poly_list *l, fc_feature *f, fc_error *err)
{
    fc_status st = FC_OK;
    if (!what) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: feature %ld: malformed geometry coordinates",
                          path, index);
    } else if (*what) {
        char buf[128];
        snprintf(buf, sizeof buf, "is a %s, not a polygon", what);
        f->skip_reason = fc_strdup(buf);
    } else if (l->n == 0) {
        f->skip_reason = fc_strdup("has no polygon");
    } else {
        f->geom = GEOSGeom_createCollection_r(w->geos, GEOS_MULTIPOLYGON, l->polys, (unsigned)l->n);
        if (f->geom)
            l->n = 0;
        else
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: feature %ld: %s", path, index,
                              fc_worker_geos_error(w));
    }
    for (size_t i = 0; i < l->n; i++)
        GEOSGeom_destroy_r(w->geos, l->polys[i]);
    free(l->polys);
    *l = (poly_list){0};
    return st;
}

/* Sets up feature f from a GeoJSON Feature (or bare geometry) object. */
static fc_status read_feature(fc_worker *w, const char *path, json_object *obj, long index,
                              bool bare, fc_feature *f, fc_error *err)
{
    memset(f, 0, sizeof *f);
    f->fid = index;
    json_object *geom = obj;
    if (!bare && (!json_object_object_get_ex(obj, "geometry", &geom) || !geom)) {
        f->skip_reason = fc_strdup("has no geometry");
        return FC_OK;
    }
    poly_list l = {0};
    return set_feature(w, path, index, collect(w, geom, &l), &l, f, err);
}

/* ---- The streaming pass ----
 * json-c builds an object for every number of a 60 MB snapshot, and that
 * was half the time of reading one. The scanner below reads the common
 * case (a FeatureCollection of Polygons and MultiPolygons in standard JSON)
 * straight into coordinate buffers. It vouches for a document only where
 * it reads it exactly as the json-c pass does (the same features, values,
 * skip reasons) and otherwise gives up, leaving the document, errors and
 * all, to json-c: one reading of GeoJSON, done two ways
 * (tests/unit/test_geojson.c and the fuzz target compare them). */

/* Deeper documents are left to json-c (its limit is 32), so that depth
 * never separates the two passes. */
#define SCAN_MAX_DEPTH 24

typedef struct {
    const char *p, *end;
    int depth;
    double *xy; /* one ring's positions, room for cap */
    size_t cap;
} scan;

typedef struct {
    const char *s;
    size_t n;
} span;

static bool span_is(span k, const char *lit)
{
    return k.n == strlen(lit) && memcmp(k.s, lit, k.n) == 0;
}

/* Skips JSON whitespace (json-c's four characters); false at the end. */
static bool skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
    return s->p < s->end;
}

static bool next(scan *s, char c)
{
    if (!skip_ws(s) || *s->p != c)
        return false;
    s->p++;
    return true;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string at s->p: its content (between the quotes) in *out, *plain when
 * it has no escape. Raw control characters, which json-c takes and
 * standard JSON does not, give up. */
static bool scan_string(scan *s, span *out, bool *plain)
{
    if (!next(s, '"'))
        return false;
    const char *start = s->p;
    *plain = true;
    while (s->p < s->end) {
        const unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *out = (span){start, (size_t)(s->p - start)};
            s->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            *plain = false;
            if (++s->p >= s->end)
                return false;
            if (*s->p == 'u') {
                if (s->end - s->p < 5 || !is_hex(s->p[1]) || !is_hex(s->p[2]) ||
                    !is_hex(s->p[3]) || !is_hex(s->p[4]))
                    return false;
                s->p += 4;
            } else if (!strchr("\"\\/bfnrt", *s->p) || !*s->p) {
                return false;
            }
        }
        s->p++;
    }
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number in standard JSON's grammar, valued as json-c values it: an
 * integer token as an int64 converted to double, any other by strtod
 * (correctly rounded), here by Clinger's exact fast path when the digits
 * fit 53 bits and the power of ten is exact. Integers beyond 18 digits
 * (json-c clamps them) and non-finite values give up. With out NULL only
 * the grammar is checked (a number no one reads). */
static bool scan_number(scan *s, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (!skip_ws(s))
        return false;
    const char *p = s->p, *const start = p, *const end = s->end;
    const bool neg = *p == '-';
    if (neg)
        p++;
    if (p >= end || !is_digit(*p))
        return false;
    uint64_t mant = 0;
    int digits = 0, scale = 0; /* significant digits; value = mant * 10^scale */
    bool integer = true;
    if (*p == '0') {
        p++;
    } else {
        for (; p < end && is_digit(*p); p++)
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                digits++;
            } else {
                digits = 99; /* too many: the slow path */
            }
    }
    if (p < end && *p == '.') {
        integer = false;
        if (++p >= end || !is_digit(*p))
            return false;
        for (; p < end && is_digit(*p); p++) {
            if (mant == 0 && *p == '0') {
                scale--;
                continue;
            }
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                digits++;
                scale--;
            } else {
                digits = 99;
            }
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = false;
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= end || !is_digit(*p))
            return false;
        int e = 0;
        for (; p < end && is_digit(*p); p++)
            if (e < 10000)
                e = e * 10 + (*p - '0');
        scale += eneg ? -e : e;
    }
    s->p = p;
    if (!out)
        return true; /* json-c takes any number (clamped, or infinite) */
    if (integer) {
        if (digits > 18)
            return false;
        *out = (double)(neg ? -(int64_t)mant : (int64_t)mant);
        return true;
    }
    if (digits <= 15 && scale >= -22 && scale <= 22) {
        double v = (double)mant;
        v = scale < 0 ? v / pow10[-scale] : v * pow10[scale];
        *out = neg ? -v : v;
        return true;
    }
    char buf[64];
    const size_t n = (size_t)(p - start);
    if (n >= sizeof buf)
        return false;
    memcpy(buf, start, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return isfinite(*out);
}

static bool scan_literal(scan *s, const char *lit)
{
    const size_t n = strlen(lit);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return false;
    s->p += n;
    return true;
}

/* Opens an array or object ('[' or '{'), counting the depth. */
static bool enter(scan *s, char c)
{
    return next(s, c) && ++s->depth <= SCAN_MAX_DEPTH;
}

/* After enter() or an element: 1 when another element follows (the comma
 * consumed), 0 at the closing bracket (consumed), -1 on anything else. */
static int more(scan *s, char close, bool *first)
{
    if (!skip_ws(s))
        return -1;
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    if (!*first) {
        if (*s->p != ',')
            return -1;
        s->p++;
    }
    *first = false;
    return 1;
}

/* The next member's key (a plain string: an escaped one could spell a key
 * json-c would match, so it gives up), with its colon; 1, 0 or -1 as
 * more(). */
static int member(scan *s, bool *first, span *key)
{
    int r = more(s, '}', first);
    bool plain;
    if (r == 1 && !(scan_string(s, key, &plain) && plain && next(s, ':')))
        r = -1;
    return r;
}

static bool skip_value(scan *s)
{
    if (!skip_ws(s))
        return false;
    bool first = true, plain;
    span k;
    int r;
    switch (*s->p) {
    case '{':
        if (!enter(s, '{'))
            return false;
        while ((r = member(s, &first, &k)) == 1)
            if (!skip_value(s))
                return false;
        return r == 0;
    case '[':
        if (!enter(s, '['))
            return false;
        while ((r = more(s, ']', &first)) == 1)
            if (!skip_value(s))
                return false;
        return r == 0;
    case '"':
        return scan_string(s, &k, &plain);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        return scan_number(s, NULL);
    }
}

/* A value's text, after skipping it. */
static bool skip_span(scan *s, span *out)
{
    if (!skip_ws(s))
        return false;
    const char *start = s->p;
    if (!skip_value(s))
        return false;
    *out = (span){start, (size_t)(s->p - start)};
    return true;
}

/* A ring's positions into s->xy; the ring as ring_from_xy() makes it
 * (NULL when too short). False to give up. */
static bool scan_ring(fc_worker *w, scan *s, GEOSGeometry **ring)
{
    *ring = NULL;
    bool first = true;
    size_t n = 0;
    int r;
    if (!enter(s, '['))
        return false;
    while ((r = more(s, ']', &first)) == 1) {
        if (2 * (n + 2) > s->cap) {
            size_t ncap = s->cap ? 2 * s->cap : 1024;
            double *nxy = realloc(s->xy, ncap * sizeof *nxy);
            if (!nxy)
                return false;
            s->xy = nxy;
            s->cap = ncap;
        }
        bool pfirst = true;
        if (!enter(s, '[') || more(s, ']', &pfirst) != 1 || !scan_number(s, &s->xy[2 * n]) ||
            more(s, ']', &pfirst) != 1 || !scan_number(s, &s->xy[2 * n + 1]))
            return false;
        int pr;
        while ((pr = more(s, ']', &pfirst)) == 1) /* z, m: read by neither pass */
            if (!skip_value(s))
                return false;
        if (pr < 0)
            return false;
        n++;
    }
    if (r < 0)
        return false;
    bool bad = false;
    *ring = ring_from_xy(w, s->xy, n, &bad);
    return !bad;
}

/* A Polygon's rings, appended to l when it has a ring long enough. */
static bool scan_polygon(fc_worker *w, scan *s, poly_list *l)
{
    bool first = true;
    int r;
    if (!enter(s, '[') || (r = more(s, ']', &first)) < 0)
        return false;
    if (r == 0)
        return true; /* no rings: no polygon */
    GEOSGeometry *shell, *h;
    if (!scan_ring(w, s, &shell))
        return false;
    if (!shell) {
        /* The json-c pass stops at a short shell and never looks at the
         * holes: nor does this one, beyond their syntax. */
        while ((r = more(s, ']', &first)) == 1)
            if (!skip_value(s))
                return false;
        return r == 0;
    }
    poly_list holes = {0};
    bool ok = true;
    while (ok && (r = more(s, ']', &first)) == 1) {
        ok = scan_ring(w, s, &h);
        if (ok && h && !push(&holes, h)) {
            GEOSGeom_destroy_r(w->geos, h);
            ok = false;
        }
    }
    GEOSGeometry *poly = NULL;
    if (ok && r == 0)
        poly = GEOSGeom_createPolygon_r(w->geos, shell, holes.polys, (unsigned)holes.n);
    if (!poly) {
        GEOSGeom_destroy_r(w->geos, shell);
        for (size_t i = 0; i < holes.n; i++)
            GEOSGeom_destroy_r(w->geos, holes.polys[i]);
    }
    free(holes.polys);
    if (poly && !push(l, poly)) {
        GEOSGeom_destroy_r(w->geos, poly);
        poly = NULL;
    }
    return poly != NULL;
}

/* A Polygon's or MultiPolygon's coordinates into l. */
static bool scan_coordinates(fc_worker *w, scan *s, bool multi, poly_list *l)
{
    if (!multi)
        return scan_polygon(w, s, l);
    bool first = true;
    int r;
    if (!enter(s, '['))
        return false;
    while ((r = more(s, ']', &first)) == 1)
        if (!scan_polygon(w, s, l))
            return false;
    return r == 0;
}

/* A geometry object: its polygons into l and, as collect() says it, the
 * name of a type that is not polygonal (in tname) or "". Coordinates that
 * come before the type are read again once the type is known. */
static bool scan_geometry(fc_worker *w, scan *s, poly_list *l, char *tname, size_t tsize,
                          const char **what)
{
    bool first = true, plain, have_type = false, have_coords = false, done = false, multi = false;
    span k, type = {0}, coords = {0};
    int r;
    if (!enter(s, '{'))
        return false;
    while ((r = member(s, &first, &k)) == 1) {
        if (span_is(k, "type")) {
            if (have_type || !scan_string(s, &type, &plain) || !plain)
                return false;
            have_type = true;
        } else if (span_is(k, "coordinates")) {
            if (have_coords)
                return false;
            have_coords = true;
            multi = span_is(type, "MultiPolygon");
            if (have_type && (multi || span_is(type, "Polygon"))) {
                if (!scan_coordinates(w, s, multi, l))
                    return false;
                done = true;
            } else if (!skip_span(s, &coords)) {
                return false;
            }
        } else if (!skip_value(s)) {
            return false;
        }
    }
    if (r < 0 || !have_type || span_is(type, "GeometryCollection"))
        return false;
    multi = span_is(type, "MultiPolygon");
    if (!multi && !span_is(type, "Polygon")) {
        if (type.n >= tsize || memchr(type.s, '\0', type.n))
            return false;
        memcpy(tname, type.s, type.n);
        tname[type.n] = '\0';
        *what = tname;
        return true;
    }
    *what = "";
    if (done)
        return true;
    if (!have_coords)
        return false;
    scan sub = {coords.s, coords.s + coords.n, s->depth, s->xy, s->cap};
    const bool ok = scan_coordinates(w, &sub, multi, l) && !skip_ws(&sub);
    s->xy = sub.xy;
    s->cap = sub.cap;
    return ok;
}

/* json-c's reading of an object's text (NULL for null); false to give up.
 * Only objects and null are read, since json-c cannot tell where a bare
 * number ends without the text that follows it. */
static bool parse_object(span v, json_object **out)
{
    *out = NULL;
    if (v.n == 4 && memcmp(v.s, "null", 4) == 0)
        return true;
    if (v.n == 0 || v.s[0] != '{' || v.n > INT_MAX)
        return false;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return false;
    *out = json_tokener_parse_ex(tok, v.s, (int)v.n);
    const bool ok = *out && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == v.n;
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(*out);
        *out = NULL;
    }
    return ok;
}

/* One Feature of a FeatureCollection into f, its properties' text in
 * *props (NULL span when it has none). */
static bool scan_feature(fc_worker *w, scan *s, const char *path, long index, fc_feature *f,
                         span *props, fc_status *st, fc_error *err)
{
    bool first = true, have_geom = false, null_geom = false;
    span k;
    int r = -1;
    poly_list l = {0};
    char tname[100];
    const char *what = NULL;
    *props = (span){0};
    memset(f, 0, sizeof *f);
    f->fid = index;
    bool ok = enter(s, '{');
    while (ok && (r = member(s, &first, &k)) == 1) {
        if (span_is(k, "geometry")) {
            ok = !have_geom && skip_ws(s);
            have_geom = true;
            if (ok && *s->p == 'n')
                ok = null_geom = scan_literal(s, "null");
            else if (ok)
                ok = scan_geometry(w, s, &l, tname, sizeof tname, &what);
        } else if (span_is(k, "properties")) {
            ok = !props->s && skip_span(s, props);
        } else {
            ok = skip_value(s);
        }
    }
    ok = ok && r == 0;
    if (ok && (!have_geom || null_geom)) {
        f->skip_reason = fc_strdup("has no geometry");
        ok = f->skip_reason != NULL;
    } else if (ok) {
        *st = set_feature(w, path, index, what, &l, f, err);
        ok = *st == FC_OK;
    }
    for (size_t i = 0; i < l.n; i++)
        GEOSGeom_destroy_r(w->geos, l.polys[i]);
    free(l.polys);
    return ok;
}

/* The features array into out, their properties' text into *props. */
static bool scan_features(fc_worker *w, scan *s, const char *path, fc_layer *out, span **props,
                          fc_status *st, fc_error *err)
{
    bool first = true;
    int r;
    size_t cap = 0;
    if (!enter(s, '['))
        return false;
    while ((r = more(s, ']', &first)) == 1) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            fc_feature *nf = realloc(out->features, cap * sizeof *nf);
            span *np = realloc(*props, cap * sizeof *np);
            if (nf)
                out->features = nf;
            if (np)
                *props = np;
            if (!nf || !np)
                return false;
        }
        const size_t i = out->n++;
        if (!scan_feature(w, s, path, (long)i, &out->features[i], &(*props)[i], st, err))
            return false;
    }
    return r == 0;
}

bool fc_geojson_scan(fc_worker *w, const char *path, const char *text, size_t len,
                     bool with_attributes, fc_layer *out, bool *handled, fc_status *st,
                     fc_error *err)
{
    memset(out, 0, sizeof *out);
    *handled = true;
    scan s = {text, text + len, 0, NULL, 0};
    span k, type = {0}, crs = {0}, *props = NULL;
    bool first = true, plain, ok = enter(&s, '{'), have_type = false, have_features = false;
    int r = -1;
    *st = FC_OK;
    while (ok && (r = member(&s, &first, &k)) == 1) {
        if (span_is(k, "type")) {
            ok = !have_type && scan_string(&s, &type, &plain) && plain;
            have_type = true;
        } else if (span_is(k, "crs")) {
            ok = !crs.s && skip_span(&s, &crs);
        } else if (span_is(k, "features")) {
            ok = !have_features && scan_features(w, &s, path, out, &props, st, err);
            have_features = true;
        } else {
            ok = skip_value(&s);
        }
    }
    free(s.xy);
    ok = ok && r == 0 && !skip_ws(&s) && have_features && span_is(type, "FeatureCollection");
    json_object *crs_obj = NULL, **pobj = NULL;
    if (ok && crs.s) {
        /* null is no CRS; any other non-object is not lon/lat, as json-c
         * reads it. */
        ok = parse_object(crs, &crs_obj) || crs.s[0] != '{';
        if (ok && (crs_obj || crs.s[0] != 'n') && !(crs_obj && is_lonlat_crs(crs_obj)))
            *handled = false;
        json_object_put(crs_obj);
    }
    if (ok && *handled && !(out->crs = fc_strdup("OGC:CRS84")))
        ok = false;
    if (ok && *handled && with_attributes) {
        pobj = calloc(out->n ? out->n : 1, sizeof *pobj);
        ok = pobj != NULL;
        for (size_t i = 0; ok && i < out->n; i++)
            if (props[i].s && props[i].s[0] == '{')
                ok = parse_object(props[i], &pobj[i]);
        if (ok)
            *st = read_properties(out, pobj, err);
        for (size_t i = 0; pobj && i < out->n; i++)
            json_object_put(pobj[i]);
        free(pobj);
    }
    free(props);
    if (!ok || *st != FC_OK || !*handled)
        fc_layer_clear(w, out);
    if (!ok) {
        *handled = true;
        *st = FC_OK;
    }
    return ok;
}

fc_status fc_geojson_read(fc_worker *w, const char *path, bool with_attributes, fc_layer *out,
                          bool *handled, fc_error *err)
{
    memset(out, 0, sizeof *out);
    *handled = true;
    char *text = NULL;
    size_t len = 0;
    int rc = fc_read_file(path, &text, &len);
    if (rc != 0)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot read: %s", path, fc_strerror(rc));
    fc_status st = fc_geojson_parse(w, path, text, len, with_attributes, out, handled, err);
    free(text);
    return st;
}

fc_status fc_geojson_parse(fc_worker *w, const char *path, const char *text, size_t len,
                           bool with_attributes, fc_layer *out, bool *handled, fc_error *err)
{
    memset(out, 0, sizeof *out);
    *handled = true;
    fc_status st;
    if (fc_geojson_scan(w, path, text, len, with_attributes, out, handled, &st, err))
        return st;
    return fc_geojson_parse_json_c(w, path, text, len, with_attributes, out, handled, err);
}

fc_status fc_geojson_parse_json_c(fc_worker *w, const char *path, const char *text, size_t len,
                                  bool with_attributes, fc_layer *out, bool *handled,
                                  fc_error *err)
{
    memset(out, 0, sizeof *out);
    *handled = true;
    fc_status st = FC_OK;
    json_object *root = NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t offset = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue || (jerr == json_tokener_success && !root && len > 0)) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: invalid GeoJSON: truncated (ends at byte %zu)",
                          path, len);
        goto cleanup;
    }
    if (jerr != json_tokener_success || !root) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: invalid GeoJSON at byte %zu: %s", path, offset,
                          len == 0 ? "empty file" : json_tokener_error_desc(jerr));
        goto cleanup;
    }
    for (size_t i = offset; i < len; i++)
        if (!strchr(" \t\r\n", text[i])) {
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: invalid GeoJSON: trailing data at byte %zu",
                              path, i);
            goto cleanup;
        }
    json_object *type, *crs;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "type", &type)) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: not GeoJSON (no \"type\" member)", path);
        goto cleanup;
    }
    if (!json_object_is_type(type, json_type_string)) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: not GeoJSON (\"type\" is not a string)", path);
        goto cleanup;
    }
    if (json_object_object_get_ex(root, "crs", &crs) && crs && !is_lonlat_crs(crs)) {
        *handled = false;
        goto cleanup;
    }
    out->crs = fc_strdup("OGC:CRS84");
    const char *t = json_object_get_string(type);
    json_object **objs = NULL; /* the features, for their properties */
    if (strcmp(t, "FeatureCollection") == 0) {
        json_object *features;
        if (!json_object_object_get_ex(root, "features", &features) ||
            !json_object_is_type(features, json_type_array)) {
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: FeatureCollection without a features array",
                              path);
            goto cleanup;
        }
        size_t n = json_object_array_length(features);
        out->features = calloc(n ? n : 1, sizeof *out->features);
        if (!out->features) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        objs = calloc(n ? n : 1, sizeof *objs);
        if (!objs) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < n && st == FC_OK; i++) {
            objs[i] = json_object_array_get_idx(features, i);
            st = read_feature(w, path, objs[i], (long)i, false, &out->features[i], err);
            out->n = i + 1;
        }
    } else {
        out->features = calloc(1, sizeof *out->features);
        if (!out->features) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        out->n = 1;
        bool bare = strcmp(t, "Feature") != 0;
        st = read_feature(w, path, root, 0, bare, &out->features[0], err);
        objs = calloc(1, sizeof *objs);
        if (objs)
            objs[0] = bare ? NULL : root;
        else
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; st == FC_OK && with_attributes && i < out->n; i++) {
        json_object *props = NULL;
        if (objs[i] && !json_object_object_get_ex(objs[i], "properties", &props))
            props = NULL;
        objs[i] = props;
    }
    if (st == FC_OK && with_attributes)
        st = read_properties(out, objs, err);
    free(objs);
cleanup:
    if (st != FC_OK || !*handled)
        fc_layer_clear(w, out);
    json_object_put(root);
    json_tokener_free(tok);
    return st;
}
