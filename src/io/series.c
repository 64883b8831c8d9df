#define _DEFAULT_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/util.h"
#include "frontcast/load.h"
#include "geo/worker.h"
#include "io/read.h"

typedef struct snapshot {
    fc_day date;
    char *source; /* file path, or "path:layer" for messages */
    char *layer;  /* FC_SERIES_LAYERS: the layer name */
    size_t *features; /* FC_SERIES_DATE_FIELD: indices into the shared layer */
    size_t nfeatures;
    unsigned char *kept; /* fc_series_keep_reads: as read, WKB; NULL: not yet */
    size_t kept_size;
    int kept_repaired;   /* what that read repaired */
    bool kept_reported;  /* that read gave its warnings (a read without a
                            diag does not: the next with one reads again) */
} snapshot;

/* For FC_SERIES_DATE_FIELD the layer is read once at open. Its geometry is
 * kept as WKB, not GEOS objects, so that threads can decode their own copies. */
typedef struct wkb_blob {
    unsigned char *data;
    size_t size;
    long fid;
    char *skip_reason;
} wkb_blob;

struct fc_series {
    fc_series_kind kind;
    char *path;
    char *crs; /* DATE_FIELD: the layer's CRS */
    snapshot *snaps;
    size_t n;
    wkb_blob *blobs;
    size_t nblobs;
    char *keep_crs;          /* fc_series_keep_reads: the CRS kept; NULL: none */
    pthread_mutex_t keep_lock; /* guards the snapshots' kept reads */
};

/* Extensions of the vector files a folder series picks up. */
static const char *const vector_ext[] = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".kml",
                                         ".gml", ".sqlite", ".tab", ".geojsonl", NULL};
static const char *const date_fields[] = {"date", "day", "datetime", "snapshot_date", "as_of",
                                          "valid_from", "time", NULL};

static bool has_vector_ext(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; vector_ext[i]; i++) {
        size_t e = strlen(vector_ext[i]);
        if (n > e && strcasecmp(name + n - e, vector_ext[i]) == 0)
            return true;
    }
    return false;
}

static int snap_cmp(const void *a, const void *b)
{
    const snapshot *p = a, *q = b;
    return (p->date > q->date) - (p->date < q->date);
}

void fc_series_close(fc_worker *w, fc_series *s)
{
    (void)w;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->snaps[i].source);
        free(s->snaps[i].layer);
        free(s->snaps[i].features);
        free(s->snaps[i].kept);
    }
    if (s->keep_crs)
        pthread_mutex_destroy(&s->keep_lock);
    free(s->keep_crs);
    for (size_t i = 0; i < s->nblobs; i++) {
        free(s->blobs[i].data);
        free(s->blobs[i].skip_reason);
    }
    free(s->blobs);
    free(s->snaps);
    free(s->crs);
    free(s->path);
    free(s);
}

fc_series_kind fc_series_get_kind(const fc_series *s) { return s->kind; }
const char *fc_series_path(const fc_series *s) { return s->path; }

void fc_series_drop(fc_series *s, size_t i)
{
    if (i >= s->n)
        return;
    free(s->snaps[i].source);
    free(s->snaps[i].layer);
    free(s->snaps[i].features);
    free(s->snaps[i].kept);
    memmove(&s->snaps[i], &s->snaps[i + 1], (s->n - i - 1) * sizeof *s->snaps);
    s->n--;
}
size_t fc_series_count(const fc_series *s) { return s->n; }
fc_day fc_series_date(const fc_series *s, size_t i) { return s->snaps[i].date; }
const char *fc_series_source(const fc_series *s, size_t i) { return s->snaps[i].source; }

bool fc_series_synthetic(const fc_series *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (strncmp(fc_basename(s->snaps[i].source), FC_SYNTHETIC_PREFIX,
                    strlen(FC_SYNTHETIC_PREFIX)) != 0)
            return false;
    return s->n > 0;
}

static snapshot *add_snapshot(fc_series *s, size_t *cap)
{
    if (s->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        snapshot *np = realloc(s->snaps, nc * sizeof *np);
        if (!np)
            return NULL;
        s->snaps = np;
        *cap = nc;
    }
    snapshot *sn = &s->snaps[s->n++];
    memset(sn, 0, sizeof *sn);
    return sn;
}

