/* The one reader of the places file (see load.h). */
#include <math.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "core/util.h"
#include "frontcast/load.h"

void fc_places_destroy(fc_places *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->p[i].name);
    free(p->p);
    free(p);
}

fc_status fc_places_read(const char *path, fc_places **out, fc_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = fc_read_file(path, &text, &len);
    if (rc != 0)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot read: %s", path, fc_strerror(rc));
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
    fc_places *ps = calloc(1, sizeof *ps);
    if (ps)
        ps->p = calloc(n + 1, sizeof *ps->p);
    fc_status st = ps && ps->p ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        json_object *f = json_object_array_get_idx(features, i), *g, *c, *props = NULL, *v;
        if (!json_object_object_get_ex(f, "geometry", &g) ||
            !json_object_object_get_ex(g, "coordinates", &c) ||
            !json_object_is_type(c, json_type_array) || json_object_array_length(c) < 2)
            continue;
        fc_place *p = &ps->p[ps->n];
        p->lon = json_object_get_double(json_object_array_get_idx(c, 0));
        p->lat = json_object_get_double(json_object_array_get_idx(c, 1));
        json_object_object_get_ex(f, "properties", &props);
        p->name = fc_strdup(props && json_object_object_get_ex(props, "name", &v)
                                ? json_object_get_string(v)
                                : "");
        p->population = props && json_object_object_get_ex(props, "population", &v)
                            ? json_object_get_double(v)
                            : NAN;
        if (!p->name)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        else
            ps->n++;
    }
    json_object_put(root);
    if (st != FC_OK) {
        fc_places_destroy(ps);
        return st;
    }
    *out = ps;
    return FC_OK;
}
