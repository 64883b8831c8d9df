/* Loads the GDAL/OGR plug-in on first use, and reads layers through it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <proj.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/ogr_module.h"
#include "io/read.h"
#include "frontcast/files.h"

#define MODULE_NAME "libfrontcast_ogr.so"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const fc_ogr_api *api;
static char load_error[768];

/* Tries one file; true when it loaded and has the right interface. */
static bool try_load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return false;
    }
    const fc_ogr_api *a = dlsym(h, FC_OGR_API_SYMBOL);
    if (!a || a->version != FC_OGR_API_VERSION) {
        /* A path longer than the message has room for is cut, not overrun. */
        snprintf(load_error, sizeof load_error, "%.640s: not a frontcast OGR plug-in of version %d",
                 path, FC_OGR_API_VERSION);
        dlclose(h);
        return false;
    }
    api = a; /* kept loaded for the life of the process */
    return true;
}

static void load(void)
{
    const char *env = getenv("FRONTCAST_OGR_MODULE");
    if (env && *env) {
        try_load(env);
        return;
    }
    /* Beside the executable (a build tree), then where an installation
     * under any prefix has it: relative to the executable in bin/, or to
     * libfrontcast.so in the library folder; then where this build put it,
     * then where `cmake --install` with the configured prefix puts it. */
    char base[2][PATH_MAX];
    base[0][0] = base[1][0] = '\0';
    ssize_t n = readlink("/proc/self/exe", base[0], sizeof base[0] - 1);
    base[0][n > 0 ? n : 0] = '\0';
    Dl_info self;
    if (dladdr((void *)load, &self) && self.dli_fname)
        snprintf(base[1], sizeof base[1], "%s", self.dli_fname);
    static const char *const relative[] = {MODULE_NAME,
                                           ("../" FRONTCAST_LIBDIR "/frontcast/" MODULE_NAME),
                                           ("frontcast/" MODULE_NAME)};
    for (int b = 0; b < 2; b++) {
        char *slash = strrchr(base[b], '/');
        if (!slash)
            continue;
        *slash = '\0';
        for (size_t r = 0; r < sizeof relative / sizeof relative[0]; r++) {
            char path[sizeof base + 64];
            snprintf(path, sizeof path, "%s/%s", base[b], relative[r]);
            if (access(path, R_OK) == 0 && try_load(path))
                return;
        }
    }
    static const char *const known[] = {FRONTCAST_OGR_MODULE_BUILD, FRONTCAST_OGR_MODULE_INSTALL};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (access(known[i], R_OK) == 0 && try_load(known[i]))
            return;
    if (!load_error[0])
        snprintf(load_error, sizeof load_error, "not found beside the executable, nor at %s",
                 FRONTCAST_OGR_MODULE_INSTALL);
}

const fc_ogr_api *fc_ogr(fc_error *err)
{
    pthread_once(&load_once, load);
    if (!api)
        fc_error_set(err, FC_ERR_IO,
                     "cannot load the GDAL/OGR plug-in " MODULE_NAME ": %s "
                     "(set FRONTCAST_OGR_MODULE to its path)",
                     load_error);
    return api;
}

const char *fc_dependency_versions(char *buf, size_t size)
{
    fc_error err;
    const fc_ogr_api *a = fc_ogr(&err);
    snprintf(buf, size, "GDAL %s, GEOS %s, PROJ %s", a ? a->gdal_version() : "(plug-in not found)",
             GEOSversion(), proj_info().version);
    return buf;
}

/* Whether the user gave open options: then even GeoJSON goes through OGR,
 * which is what they are for. Set once, before any reading. */
static bool user_open_options;

bool fc_ogr_has_open_options(void)
{
    return user_open_options;
}

/* fc_gdal_output_key's: SHA-256 of the options, set with them. */
static char output_key[65];

const char *fc_gdal_output_key(void)
{
    return output_key;
}

/* output_key of lco, dsco and t_srs, each part ended by a newline and each
 * list by an empty line (no two sets of options give one text). */
static void set_output_key(const char *const *lco, const char *const *dsco, const char *t_srs)
{
    size_t size = 16 + (t_srs ? strlen(t_srs) : 0);
    for (const char *const *lists[] = {lco, dsco}, *const **l = lists; l < lists + 2; l++)
        for (const char *const *o = *l; o && *o; o++)
            size += strlen(*o) + 1;
    char *text = malloc(size);
    if (!text) {
        snprintf(output_key, sizeof output_key, "unknown"); /* never matches a key */
        return;
    }
    size_t n = 0;
    for (const char *const *lists[] = {lco, dsco}, *const **l = lists; l < lists + 2; l++) {
        for (const char *const *o = *l; o && *o; o++)
            n += (size_t)sprintf(text + n, "%s\n", *o);
        text[n++] = '\n';
    }
    n += (size_t)sprintf(text + n, "%s\n", t_srs ? t_srs : "");
    fc_sha256_hex(text, n, output_key);
    free(text);
}

