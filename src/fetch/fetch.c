/* DeepStateMap fetcher (see fetch.h), on libcurl. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
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
    size_t limit;  /* refuse a body longer than this */
    bool too_big;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t n, void *user)
{
    buffer *b = user;
    size_t add = size * n;
    if (add > b->limit - b->len) {
        b->too_big = true;
        return 0; /* curl stops with a write error */
    }
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

/* Whether two URLs share scheme, host and port. */
static bool same_origin(const char *a, const char *b)
{
    CURLU *ua = curl_url(), *ub = curl_url();
    bool same = ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
                curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK;
    static const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
    for (size_t i = 0; same && i < sizeof parts / sizeof parts[0]; i++) {
        char *pa = NULL, *pb = NULL;
        same = curl_url_get(ua, parts[i], &pa, CURLU_DEFAULT_PORT) == CURLUE_OK &&
               curl_url_get(ub, parts[i], &pb, CURLU_DEFAULT_PORT) == CURLUE_OK &&
               strcasecmp(pa, pb) == 0;
        curl_free(pa);
        curl_free(pb);
    }
    curl_url_cleanup(ua);
    curl_url_cleanup(ub);
    return same;
}

/*
 * GETs url into *out (newly allocated, NUL-terminated), at most limit
 * bytes. Redirects are followed by hand, at most FC_FETCH_MAX_REDIRECTS and
 * only to the same scheme, host and port: libcurl's own following would
 * go anywhere.
 */
static fc_status http_get(const char *url, long timeout_s, size_t limit, buffer *out,
                          fc_error *err)
{
    memset(out, 0, sizeof *out);
    out->limit = limit;
    CURL *c = curl_easy_init();
    char *at = strdup(url);
    if (!c || !at) {
        curl_easy_cleanup(c);
        free(at);
        return fc_error_set(err, FC_ERR_NOMEM, "cannot start libcurl");
    }
    char msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, msg);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "frontcast/" FRONTCAST_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    fc_status st = FC_OK;
    for (int hops = 0;; hops++) {
        curl_easy_setopt(c, CURLOPT_URL, at);
        out->len = 0;
        out->too_big = false;
        CURLcode rc = curl_easy_perform(c);
        if (out->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            st = fc_error_set(err, FC_ERR_IO, "%s: response larger than %zu bytes", at, limit);
            break;
        }
        if (rc != CURLE_OK) {
            st = fc_error_set(err, FC_ERR_IO, "%s: %s", at, msg[0] ? msg : curl_easy_strerror(rc));
            break;
        }
        long code = 0;
        char *next = NULL;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next);
        if (code < 300 || code > 399 || !next)
            break;
        if (hops == FC_FETCH_MAX_REDIRECTS) {
            st = fc_error_set(err, FC_ERR_IO, "%s: more than %d redirects", url,
                              FC_FETCH_MAX_REDIRECTS);
            break;
        }
        if (!same_origin(url, next)) {
            st = fc_error_set(err, FC_ERR_IO, "%s: redirected to another host or port (%s)", at,
                              next);
            break;
        }
        char *n2 = strdup(next);
        if (!n2) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        free(at);
        at = n2;
    }
    curl_easy_cleanup(c);
    free(at);
    if (st == FC_OK && !out->data && !(out->data = calloc(1, 1)))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st != FC_OK) {
        free(out->data);
        memset(out, 0, sizeof *out);
    }
    return st;
}

bool fc_fetch_plain_id(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        const char ch = id[n];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return n >= 1 && n <= 63;
}

/* n digits at s as an int; false unless all are digits. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* An ISO 8601 datetime as minutes since 1970-01-01T00:00Z (see
 * fc_fetch_utc_date). */
