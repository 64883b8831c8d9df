/* DeepStateMap fetcher (see fetch.h), on libcurl. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "core/util.h"
#include "frontcast/export.h"
#include "frontcast/fetch.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/read.h"

typedef struct buffer {
    char *data;
    size_t len, cap;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t n, void *user)
{
    buffer *b = user;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t nc = (b->len + add + 1) * 2;
        char *nd = realloc(b->data, nc);
        if (!nd)
            return 0; /* curl reports a write error */
        b->data = nd;
        b->cap = nc;
    }
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* GETs url into *out (newly allocated, NUL-terminated). */
static fc_status http_get(const char *url, long timeout_s, buffer *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c)
        return fc_error_set(err, FC_ERR_NOMEM, "cannot start libcurl");
    char msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, msg);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "frontcast/" FRONTCAST_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(out->data);
        memset(out, 0, sizeof *out);
        return fc_error_set(err, FC_ERR_IO, "%s: %s", url, msg[0] ? msg : curl_easy_strerror(rc));
    }
    if (!out->data && !(out->data = calloc(1, 1)))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    return FC_OK;
}

/* One listed version: its id and UTC date. */
typedef struct version {
    char id[64];
    char datetime[40];
    fc_day date;
} version;

static int version_cmp(const void *a, const void *b)
{
    const version *p = a, *q = b;
    if (p->date != q->date)
        return (p->date > q->date) - (p->date < q->date);
    return strcmp(p->datetime, q->datetime);
}

/* The category at the end of a feature name ("... /// geoJSON.status.occupied"). */
static const char *category(const char *name)
{
    const char *c = strstr(name ? name : "", "geoJSON.");
    return c ? c + 8 : "";
}

static bool is_occupied(const char *cat)
{
    return !strcmp(cat, "status.occupied") || !strcmp(cat, "territories.crimea") ||
           !strcmp(cat, "territories.ordlo");
}

/* Unions the features of layer l whose category passes `keep`; NULL when
 * there are none. Newly allocated. */
static GEOSGeometry *dissolve(fc_worker *w, fc_layer *l, int name_k, bool grey, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    GEOSGeometry **parts = calloc(l->n + 1, sizeof *parts);
    size_t n = 0;
    if (!parts)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        fc_feature *f = &l->features[i];
        const char *cat = category(name_k >= 0 && f->values ? f->values[name_k] : NULL);
        bool want = grey ? !strcmp(cat, "status.unknown") : is_occupied(cat);
        if (!want || !f->geom)
            continue;
        fc_repair_report rep;
        GEOSGeometry *g = GEOSGeom_clone_r(h, f->geom);
        if (g && fc_repair(w, &g, &rep, err) == FC_OK)
            parts[n++] = g;
        else if (g)
            GEOSGeom_destroy_r(h, g);
    }
    GEOSGeometry *out = NULL;
    if (n > 0) {
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        out = u ? fc_geom_polygonal(w, u) : NULL;
        if (u)
            GEOSGeom_destroy_r(h, u);
        if (coll)
            GEOSGeom_destroy_r(h, coll);
    }
    free(parts);
    return out;
}

/* Writes one dissolved snapshot (lon/lat) as dir/name, atomically. */
static fc_status write_snapshot(fc_worker *w, const char *path, fc_day date, const GEOSGeometry *g,
                                fc_error *err)
{
    size_t size = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(w->geos, g, &size);
    if (!wkb)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    static const fc_field fields[] = {{"date", FC_FIELD_DATE}};
    fc_value v = {.date = date};
    fc_status st = fc_write_vector(path, "GeoJSON", "deepstatemap", fc_geojson_lco,
                                   FC_GEOM_POLYGONS, fields, 1, &v, &wkb, &size, 1, err);
    GEOSFree_r(w->geos, wkb);
    return st;
}

