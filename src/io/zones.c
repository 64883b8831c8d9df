#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "frontcast/load.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/read.h"

const fc_zone_set fc_zone_sets[] = {
    {"oblasts", "ukraine-oblasts.geojson",
     "Zones: \u00a9 OpenStreetMap contributors (ODbL), Sevastopol: Natural Earth",
     "Ukraine's 24 oblasts, Crimea, Kyiv and Sevastopol"},
    {"raions", "ukraine-raions.geojson",
     "Zones: \u00a9 OpenStreetMap contributors (ODbL), Sevastopol: Natural Earth",
     "its 136 raions, Kyiv and Sevastopol, with adm1_code"},
};
const size_t fc_zone_sets_count = sizeof fc_zone_sets / sizeof fc_zone_sets[0];

const fc_zone_set *fc_zone_set_find(const char *name)
{
    for (size_t i = 0; name && i < fc_zone_sets_count; i++)
        if (strcmp(fc_zone_sets[i].name, name) == 0)
            return &fc_zone_sets[i];
    return NULL;
}

const fc_zone_set *fc_zone_set_of_path(const char *path)
{
    for (size_t i = 0; path && i < fc_zone_sets_count; i++)
        if (strcmp(fc_basename(path), fc_zone_sets[i].file) == 0)
            return &fc_zone_sets[i];
    return NULL;
}

const char *const fc_zone_parent_columns[FC_ZONE_LEVELS] = {"adm1_code", "adm2_code"};

/* Field names tried, in order, when the caller names none: the finest
 * administrative code first, since a layer of raions carries its oblasts'
 * codes too. */
static const char *const id_candidates[] = {"zone_id", "iso_3166_2", "iso3166_2", "shapeISO",
                                            "adm3_code", "ADM3_PCODE", "adm2_code", "ADM2_PCODE",
                                            "adm1_code", "ADM1_PCODE", "GID_2", "GID_1",
                                            "HASC_1", "code", "id", NULL};
/* Each parent level's fields (fc_zone_parent_columns), in order. */
static const char *const parent_candidates[FC_ZONE_LEVELS][4] = {
    {"adm1_code", "ADM1_PCODE", "GID_1", NULL}, {"adm2_code", "ADM2_PCODE", "GID_2", NULL}};
static const char *const name_candidates[] = {"name", "name_en", "NAME_1", "NAME_2", "ADM1_EN",
                                              "ADM2_EN", "shapeName", "NAME", NULL};

static int field_index(const fc_layer *l, const char *name)
{
    for (int k = 0; k < l->nfields; k++)
        if (strcasecmp(l->fields[k], name) == 0)
            return k;
    return -1;
}

/* Whether every polygon feature has a non-empty value in field k that is
 * not a bare prefix (Natural Earth's iso_3166_2, say, is "UA-" for most
 * oblasts): a candidate id field. */
static bool complete_id_field(const fc_layer *l, int k)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *v = l->features[i].values ? l->features[i].values[k] : NULL;
        if (!l->features[i].geom)
            continue;
        if (!v || !*v)
            return false;
        size_t len = strlen(v);
        if (len > 0 && v[len - 1] == '-')
            return false;
    }
    return true;
}

/* A value of field k on two polygon features, or NULL. */
static const char *duplicate_value(const fc_layer *l, int k)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *v = l->features[i].values ? l->features[i].values[k] : NULL;
        for (size_t j = 0; v && l->features[i].geom && j < i; j++) {
            const char *u = l->features[j].values ? l->features[j].values[k] : NULL;
            if (l->features[j].geom && u && strcmp(u, v) == 0)
                return v;
        }
    }
    return NULL;
}

static void list_fields(const fc_layer *l, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < l->nfields && used + 1 < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", k ? ", " : "", l->fields[k]);
    if (l->nfields == 0)
        snprintf(buf, size, "none");
}

static int zone_cmp(const void *a, const void *b)
{
    const fc_zone *p = a, *q = b;
    return strcmp(p->id, q->id);
}

void fc_zones_destroy(fc_worker *w, fc_zoneset *zs)
{
    if (!zs)
        return;
    for (size_t i = 0; i < zs->n; i++) {
        free(zs->zones[i].id);
        free(zs->zones[i].name);
        for (int l = 0; l < FC_ZONE_LEVELS; l++)
            free(zs->zones[i].parent[l]);
        if (zs->zones[i].geom)
            GEOSGeom_destroy_r(w->geos, zs->zones[i].geom);
    }
    free(zs->zones);
    free(zs->path);
    free(zs->id_field);
    free(zs->name_field);
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        free(zs->parent_field[l]);
    free(zs);
}