fc_status fc_gdal_options(const char *const *open_options, const char *const *lco,
                          const char *const *dsco, const char *t_srs, fc_error *err)
{
    const bool any = (open_options && *open_options) || (lco && *lco) || (dsco && *dsco) || t_srs;
    if (!any)
        return FC_OK; /* nothing to tell GDAL: no need to load it */
    for (const char *const *lists[] = {open_options, lco, dsco}, *const **l = lists;
         l < lists + 3; l++)
        for (const char *const *o = *l; o && *o; o++)
            if (!strchr(*o, '=') || **o == '=')
                return fc_error_set(err, FC_ERR_ARG, "GDAL option '%s' is not NAME=VALUE", *o);
    const fc_ogr_api *a = fc_ogr(err);
    if (!a)
        return err->code;
    fc_status st = a->set_options(open_options, lco, dsco, t_srs, err);
    if (st == FC_OK) {
        user_open_options = open_options && *open_options;
        if ((lco && *lco) || (dsco && *dsco) || t_srs)
            set_output_key(lco, dsco, t_srs);
    }
    return st;
}

fc_status fc_vsi_list_dir(const char *path, bool *is_dir, char ***names, int *n, fc_error *err)
{
    const fc_ogr_api *a = fc_ogr(err);
    return a ? a->list_dir(path, is_dir, names, n, err) : err->code;
}

fc_status fc_read_bytes(const char *path, void **data, size_t *len, fc_error *err)
{
    *data = NULL;
    *len = 0;
    if (!fc_is_virtual_path(path)) {
        char *buf = NULL;
        int rc = fc_read_file(path, &buf, len);
        if (rc != 0)
            return fc_error_set(err, FC_ERR_IO, "%s: cannot read: %s", path, fc_strerror(rc));
        *data = buf;
        return FC_OK;
    }
    const fc_ogr_api *a = fc_ogr(err);
    unsigned char *buf = NULL;
    fc_status st = a ? a->read_bytes(path, &buf, len, err) : err->code;
    *data = buf;
    return st;
}

fc_status fc_ogr_layer_names(const char *path, char ***names, int *n, fc_error *err)
{
    const fc_ogr_api *a = fc_ogr(err);
    return a ? a->layer_names(path, names, n, err) : err->code;
}

fc_status fc_ogr_read(fc_worker *w, const char *path, const char *layer_name,
                      bool with_attributes, fc_layer *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    const fc_ogr_api *a = fc_ogr(err);
    if (!a)
        return err->code;
    fc_ogr_layer raw;
    fc_status st = a->read(path, layer_name, with_attributes, false, &raw, err);
    if (st != FC_OK)
        return st;
    /* Take over the text; decode the WKB into GEOS. */
    out->crs = raw.crs;
    out->fields = raw.fields;
    out->nfields = raw.nfields;
    raw.crs = NULL;
    raw.fields = NULL;
    raw.nfields = 0;
    out->features = calloc(raw.n ? raw.n : 1, sizeof *out->features);
    if (!out->features) {
        a->layer_free(&raw);
        fc_layer_clear(w, out);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < raw.n; i++) {
        fc_ogr_feature *r = &raw.features[i];
        fc_feature *f = &out->features[out->n++];
        f->fid = r->fid;
        f->values = r->values;
        r->values = NULL;
        f->skip_reason = r->skip_reason;
        r->skip_reason = NULL;
        if (!r->wkb)
            continue;
        GEOSGeometry *g = GEOSGeomFromWKB_buf_r(w->geos, r->wkb, r->wkb_size);
        f->geom = g ? fc_geom_polygonal(w, g) : NULL;
        if (g)
            GEOSGeom_destroy_r(w->geos, g);
        if (f->geom && GEOSisEmpty_r(w->geos, f->geom)) {
            GEOSGeom_destroy_r(w->geos, f->geom);
            f->geom = NULL;
            f->skip_reason = fc_strdup("has no polygon");
        } else if (!f->geom) {
            char buf[300];
            snprintf(buf, sizeof buf, "has an unreadable geometry (%s)", fc_worker_geos_error(w));
            f->skip_reason = fc_strdup(buf);
        }
    }
    a->layer_free(&raw);
    return FC_OK;
}
