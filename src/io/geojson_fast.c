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

typedef struct {
    GEOSGeometry **polys;
    size_t n, cap;
} poly_list;

static bool push(poly_list *l, GEOSGeometry *g)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        GEOSGeometry **np = realloc(l->polys, nc * sizeof *np);
        if (!np)
            return false;
        l->polys = np;
        l->cap = nc;
    }
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

/* Reads every feature's properties as text, the fields being the union of
 * the keys in order of first appearance (as OGR's GeoJSON driver does). */
static fc_status read_properties(fc_layer *l, json_object *const *objs, fc_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        json_object *props;
        if (!objs[i] || !json_object_object_get_ex(objs[i], "properties", &props) ||
            !json_object_is_type(props, json_type_object))
            continue;
        json_object_object_foreach(props, key, val) {
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
        json_object *props;
        if (!objs[i] || !json_object_object_get_ex(objs[i], "properties", &props) ||
            !json_object_is_type(props, json_type_object))
            continue;
        json_object_object_foreach(props, key, val) {
            if (val)
                f->values[field_slot(l, key)] = fc_strdup(json_object_get_string(val));
        }
    }
    return FC_OK;
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
    const char *what = collect(w, geom, &l);
    fc_status st = FC_OK;
    if (!what) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: feature %ld: malformed geometry coordinates",
                          path, index);
    } else if (*what) {
        char buf[128];
        snprintf(buf, sizeof buf, "is a %s, not a polygon", what);
        f->skip_reason = fc_strdup(buf);
    } else if (l.n == 0) {
        f->skip_reason = fc_strdup("has no polygon");
    } else {
        f->geom = GEOSGeom_createCollection_r(w->geos, GEOS_MULTIPOLYGON, l.polys, (unsigned)l.n);
        if (f->geom)
            l.n = 0;
        else
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: feature %ld: %s", path, index,
                              fc_worker_geos_error(w));
    }
    for (size_t i = 0; i < l.n; i++)
        GEOSGeom_destroy_r(w->geos, l.polys[i]);
    free(l.polys);
    return st;
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