static bool utc_minutes(const char *s, long long *out)
{
    char ymd[11];
    if (strlen(s) < 10)
        return false;
    memcpy(ymd, s, 10);
    ymd[10] = '\0';
    fc_day d;
    if (!fc_date_parse(ymd, &d) || strchr(ymd, '-') == NULL)
        return false;
    s += 10;
    if (!*s) {
        *out = (long long)d * 1440;
        return true;
    }
    int hh, mm, ss = 0;
    if ((*s != 'T' && *s != 't' && *s != ' ') || !digits(s + 1, 2, &hh) || s[3] != ':' ||
        !digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
        return false;
    s += 6;
    if (*s == ':') {
        if (!digits(s + 1, 2, &ss) || ss > 60)
            return false;
        s += 3;
        if (*s == '.' || *s == ',') {
            s++;
            if (*s < '0' || *s > '9')
                return false;
            while (*s >= '0' && *s <= '9')
                s++;
        }
    }
    int offset = 0; /* minutes east of UTC */
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        const int sign = *s == '-' ? -1 : 1;
        int oh, om = 0;
        if (!digits(s + 1, 2, &oh) || oh > 23)
            return false;
        s += 3;
        if (*s == ':')
            s++;
        if (*s) {
            if (!digits(s, 2, &om) || om > 59)
                return false;
            s += 2;
        }
        offset = sign * (oh * 60 + om);
    }
    if (*s)
        return false;
    *out = (long long)d * 1440 + hh * 60 + mm - offset;
    return true;
}

/* The UTC date of an instant in minutes (floored: before 1970 too). */
static fc_day day_of(long long minutes)
{
    return (fc_day)((minutes >= 0 ? minutes : minutes - 1439) / 1440);
}

bool fc_fetch_utc_date(const char *s, fc_day *out)
{
    long long m;
    if (!utc_minutes(s, &m))
        return false;
    *out = day_of(m);
    return true;
}

/* At most size - 1 bytes of s with control characters as '?': what a
 * server sent goes into a cron mail, not escape sequences. Returns buf. */