fc_status fc_zones_load(fc_worker *w, const char *path, const fc_zone_options *opts,
                        const fc_diag *diag, fc_zoneset **out, fc_error *err)
{
    static const fc_zone_options defaults = {0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    fc_layer layer;
    fc_status st = fc_read_layer(w, path, opts->layer, true, &layer, err);
    if (st != FC_OK)
        return st;
    fc_zoneset *zs = calloc(1, sizeof *zs);
    if (!zs) {
        fc_layer_clear(w, &layer);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    zs->path = fc_strdup(path);
    char fields[512];
    list_fields(&layer, fields, sizeof fields);

    size_t npoly = 0;
    for (size_t i = 0; i < layer.n; i++)
        npoly += layer.features[i].geom != NULL;
    if (npoly == 0) {
        st = fc_error_set(err, FC_ERR_EMPTY, "%s: the zone layer has no polygons", path);
        goto cleanup;
    }
    if (!layer.crs) {
        st = fc_error_set(err, FC_ERR_CRS,
                          "%s: has no coordinate reference system (add one, e.g. a .prj file)",
                          path);
        goto cleanup;
    }

    int id_k = -1, name_k = -1;
    if (opts->id_field) {
        id_k = field_index(&layer, opts->id_field);
        if (id_k < 0) {
            st = fc_error_set(err, FC_ERR_FIELD, "%s: no zone id field '%s' (fields: %s)", path,
                              opts->id_field, fields);
            goto cleanup;
        }
    } else {
        for (int c = 0; id_candidates[c] && id_k < 0; c++) {
            int k = field_index(&layer, id_candidates[c]);
            if (k >= 0 && complete_id_field(&layer, k))
                id_k = k;
        }
    }
    if (opts->name_field) {
        name_k = field_index(&layer, opts->name_field);
        if (name_k < 0) {
            st = fc_error_set(err, FC_ERR_FIELD, "%s: no zone name field '%s' (fields: %s)", path,
                              opts->name_field, fields);
            goto cleanup;
        }
    } else {
        for (int c = 0; name_candidates[c] && name_k < 0; c++)
            name_k = field_index(&layer, name_candidates[c]);
    }
    if (id_k < 0 && name_k >= 0 && complete_id_field(&layer, name_k) &&
        !duplicate_value(&layer, name_k))
        id_k = name_k; /* names are unique: they serve as ids */
    /* Two features with one id would be merged, or (in a detected field)
     * silently replaced by another field: say so instead. */
    const char *dup = id_k >= 0 ? duplicate_value(&layer, id_k) : NULL;
    if (dup) {
        st = fc_error_set(err, FC_ERR_FIELD,
                          "%s: zone id '%s' is on more than one feature (field '%s'): give each "
                          "zone one feature, or another --zone-id-field",
                          path, dup, layer.fields[id_k]);
        goto cleanup;
    }
    if (id_k < 0) {
        st = fc_error_set(err, FC_ERR_FIELD,
                          "%s: no zone id field found (fields: %s); pass --zone-id-field", path,
                          fields);
        goto cleanup;
    }
    if (name_k < 0)
        name_k = id_k;
    zs->id_field = fc_strdup(layer.fields[id_k]);
    zs->name_field = fc_strdup(layer.fields[name_k]);
    /* A parent level's field, unless it is the id field or a copy of it (an
     * oblast layer with both zone_id and adm1_code): the outputs would
     * repeat the id. */
    int parent_k[FC_ZONE_LEVELS];
    for (int l = 0; l < FC_ZONE_LEVELS; l++) {
        parent_k[l] = -1;
        for (int c = 0; parent_candidates[l][c] && parent_k[l] < 0; c++)
            parent_k[l] = field_index(&layer, parent_candidates[l][c]);
        bool copy = parent_k[l] >= 0;
        for (size_t i = 0; copy && i < layer.n; i++) {
            char **v = layer.features[i].values;
            copy = !layer.features[i].geom ||
                   (v && v[id_k] && v[parent_k[l]] && strcmp(v[id_k], v[parent_k[l]]) == 0);
        }
        if (parent_k[l] == id_k || copy)
            parent_k[l] = -1;
        if (parent_k[l] >= 0)
            zs->parent_field[l] = fc_strdup(layer.fields[parent_k[l]]);
    }

    /* Centre the equal-area CRS on the zones' lon/lat extent. */
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < layer.n; i++) {
        if (!layer.features[i].geom)
            continue;
        GEOSGeometry *ll = NULL;
        double b[4];
        st = fc_reproject(w, layer.features[i].geom, layer.crs, "OGC:CRS84", &ll, err);
        if (st != FC_OK) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            st = fc_error_set(err, st, "%s: %s", path, msg);
            goto cleanup;
        }
        if (fc_geom_bbox(w, ll, b)) {
            box[0] = fmin(box[0], b[0]);
            box[1] = fmin(box[1], b[1]);
            box[2] = fmax(box[2], b[2]);
            box[3] = fmax(box[3], b[3]);
        }
        GEOSGeom_destroy_r(w->geos, ll);
    }
    fc_equal_area_crs((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, zs->crs, sizeof zs->crs);

    zs->zones = calloc(npoly, sizeof *zs->zones);
    if (!zs->zones) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    const bool geographic = fc_crs_is_geographic(w, layer.crs);
    for (size_t i = 0; i < layer.n; i++) {
        fc_feature *f = &layer.features[i];
        if (!f->geom) {
            fc_warn(diag, "%s: feature %ld skipped: %s", path, f->fid, f->skip_reason);
            continue;
        }
        const char *id = f->values[id_k];
        if (!id || !*id) {
            st = fc_error_set(err, FC_ERR_FIELD, "%s: feature %ld has an empty zone id ('%s')",
                              path, f->fid, layer.fields[id_k]);
            goto cleanup;
        }
        /* Ids and names go into CSV, GeoJSON and databases as text, one
         * per line: bytes of another encoding or a line break would come
         * out broken (NULL in PostGIS, unreadable by forecast --areas). */
        const char *name = f->values[name_k] ? f->values[name_k] : id;
        const size_t bad_id = fc_text_check(id), bad_name = fc_text_check(name);
        if (bad_id != (size_t)-1 || bad_name != (size_t)-1) {
            const char *bad = bad_id != (size_t)-1 ? id + bad_id : name + bad_name;
            const unsigned char b = (unsigned char)bad[0];
            /* C0, DEL and C1 (U+0080..U+009F, 0xC2 0x80..0x9F) controls */
            const bool control = b < 0x20 || b == 0x7f ||
                                 (b == 0xc2 && (unsigned char)bad[1] >= 0x80 &&
                                  (unsigned char)bad[1] < 0xa0);
            st = fc_error_set(err, FC_ERR_FIELD,
                              "%s: feature %ld: the zone %s ('%s') has %s (byte 0x%02X at %zu): "
                              "convert the file to UTF-8 (a Shapefile: give its encoding in a "
                              ".cpg file)",
                              path, f->fid, bad_id != (size_t)-1 ? "id" : "name",
                              layer.fields[bad_id != (size_t)-1 ? id_k : name_k],
                              control ? "a control character" : "bytes that are not UTF-8 text",
                              b, bad_id != (size_t)-1 ? bad_id : bad_name);
            goto cleanup;
        }
        char label[200];
        snprintf(label, sizeof label, "zone %s", id);
        fc_zone *z = &zs->zones[zs->n];
        bool fixed = false;
        st = fc_feature_prepare(w, path, label, layer.crs, geographic, zs->crs, f->geom, &z->geom,
                                diag, &fixed, err);
        if (st != FC_OK)
            goto cleanup;
        zs->repaired += fixed;
        z->id = fc_strdup(id);
        z->name = fc_strdup(name);
        for (int l = 0; l < FC_ZONE_LEVELS; l++) {
            const char *p = parent_k[l] >= 0 ? f->values[parent_k[l]] : NULL;
            if (p && *p && fc_text_check(p) != (size_t)-1)
                fc_warn(diag, "%s: feature %ld: the %s code ('%s') is not UTF-8 text: left empty",
                        path, f->fid, fc_zone_parent_columns[l], layer.fields[parent_k[l]]);
            else if (p && *p)
                z->parent[l] = fc_strdup(p);
        }
        zs->n++;
    }
    qsort(zs->zones, zs->n, sizeof *zs->zones, zone_cmp);
    for (size_t i = 0; st == FC_OK && i < zs->n; i++)
        if (strcmp(zs->zones[i].id, FC_ALL_ZONE_ID) == 0)
            st = fc_error_set(err, FC_ERR_FIELD,
                              "%s: a zone's id is '%s', which the outputs reserve for the whole "
                              "layer: give another --zone-id-field",
                              path, FC_ALL_ZONE_ID);
    for (size_t i = 0; st == FC_OK && i < zs->n; i++) {
        GEOSArea_r(w->geos, zs->zones[i].geom, &zs->zones[i].area_m2);
        /* Shares of a zone of no area are 0/0: refused, not -nan. */
        if (!(zs->zones[i].area_m2 > 0))
            st = fc_error_set(err, FC_ERR_EMPTY, "%s: zone %s has no area", path,
                              zs->zones[i].id);
    }
cleanup:
    fc_layer_clear(w, &layer);
    if (st != FC_OK) {
        fc_zones_destroy(w, zs);
        return st;
    }
    *out = zs;
    return FC_OK;
}

const char *fc_zone_id(const fc_zoneset *zs, size_t z)
{
    return z < zs->n ? zs->zones[z].id : FC_ALL_ZONE_ID;
}

const char *fc_zone_name(const fc_zoneset *zs, size_t z)
{
    return z < zs->n ? zs->zones[z].name : "whole control layer";
}

const char *fc_zone_parent(const fc_zoneset *zs, size_t z, int l)
{
    return z < zs->n && zs->zones[z].parent[l] ? zs->zones[z].parent[l] : "";
}

double fc_zone_area_m2(const fc_zoneset *zs, size_t z)
{
    if (z < zs->n)
        return zs->zones[z].area_m2;
    double s = 0;
    for (size_t k = 0; k < zs->n; k++)
        s += zs->zones[k].area_m2;
    return s;
}