fc_status fc_fetch_deepstate(fc_worker *w, const fc_fetch_options *o, fc_fetch_stats *stats,
                             fc_error *err)
{
    memset(stats, 0, sizeof *stats);
    const char *base = o->base_url ? o->base_url : "https://deepstatemap.live";
    const long timeout = o->timeout_s > 0 ? o->timeout_s : 120;
    char url[2048];
    fc_status st = fc_ensure_dir(o->dir, err);
    char *grey = fc_path_join(o->dir, "grey");
    if (st == FC_OK && !grey)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_ensure_dir(grey, err);
    if (st != FC_OK) {
        free(grey);
        return st;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    buffer list = {0};
    version *v = NULL;
    size_t nv = 0;
    snprintf(url, sizeof url, "%s/api/history/public", base);
    st = http_get(url, timeout, &list, err);
    json_object *root = st == FC_OK ? json_tokener_parse(list.data) : NULL;
    if (st == FC_OK && (!root || !json_object_is_type(root, json_type_array)))
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: not a JSON list of versions", url);
    size_t n = root && st == FC_OK ? json_object_array_length(root) : 0;
    v = calloc(n + 1, sizeof *v);
    if (st == FC_OK && !v)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == FC_OK && i < n; i++) {
        json_object *e = json_object_array_get_idx(root, i), *id, *dt;
        /* A null or odd id or datetime makes the entry unusable, not the list. */
        if (!json_object_object_get_ex(e, "id", &id) || !json_object_object_get_ex(e, "datetime", &dt) ||
            !(json_object_is_type(id, json_type_string) || json_object_is_type(id, json_type_int)) ||
            !json_object_is_type(dt, json_type_string))
            continue;
        const char *d = json_object_get_string(dt);
        char ymd[11];
        snprintf(ymd, sizeof ymd, "%.10s", d ? d : "");
        version *x = &v[nv];
        if (!fc_date_parse(ymd, &x->date))
            continue;
        snprintf(x->id, sizeof x->id, "%s", json_object_get_string(id));
        snprintf(x->datetime, sizeof x->datetime, "%s", d);
        nv++;
    }
    json_object_put(root);
    free(list.data);
    /* Sorted by date, then time: the last of each date wins. */
    if (nv > 1)
        qsort(v, nv, sizeof *v, version_cmp);
    for (size_t i = 0; st == FC_OK && i < nv; i++) {
        if (i + 1 < nv && v[i + 1].date == v[i].date)
            continue;
        stats->listed_dates++;
        char d[11], name[64];
        fc_date_format(v[i].date, d);
        snprintf(name, sizeof name, "deepstatemap_%.4s%.2s%.2s.geojson", d, d + 5, d + 8);
        char *path = fc_path_join(o->dir, name), *gpath = fc_path_join(grey, name);
        if (!path || !gpath) {
            free(path);
            free(gpath);
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        if (access(path, F_OK) == 0) {
            stats->present++;
            free(path);
            free(gpath);
            continue;
        }
        buffer body = {0};
        fc_layer layer = {0};
        bool handled = true;
        snprintf(url, sizeof url, "%s/api/history/%s/geojson", base, v[i].id);
        st = http_get(url, timeout, &body, err);
        if (st == FC_OK)
            st = fc_geojson_parse(w, url, body.data, body.len, true, &layer, &handled, err);
        if (st == FC_OK && !handled)
            st = fc_error_set(err, FC_ERR_CRS, "%s: not in lon/lat", url);
        int name_k = -1;
        for (int k = 0; st == FC_OK && k < layer.nfields; k++)
            if (!strcmp(layer.fields[k], "name"))
                name_k = k;
        GEOSGeometry *occ = st == FC_OK ? dissolve(w, &layer, name_k, false, err) : NULL;
        GEOSGeometry *gz = st == FC_OK ? dissolve(w, &layer, name_k, true, err) : NULL;
        if (st == FC_OK && !occ)
            st = fc_error_set(err, FC_ERR_EMPTY, "%s: no occupied territory in version %s", url, v[i].id);
        /* The grey zone first: once the main file exists the date is done. */
        if (st == FC_OK && gz)
            st = write_snapshot(w, gpath, v[i].date, gz, err);
        if (st == FC_OK)
            st = write_snapshot(w, path, v[i].date, occ, err);
        if (st == FC_OK) {
            stats->fetched++;
            fc_warn(o->diag, "fetched %s (version %s, %s)", path, v[i].id, v[i].datetime);
        }
        if (occ)
            GEOSGeom_destroy_r(w->geos, occ);
        if (gz)
            GEOSGeom_destroy_r(w->geos, gz);
        fc_layer_clear(w, &layer);
        free(body.data);
        free(path);
        free(gpath);
    }
    free(v);
    free(grey);
    curl_global_cleanup();
    return st;
}