static const char *printable(const char *s, char *buf, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

typedef fc_fetch_version version;

static int version_cmp(const void *a, const void *b)
{
    const version *p = a, *q = b;
    return (p->minutes > q->minutes) - (p->minutes < q->minutes);
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

fc_status fc_fetch_parse_list(const char *url, const char *text, fc_day today,
                              const fc_diag *quarantine, fc_fetch_version **out, size_t *nout,
                              size_t *quarantined, fc_error *err)
{
    *out = NULL;
    *nout = 0;
    fc_day first = 0, tomorrow = today + 1;
    fc_date_parse(FC_FETCH_FIRST_DATE, &first);
    json_object *root = json_tokener_parse(text);
    if (!root || !json_object_is_type(root, json_type_array)) {
        json_object_put(root);
        return fc_error_set(err, FC_ERR_FORMAT, "%s: not a JSON list of versions", url);
    }
    const size_t n = json_object_array_length(root);
    version *v = calloc(n + 1, sizeof *v);
    if (!v) {
        json_object_put(root);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(root, i), *id = NULL, *dt = NULL;
        json_object_object_get_ex(e, "id", &id);
        json_object_object_get_ex(e, "datetime", &dt);
        /* An odd entry is quarantined, not the list: the id goes into a
         * URL and the date names a file. */
        const char *ids = json_object_is_type(id, json_type_string) ||
                                  json_object_is_type(id, json_type_int)
                              ? json_object_get_string(id) : NULL;
        const char *d = json_object_is_type(dt, json_type_string) ? json_object_get_string(dt)
                                                                   : NULL;
        version *x = &v[nv];
        const char *problem = NULL;
        if (!ids)
            problem = "no id (a string or an integer)";
        else if (!fc_fetch_plain_id(ids))
            problem = "the id is not plain (letters, digits, '_' and '-')";
        else if (!d || !utc_minutes(d, &x->minutes))
            problem = "no ISO 8601 datetime";
        else if ((x->date = day_of(x->minutes)) < first || x->date > tomorrow)
            problem = "implausible date (before " FC_FETCH_FIRST_DATE " or after tomorrow, UTC)";
        if (problem) {
            char pi[41], pd[41];
            ++*quarantined;
            fc_warn(quarantine, "version %zu of %s (id %s, %s): %s", i + 1, url,
                    printable(ids ? ids : "?", pi, sizeof pi),
                    printable(d ? d : "no datetime", pd, sizeof pd), problem);
            continue;
        }
        snprintf(x->id, sizeof x->id, "%s", ids);
        snprintf(x->datetime, sizeof x->datetime, "%s", d);
        nv++;
    }
    json_object_put(root);
    if (nv > 1)
        qsort(v, nv, sizeof *v, version_cmp);
    *out = v;
    *nout = nv;
    return FC_OK;
}

fc_status fc_fetch_parse_body(fc_worker *w, const char *url, const char *text, size_t len,
                              GEOSGeometry **occupied, GEOSGeometry **grey, fc_error *err)
{
    *occupied = *grey = NULL;
    fc_layer layer = {0};
    bool handled = true;
    fc_status st = fc_geojson_parse(w, url, text, len, true, &layer, &handled, err);
    if (st == FC_OK && !handled)
        st = fc_error_set(err, FC_ERR_CRS, "%s: not in lon/lat", url);
    int name_k = -1;
    for (int k = 0; st == FC_OK && k < layer.nfields; k++)
        if (!strcmp(layer.fields[k], "name"))
            name_k = k;
    if (st == FC_OK) {
        *occupied = dissolve(w, &layer, name_k, false, err);
        *grey = dissolve(w, &layer, name_k, true, err);
        if (!*occupied) {
            if (*grey)
                GEOSGeom_destroy_r(w->geos, *grey);
            *grey = NULL;
            st = fc_error_set(err, FC_ERR_EMPTY, "%s: no occupied territory", url);
        }
    }
    fc_layer_clear(w, &layer);
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
    const size_t limit = o->max_bytes ? o->max_bytes : FC_FETCH_MAX_BYTES;
    buffer list = {0};
    version *v = NULL;
    size_t nv = 0;
    snprintf(url, sizeof url, "%s/api/history/public", base);
    st = http_get(url, timeout, limit, &list, err);
    if (st == FC_OK)
        st = fc_fetch_parse_list(url, list.data, (fc_day)(time(NULL) / 86400), o->quarantine, &v,
                                 &nv, &stats->quarantined, err);
    free(list.data);
    /* Sorted by time: the last of each date wins. */
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
        snprintf(url, sizeof url, "%s/api/history/%s/geojson", base, v[i].id);
        /* What the server sends is its problem: the version is quarantined
         * (sub) and the others go on. Only memory stops everything. */
        fc_error sub = {0};
        GEOSGeometry *occ = NULL, *gz = NULL;
        fc_status got = http_get(url, timeout, limit, &body, &sub);
        if (got == FC_OK)
            got = fc_fetch_parse_body(w, url, body.data, body.len, &occ, &gz, &sub);
        if (got == FC_ERR_NOMEM) {
            *err = sub;
            st = got;
        } else if (got != FC_OK) {
            stats->quarantined++;
            fc_warn(o->quarantine, "version %s (%s): %s", v[i].id, v[i].datetime, sub.msg);
        }
        /* The grey zone first: once the main file exists the date is done. */
        if (st == FC_OK && got == FC_OK && gz)
            st = write_snapshot(w, gpath, v[i].date, gz, err);
        if (st == FC_OK && got == FC_OK)
            st = write_snapshot(w, path, v[i].date, occ, err);
        if (st == FC_OK && got == FC_OK) {
            stats->fetched++;
            fc_warn(o->diag, "fetched %s (version %s, %s)", path, v[i].id, v[i].datetime);
        }
        if (occ)
            GEOSGeom_destroy_r(w->geos, occ);
        if (gz)
            GEOSGeom_destroy_r(w->geos, gz);
        free(body.data);
        free(path);
        free(gpath);
    }
    free(v);
    free(grey);
    curl_global_cleanup();
    return st;
}