/* Sorts by date; two snapshots on one date are an error naming both. */
static fc_status sort_and_check(fc_series *s, fc_error *err)
{
    if (s->n == 0)
        return FC_OK;
    qsort(s->snaps, s->n, sizeof *s->snaps, snap_cmp);
    for (size_t i = 1; i < s->n; i++)
        if (s->snaps[i].date == s->snaps[i - 1].date) {
            char d[11];
            fc_date_format(s->snaps[i].date, d);
            return fc_error_set(err, FC_ERR_DATE, "%s and %s: two snapshots dated %s",
                                s->snaps[i - 1].source, s->snaps[i].source, d);
        }
    return FC_OK;
}

/* The names in folder path (*names newly allocated: free each, then it). */
static fc_status folder_names(const char *path, char ***names, size_t *n, fc_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *dir = opendir(path);
    if (!dir)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot read folder: %s", path, strerror(errno));
    size_t cap = 0;
    fc_status st = FC_OK;
    struct dirent *e;
    while (st == FC_OK && (e = readdir(dir)) != NULL) {
        char **grown = fc_grow(*names, &cap, *n, sizeof **names, 64);
        if (!grown || !(grown[*n] = fc_strdup(e->d_name))) {
            if (grown)
                *names = grown;
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        *names = grown;
        (*n)++;
    }
    closedir(dir);
    return st;
}

/* The snapshots of a folder from the names in it (taken: freed here). */
static fc_status open_folder(fc_series *s, char **names, size_t nnames,
                             const fc_series_options *o, fc_error *err)
{
    size_t cap = 0;
    fc_status st = FC_OK;
    for (size_t i = 0; st == FC_OK && i < nnames; i++) {
        const char *name = names[i];
        if (name[0] == '.' || !has_vector_ext(name))
            continue;
        fc_day d;
        char *full = malloc(strlen(s->path) + strlen(name) + 2);
        if (!full) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        sprintf(full, "%s/%s", s->path, name);
        if (!fc_date_from_name(name, o->date_pattern, &d)) {
            st = fc_error_set(err, FC_ERR_DATE,
                              "%s: no date in the file name (expected %s; see --date-pattern)",
                              full, o->date_pattern ? o->date_pattern : "YYYYMMDD or YYYY-MM-DD");
            free(full);
            break;
        }
        snapshot *sn = add_snapshot(s, &cap);
        if (!sn) {
            free(full);
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        sn->date = d;
        sn->source = full;
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    if (st == FC_OK && s->n == 0)
        st = fc_error_set(err, FC_ERR_EMPTY,
                          "%s: no vector files in the folder (.geojson, .gpkg, .shp, .fgb, ...)",
                          s->path);
    return st == FC_OK ? sort_and_check(s, err) : st;
}

/* Reads "YYYY-MM-DD", "YYYY/MM/DD" (OGR's Date text) or a date-time
 * starting with either. */
static bool parse_field_date(const char *v, fc_day *d)
{
    if (!v || strlen(v) < 8)
        return false;
    char buf[11];
    size_t n = strlen(v);
    if (n >= 10 && (v[4] == '-' || v[4] == '/') && v[7] == v[4] &&
        (n == 10 || v[10] == ' ' || v[10] == 'T')) {
        memcpy(buf, v, 10);
        buf[4] = buf[7] = '-';
        buf[10] = '\0';
        return fc_date_parse(buf, d);
    }
    return n == 8 && fc_date_parse(v, d);
}

static fc_status open_date_field(fc_worker *w, fc_series *s, fc_layer *layer, int k,
                                 fc_error *err)
{
    s->kind = FC_SERIES_DATE_FIELD;
    s->crs = layer->crs;
    layer->crs = NULL;
    s->blobs = calloc(layer->n ? layer->n : 1, sizeof *s->blobs);
    if (!s->blobs)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    size_t cap = 0;
    for (size_t i = 0; i < layer->n; i++) {
        fc_feature *f = &layer->features[i];
        const char *v = f->values[k];
        fc_day d;
        if (!parse_field_date(v, &d))
            return fc_error_set(err, FC_ERR_DATE, "%s: feature %ld: cannot parse date '%s' in field '%s'",
                                s->path, f->fid, v ? v : "(null)", layer->fields[k]);
        wkb_blob *b = &s->blobs[s->nblobs++];
        b->fid = f->fid;
        if (f->geom) {
            b->data = GEOSGeomToWKB_buf_r(w->geos, f->geom, &b->size);
            if (!b->data)
                return fc_error_set(err, FC_ERR_GEOM, "%s: feature %ld: %s", s->path, f->fid,
                                    fc_worker_geos_error(w));
        } else {
            b->skip_reason = f->skip_reason;
            f->skip_reason = NULL;
        }
        /* Find or add the snapshot of this date (series are short: linear is fine). */
        snapshot *sn = NULL;
        for (size_t j = s->n; j-- > 0;)
            if (s->snaps[j].date == d) {
                sn = &s->snaps[j];
                break;
            }
        if (!sn) {
            sn = add_snapshot(s, &cap);
            if (!sn)
                return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            char dbuf[11];
            fc_date_format(d, dbuf);
            sn->date = d;
            sn->source = malloc(strlen(s->path) + 16);
            if (!sn->source)
                return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            sprintf(sn->source, "%s[%s]", s->path, dbuf);
        }
        size_t *nf = realloc(sn->features, (sn->nfeatures + 1) * sizeof *nf);
        if (!nf)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        sn->features = nf;
        sn->features[sn->nfeatures++] = s->nblobs - 1;
    }
    if (s->n == 0)
        return fc_error_set(err, FC_ERR_EMPTY, "%s: the control layer has no features", s->path);
    return sort_and_check(s, err);
}

static fc_status open_layers(fc_series *s, char **names, int n, const fc_series_options *o,
                             fc_error *err)
{
    s->kind = FC_SERIES_LAYERS;
    size_t cap = 0;
    for (int i = 0; i < n; i++) {
        fc_day d;
        if (!fc_date_from_name(names[i], o->date_pattern, &d))
            return fc_error_set(err, FC_ERR_DATE,
                                "%s: layer '%s' has no date in its name (expected %s)", s->path,
                                names[i], o->date_pattern ? o->date_pattern : "YYYYMMDD or YYYY-MM-DD");
        snapshot *sn = add_snapshot(s, &cap);
        if (!sn)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        sn->date = d;
        sn->layer = fc_strdup(names[i]);
        sn->source = malloc(strlen(s->path) + strlen(names[i]) + 2);
        if (!sn->source)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        sprintf(sn->source, "%s:%s", s->path, names[i]);
    }
    return sort_and_check(s, err);
}

static fc_status open_file(fc_worker *w, fc_series *s, const fc_series_options *o, fc_error *err)
{
    /* A GeoJSON file with a date in its name is one snapshot, like a file of
     * a folder series (GeoJSON holds one layer); no need to open it twice. */
    fc_day day;
    if (!o->date_field && fc_is_geojson_path(s->path) &&
        fc_date_from_name(fc_basename(s->path), o->date_pattern, &day)) {
        size_t cap = 0;
        snapshot *sn = add_snapshot(s, &cap);
        if (!sn || !(sn->source = fc_strdup(s->path)))
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        s->kind = FC_SERIES_FOLDER;
        sn->date = day;
        return FC_OK;
    }
    char **names = NULL;
    int nlayers = 0;
    fc_status st = fc_ogr_layer_names(s->path, &names, &nlayers, err);
    if (st != FC_OK)
        return st;
    fc_layer layer = {0};
    if (nlayers == 0) {
        st = fc_error_set(err, FC_ERR_EMPTY, "%s: has no vector layer", s->path);
        goto cleanup;
    }
    st = fc_ogr_read(w, s->path, NULL, true, &layer, err);
    if (st != FC_OK)
        goto cleanup;
    int k = -1;
    for (int j = 0; o->date_field ? j < 1 : date_fields[j] != NULL; j++) {
        const char *want = o->date_field ? o->date_field : date_fields[j];
        for (int f = 0; f < layer.nfields && k < 0; f++)
            if (strcasecmp(layer.fields[f], want) == 0)
                k = f;
        if (k >= 0)
            break;
    }
    /* Several layers with dated names are one snapshot each, even when the
     * snapshots carry a date attribute of their own. */
    bool dated_layers = nlayers > 1 && !o->date_field;
    for (int i = 0; dated_layers && i < nlayers; i++) {
        fc_day d;
        dated_layers = fc_date_from_name(names[i], o->date_pattern, &d);
    }
    if (dated_layers) {
        st = open_layers(s, names, nlayers, o, err);
    } else if (k >= 0) {
        st = open_date_field(w, s, &layer, k, err);
    } else if (o->date_field) {
        st = fc_error_set(err, FC_ERR_FIELD, "%s: no date field '%s'", s->path, o->date_field);
    } else if (nlayers > 1) {
        st = open_layers(s, names, nlayers, o, err);
    } else {
        fc_day d;
        /* A single dated file: a one-snapshot series. */
        if (fc_date_from_name(fc_basename(s->path), o->date_pattern, &d)) {
            size_t cap = 0;
            snapshot *sn = add_snapshot(s, &cap);
            if (!sn) {
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            s->kind = FC_SERIES_FOLDER;
            sn->date = d;
            sn->source = fc_strdup(s->path);
        } else {
            st = fc_error_set(err, FC_ERR_FIELD,
                              "%s: no date field (tried date, day, datetime, ...) and no date in "
                              "the file name; pass --date-field, or give a folder of dated files",
                              s->path);
        }
    }
cleanup:
    fc_layer_clear(w, &layer);
    for (int i = 0; i < nlayers; i++)
        free(names[i]);
    free(names);
    return st;
}

fc_status fc_series_open(fc_worker *w, const char *path, const fc_series_options *opts,
                         fc_series **out, fc_error *err)
{
    static const fc_series_options defaults = {0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    /* A folder (a real one, or a zip archive or a folder in one) is listed
     * once, here; anything else is one source. */
    struct stat sb = {0};
    bool folder = false;
    char **names = NULL;
    size_t nnames = 0;
    fc_status st = FC_OK;
    if (fc_is_virtual_path(path)) {
        int n = 0;
        st = fc_vsi_list_dir(path, &folder, &names, &n, err);
        nnames = (size_t)n;
    } else if (stat(path, &sb) != 0) {
        return fc_error_set(err, FC_ERR_IO, "%s: %s", path, strerror(errno));
    } else if ((folder = S_ISDIR(sb.st_mode))) {
        st = folder_names(path, &names, &nnames, err);
    }
    /* An option the input cannot use is a mistake to say, not to ignore. */
    if (st == FC_OK && folder && opts->date_field)
        st = fc_error_set(err, FC_ERR_ARG,
                          "%s: --date-field does not apply to a folder: each file's date comes "
                          "from its name (see --date-pattern)",
                          path);
    fc_series *s = st == FC_OK ? calloc(1, sizeof *s) : NULL;
    if (st == FC_OK && !s)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st != FC_OK) {
        for (size_t i = 0; i < nnames; i++)
            free(names[i]);
        free(names);
        return st;
    }
    s->path = fc_strdup(path);
    /* Trailing slashes would double in the file paths we build. */
    for (size_t n = strlen(s->path); n > 1 && s->path[n - 1] == '/'; n--)
        s->path[n - 1] = '\0';
    st = folder ? (s->kind = FC_SERIES_FOLDER, open_folder(s, names, nnames, opts, err))
                : open_file(w, s, opts, err);
    if (st != FC_OK) {
        fc_series_close(w, s);
        return st;
    }
    *out = s;
    return FC_OK;
}

/* Builds a temporary layer of snapshot sn's features from the WKB blobs. */
static fc_status layer_from_blobs(fc_worker *w, const fc_series *s, const snapshot *sn,
                                  fc_layer *l, fc_error *err)
{
    memset(l, 0, sizeof *l);
    l->crs = fc_strdup(s->crs);
    l->features = calloc(sn->nfeatures ? sn->nfeatures : 1, sizeof *l->features);
    if (!l->features || (s->crs && !l->crs))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sn->nfeatures; i++) {
        const wkb_blob *b = &s->blobs[sn->features[i]];
        fc_feature *f = &l->features[l->n++];
        f->fid = b->fid;
        if (b->data) {
            f->geom = GEOSGeomFromWKB_buf_r(w->geos, b->data, b->size);
            if (!f->geom)
                return fc_error_set(err, FC_ERR_GEOM, "%s: feature %ld: %s", sn->source, b->fid,
                                    fc_worker_geos_error(w));
        } else {
            f->skip_reason = fc_strdup(b->skip_reason);
        }
    }
    return FC_OK;
}

fc_status fc_series_keep_reads(fc_series *s, const char *crs, fc_error *err)
{
    if (s->keep_crs)
        return strcmp(s->keep_crs, crs) == 0
                   ? FC_OK
                   : fc_error_set(err, FC_ERR_ARG, "%s: reads kept in another CRS", s->path);
    if (!(s->keep_crs = fc_strdup(crs)))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->keep_lock, NULL);
    return FC_OK;
}

bool fc_series_keeps_reads(const fc_series *s, const char *crs)
{
    return s->keep_crs && strcmp(s->keep_crs, crs) == 0;
}

/* Snapshot i as kept before (*out NULL when it was not, or when the
 * caller wants warnings the kept read did not give). */
static fc_status kept_read(fc_series *s, size_t i, fc_worker *w, const char *crs, bool reported,
                           GEOSGeometry **out, int *repaired, fc_error *err)
{
    *out = NULL;
    if (!fc_series_keeps_reads(s, crs))
        return FC_OK;
    fc_status st = FC_OK;
    pthread_mutex_lock(&s->keep_lock);
    const snapshot *sn = &s->snaps[i];
    if (sn->kept && (sn->kept_reported || !reported)) {
        *repaired = sn->kept_repaired;
        if (!(*out = GEOSGeomFromWKB_buf_r(w->geos, sn->kept, sn->kept_size)))
            st = fc_error_set(err, FC_ERR_NOMEM, "%s: %s", sn->source, fc_worker_geos_error(w));
    }
    pthread_mutex_unlock(&s->keep_lock);
    return st;
}

/* Keeps g as snapshot i's read, if reads are kept (a copy: g stays the
 * caller's); reported: its warnings were given. */
static fc_status keep_read(fc_series *s, size_t i, fc_worker *w, const char *crs,
                           const GEOSGeometry *g, int repaired, bool reported, fc_error *err)
{
    if (!fc_series_keeps_reads(s, crs))
        return FC_OK;
    size_t size = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(w->geos, g, &size);
    unsigned char *copy = wkb ? malloc(size + 1) : NULL;
    if (copy)
        memcpy(copy, wkb, size);
    if (wkb)
        GEOSFree_r(w->geos, wkb);
    if (!copy)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&s->keep_lock);
    snapshot *sn = &s->snaps[i];
    /* Another thread may have kept it meanwhile: the same geometry. */
    if (!sn->kept || (reported && !sn->kept_reported)) {
        free(sn->kept);
        sn->kept = copy;
        sn->kept_size = size;
        sn->kept_repaired = repaired;
        sn->kept_reported = reported;
        copy = NULL;
    }
    pthread_mutex_unlock(&s->keep_lock);
    free(copy);
    return FC_OK;
}

fc_status fc_series_read(const fc_series *cs, size_t i, fc_worker *w, const char *crs,
                         const fc_diag *diag, GEOSGeometry **out, fc_read_info *info,
                         fc_error *err)
{
    /* Kept reads change only the series' memo, under its lock. */
    fc_series *s = (fc_series *)cs;
    const snapshot *sn = &s->snaps[i];
    fc_read_info local = {0};
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    *out = NULL;
    double t0 = fc_now();
    fc_status kst = kept_read(s, i, w, crs, diag != NULL, out, &info->repaired, err);
    if (kst != FC_OK || *out) {
        info->read_seconds = fc_now() - t0;
        return kst;
    }
    fc_layer layer = {0};
    fc_status st;
    /* This snapshot shares most edges with the one this worker read before. */
    fc_geodesic_memo_begin(w);
    if (s->kind == FC_SERIES_DATE_FIELD) {
        st = layer_from_blobs(w, s, sn, &layer, err);
    } else if (s->kind == FC_SERIES_LAYERS) {
        st = fc_ogr_read(w, s->path, sn->layer, false, &layer, err);
    } else {
        st = fc_read_layer(w, sn->source, NULL, false, &layer, err);
    }
    info->read_seconds = fc_now() - t0;
    if (st == FC_OK)
        st = fc_layer_dissolve(w, sn->source, &layer, crs, diag, out, &info->repaired,
                               &info->prepare_seconds, err);
    fc_layer_clear(w, &layer);
    fc_geodesic_memo_end(w);
    if (st == FC_OK && GEOSisEmpty_r(w->geos, *out)) {
        GEOSGeom_destroy_r(w->geos, *out);
        *out = NULL;
        st = fc_error_set(err, FC_ERR_EMPTY, "%s: the control layer has no polygons", sn->source);
    }
    if (st == FC_OK)
        st = keep_read(s, i, w, crs, *out, info->repaired, diag != NULL, err);
    if (st != FC_OK && *out) {
        GEOSGeom_destroy_r(w->geos, *out);
        *out = NULL;
    }
    return st;
}

const char *fc_series_holder(const fc_series *s, const char *given)
{
    static const struct {
        const char *name, *holder;
    } known[] = {{"deepstate", "Russian forces"}};
    if (given)
        return given;
    char lower[1024];
    fc_series_source_name(s, NULL, lower, sizeof lower);
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (size_t k = 0; k < sizeof known / sizeof *known; k++)
        if (strstr(lower, known[k].name))
            return known[k].holder;
    return NULL;
}

const char *fc_series_source_name(const fc_series *s, const char *given, char *buf, size_t size)
{
    if (given)
        return given;
    const char *path = fc_series_path(s), *name = fc_basename(path);
    snprintf(buf, size, "%s", *name ? name : path);
    return buf;
}
