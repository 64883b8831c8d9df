/* The one reader of the places file (see load.h): GeoJSON directly, as the
 * bundled file is read on every run and GDAL's start costs more than the
 * file; any other OGR source through the plug-in, like zones. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/util.h"
#include "frontcast/load.h"
#include "io/ogr_module.h"
#include "io/read.h"

void fc_places_destroy(fc_places *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->p[i].name);
    free(p->p);
    free(p);
}

static fc_places *places_new(size_t n)
{
    fc_places *ps = calloc(1, sizeof *ps);
    if (ps && !(ps->p = calloc(n + 1, sizeof *ps->p))) {
        free(ps);
        ps = NULL;
    }
    return ps;
}

/* Appends a place (name copied; NULL reads as ""). */
static fc_status add_place(fc_places *ps, const char *name, double population, double lon,
                           double lat, fc_error *err)
{
    fc_place *p = &ps->p[ps->n];
    if (!(p->name = fc_strdup(name ? name : "")))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    p->population = population;
    p->lon = lon;
    p->lat = lat;
    ps->n++;
    return FC_OK;
}

static fc_status read_geojson(const char *path, fc_places **out, fc_error *err)
{
    void *text = NULL;
    size_t len = 0;
    fc_status st = fc_read_bytes(path, &text, &len, err);
    if (st != FC_OK)
        return st;
    json_object *root = json_tokener_parse(text);
    free(text);
    json_object *features;
    if (!root || !json_object_object_get_ex(root, "features", &features) ||
        !json_object_is_type(features, json_type_array)) {
        json_object_put(root);
        return fc_error_set(err, FC_ERR_FORMAT,
                            "%s: not a GeoJSON FeatureCollection of places (lon/lat points)", path);
    }
    const size_t n = json_object_array_length(features);
    fc_places *ps = places_new(n);
    st = ps ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        json_object *f = json_object_array_get_idx(features, i), *g, *type, *c, *props = NULL, *v;
        if (!json_object_object_get_ex(f, "geometry", &g) ||
            !json_object_object_get_ex(g, "type", &type) ||
            strcmp(json_object_get_string(type), "Point") != 0 ||
            !json_object_object_get_ex(g, "coordinates", &c) ||
            !json_object_is_type(c, json_type_array) || json_object_array_length(c) < 2)
            continue;
        json_object_object_get_ex(f, "properties", &props);
        const char *name = props && json_object_object_get_ex(props, "name", &v)
                               ? json_object_get_string(v)
                               : NULL;
        const double population = props && json_object_object_get_ex(props, "population", &v)
                                      ? json_object_get_double(v)
                                      : NAN;
        st = add_place(ps, name, population,
                       json_object_get_double(json_object_array_get_idx(c, 0)),
                       json_object_get_double(json_object_array_get_idx(c, 1)), err);
    }
    json_object_put(root);
    if (st != FC_OK) {
        fc_places_destroy(ps);
        return st;
    }
    *out = ps;
    return FC_OK;
}

/* x, y of an ISO WKB Point in little-endian order (as the plug-in writes
 * it), 2D or with Z/M; false for anything else. */
static bool wkb_point(const unsigned char *wkb, size_t size, double *x, double *y)
{
    uint32_t type;
    if (size < 21 || wkb[0] != 1)
        return false;
    memcpy(&type, wkb + 1, 4);
    if (type % 1000 != 1)
        return false;
    memcpy(x, wkb + 5, 8);
    memcpy(y, wkb + 13, 8);
    return true;
}

/* The field called one of names (any case), or -1. */
static int find_field(char **fields, int n, const char *const *names)
{
    for (const char *const *want = names; *want; want++)
        for (int k = 0; k < n; k++)
            if (!strcasecmp(fields[k], *want))
                return k;
    return -1;
}

static fc_status read_ogr(const char *path, fc_places **out, fc_error *err)
{
    const fc_ogr_api *a = fc_ogr(err);
    if (!a)
        return err->code;
    fc_ogr_layer raw;
    fc_status st = a->read(path, NULL, true, true, &raw, err);
    if (st != FC_OK)
        return st;
    static const char *const names[] = {"name", "name_en", "NAME_EN", NULL};
    static const char *const pops[] = {"population", "pop", NULL};
    const int kn = find_field(raw.fields, raw.nfields, names);
    const int kp = find_field(raw.fields, raw.nfields, pops);
    fc_places *ps = places_new(raw.n);
    st = ps ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < raw.n && st == FC_OK; i++) {
        const fc_ogr_feature *f = &raw.features[i];
        double x, y;
        if (!f->wkb || !wkb_point(f->wkb, f->wkb_size, &x, &y))
            continue;
        const char *pop = kp >= 0 ? f->values[kp] : NULL;
        char *end = NULL;
        double population = pop ? strtod(pop, &end) : NAN;
        if (pop && (end == pop || *end))
            population = NAN;
        st = add_place(ps, kn >= 0 ? f->values[kn] : NULL, population, x, y, err);
    }
    /* To lon/lat from the layer's CRS; one without a CRS (a CSV) is taken
     * as lon/lat, which the range check below keeps honest. */
    fc_worker *w = st == FC_OK && raw.crs && ps->n ? fc_worker_create() : NULL;
    if (st == FC_OK && raw.crs && ps->n) {
        double *xy = malloc(2 * ps->n * sizeof *xy);
        st = w && xy ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == FC_OK && i < ps->n; i++) {
            xy[2 * i] = ps->p[i].lon;
            xy[2 * i + 1] = ps->p[i].lat;
        }
        if (st == FC_OK)
            st = fc_reproject_xy(w, raw.crs, "OGC:CRS84", xy, ps->n, err);
        for (size_t i = 0; st == FC_OK && i < ps->n; i++) {
            ps->p[i].lon = xy[2 * i];
            ps->p[i].lat = xy[2 * i + 1];
        }
        free(xy);
    }
    fc_worker_destroy(w);
    a->layer_free(&raw);
    if (st != FC_OK) {
        fc_places_destroy(ps);
        return st;
    }
    *out = ps;
    return FC_OK;
}

fc_status fc_places_read(const char *path, fc_places **out, fc_error *err)
{
    *out = NULL;
    fc_status st = fc_is_geojson_path(path) && !fc_is_virtual_path(path) &&
                           !fc_ogr_has_open_options()
                       ? read_geojson(path, out, err)
                       : read_ogr(path, out, err);
    if (st != FC_OK)
        return st;
    /* Places far outside lon/lat are in some other CRS: say so rather
     * than place them nowhere. */
    for (size_t i = 0; i < (*out)->n; i++) {
        const fc_place *p = &(*out)->p[i];
        if (!(fabs(p->lon) <= 180 && fabs(p->lat) <= 90)) {
            st = fc_error_set(err, FC_ERR_CRS,
                              "%s: place '%s' at (%g, %g) is not in lon/lat: give the layer "
                              "its CRS (GeoJSON is lon/lat by RFC 7946)",
                              path, p->name, p->lon, p->lat);
            fc_places_destroy(*out);
            *out = NULL;
            return st;
        }
    }
    return FC_OK;
}
