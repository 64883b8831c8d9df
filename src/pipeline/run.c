/* The scheduled run (pipeline.h): the stages, the signature, the manifest. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "frontcast/pipeline.h"
#include "frontcast/places.h"
#include "frontcast/plot.h"
#include "frontcast/spatial.h"

/* ---- warnings, forwarded and kept for the manifest --------------------- */

struct fc_warning_log {
    fc_diag diag;
    const fc_diag *forward;
    pthread_mutex_t lock;
    json_object *list;
};

static void keep_warning(void *user, const char *msg)
{
    fc_warning_log *k = user;
    pthread_mutex_lock(&k->lock);
    json_object_array_add(k->list, json_object_new_string(msg));
    if (k->forward && k->forward->fn)
        k->forward->fn(k->forward->user, msg);
    pthread_mutex_unlock(&k->lock);
}

fc_warning_log *fc_warning_log_create(const fc_diag *forward)
{
    fc_warning_log *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->list = json_object_new_array();
    if (!k->list || pthread_mutex_init(&k->lock, NULL) != 0) {
        json_object_put(k->list);
        free(k);
        return NULL;
    }
    k->diag = (fc_diag){keep_warning, k};
    k->forward = forward;
    return k;
}

const fc_diag *fc_warning_log_diag(fc_warning_log *log)
{
    return log ? &log->diag : NULL;
}

void fc_warning_log_destroy(fc_warning_log *log)
{
    if (!log)
        return;
    json_object_put(log->list);
    pthread_mutex_destroy(&log->lock);
    free(log);
}

/* ---- options ----------------------------------------------------------- */

void fc_run_defaults(fc_run_options *o)
{
    static const int windows[] = {FC_DEFAULT_WINDOW_DAYS};
    static const double thresholds[] = {100};
    memset(o, 0, sizeof *o);
    o->output = FC_DEFAULT_RUN_OUTPUT;
    o->max_daily_change_km2 = FC_DEFAULT_MAX_DAILY_CHANGE_KM2;
    o->max_age_days = FC_DEFAULT_MAX_AGE_DAYS;
    o->today = FC_NO_DAY;
    o->forecast = (fc_forecast_options){.as_of = FC_NO_DAY,
                                        .horizon_days = FC_DEFAULT_HORIZON_DAYS,
                                        .step_days = FC_DEFAULT_STEP_DAYS,
                                        .models = fc_models_all,
                                        .nmodels = FC_NMODELS,
                                        .windows = windows,
                                        .nwindows = 1,
                                        .thresholds = thresholds,
                                        .nthresholds = 1,
                                        .bootstrap = FC_DEFAULT_BOOTSTRAP,
                                        .seed = FC_DEFAULT_SEED};
    o->advance_model = FC_MODEL_PACE;
    o->map_step_days = FC_DEFAULT_MAP_STEP_DAYS;
    o->cell_m = FC_DEFAULT_CELL_M;
    o->formats = FC_OUT_CSV | FC_OUT_GEOJSON;
    o->plots = true;
}

void fc_run_result_clear(fc_run_result *r)
{
    fc_quarantined_free(r->quarantined, r->nquarantined);
    r->quarantined = NULL;
    r->nquarantined = 0;
}

/* The system's date (UTC). */
static fc_day system_today(void)
{
    time_t now = time(NULL);
    struct tm utc;
    fc_day d = FC_NO_DAY;
    gmtime_r(&now, &utc);
    fc_date_from_ymd(utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, &d);
    return d;
}

static json_object *jstr(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static json_object *jstr_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

json_object *fc_run_parameters(const fc_run_options *o, const fc_zoneset *zs,
                               const fc_series *series)
{
    const fc_forecast_options *f = &o->forecast;
    json_object *p = json_object_new_object(), *models = json_object_new_array(),
                *windows = json_object_new_array(), *thr = json_object_new_array(),
                *formats = json_object_new_array();
    for (size_t i = 0; i < f->nmodels; i++)
        json_object_array_add(models, jstr(fc_model_name(f->models[i])));
    if (f->auto_model)
        json_object_array_add(models, jstr("auto"));
    for (size_t i = 0; i < f->nwindows; i++)
        json_object_array_add(windows, json_object_new_int(f->windows[i]));
    for (size_t i = 0; i < f->nthresholds; i++)
        json_object_array_add(thr, json_object_new_double(f->thresholds[i]));
    for (size_t i = 0; i < FC_OUT_NFORMATS; i++)
        if (o->formats & fc_out_formats[i].bit)
            json_object_array_add(formats, jstr(fc_out_formats[i].name));
    json_object_object_add(p, "zones", jstr(zs->path));
    json_object_object_add(p, "zone_id_field", jstr(zs->id_field));
    json_object_object_add(p, "zone_name_field", jstr(zs->name_field));
    json_object_object_add(p, "control", jstr(fc_series_path(series)));
    json_object_object_add(p, "places", jstr(o->places));
    json_object_object_add(p, "output", jstr(o->output));
    json_object_object_add(p, "tile_km", json_object_new_double(o->tile_m / 1000));
    json_object_object_add(p, "border", jstr(fc_held_basis(o->raw_border)));
    json_object_object_add(p, "max_daily_change_km2", json_object_new_double(o->max_daily_change_km2));
    json_object_object_add(p, "max_age", json_object_new_int(o->max_age_days));
    json_object_object_add(p, "model", models);
    json_object_object_add(p, "window", windows);
    json_object_object_add(p, "threshold", thr);
    json_object_object_add(p, "horizon", json_object_new_int(f->horizon_days));
    json_object_object_add(p, "step", json_object_new_int(f->step_days));
    json_object_object_add(p, "bootstrap", json_object_new_int(f->bootstrap));
    json_object_object_add(p, "seed", json_object_new_int64((int64_t)f->seed));
    json_object_object_add(p, "intervals", jstr(f->model_intervals ? "model" : "calibrated"));
    json_object_object_add(p, "advance_model", jstr(fc_model_name(o->advance_model)));
    json_object_object_add(p, "map_step", json_object_new_int(o->map_step_days));
    json_object_object_add(p, "cell_km", json_object_new_double(o->cell_m / 1000));
    json_object_object_add(p, "format", formats);
    json_object_object_add(p, "plots", json_object_new_boolean(o->plots));
    char *pg = o->pg ? fc_strdup(o->pg) : NULL;
    if (pg) /* the manifest is read by others: no password there */
        fc_mask_passwords(pg);
    json_object_object_add(p, "pg", jstr_or_null(pg));
    free(pg);
    /* A date given decides the outputs (the report's "today", what is in
     * the future); the system's date does not, or every day would
     * recompute everything. */
    char today[11];
    if (o->today != FC_NO_DAY)
        fc_date_format(o->today, today);
    json_object_object_add(p, "today", jstr_or_null(o->today != FC_NO_DAY ? today : NULL));
    json_object_object_add(p, "source", jstr_or_null(o->source));
    json_object_object_add(p, "holder", jstr_or_null(o->holder));
    return p;
}

/* ---- the outputs and the manifest -------------------------------------- */

/* The files a run writes, by format. */
static const struct {
    const char *name;
    unsigned formats; /* written when any of these is asked for; 0: always */
} outputs[] = {{"areas.csv", FC_OUT_CSV},
               {"projection.csv", FC_OUT_CSV},
               {"eta.csv", FC_OUT_CSV},
               {"places.csv", FC_OUT_CSV},
               {"calibration.csv", FC_OUT_CSV},
               {"places-timeline.csv", FC_OUT_CSV},
               {"places-timeline.geojson", FC_OUT_GEOJSON},
               {"projected-control.geojson", FC_OUT_GEOJSON},
               {"projected-front.geojson", FC_OUT_GEOJSON},
               {"frontcast.gpkg", FC_OUT_GPKG},
               {"arrival.tif", 0},
               {FC_REPORT_FILE, 0}};

/* Whether the previous manifest's signature is this one and every output
 * is there; then whether it quarantined snapshots and its newest snapshot. */
static bool up_to_date(const char *dir, const char *signature, unsigned formats, bool plots,
                       bool *quarantined, fc_day *newest)
{
    char path[1024];
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i].name);
        if ((!outputs[i].formats || (outputs[i].formats & formats)) && access(path, R_OK) != 0)
            return false;
    }
    snprintf(path, sizeof path, "%s/map.png", dir);
    if (plots && access(path, R_OK) != 0)
        return false;
    snprintf(path, sizeof path, "%s/" FC_RUN_MANIFEST, dir);
    json_object *m = json_object_from_file(path), *sig, *q, *nw;
    /* A damaged manifest (a field of another type) is simply not a match. */
    bool same = m && json_object_object_get_ex(m, "signature", &sig) &&
                json_object_is_type(sig, json_type_string) &&
                !strcmp(json_object_get_string(sig), signature) &&
                json_object_object_get_ex(m, "quarantined", &q) &&
                json_object_is_type(q, json_type_array) &&
                json_object_object_get_ex(m, "newest_snapshot", &nw) &&
                json_object_is_type(nw, json_type_string) &&
                fc_date_parse(json_object_get_string(nw), newest);
    if (same)
        *quarantined = json_object_array_length(q) > 0;
    json_object_put(m);
    return same;
}

static fc_status drop_manifest(const char *dir, fc_error *err)
{
    char *path = fc_path_join(dir, FC_RUN_MANIFEST);
    if (!path)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = FC_OK;
    if (unlink(path) != 0 && errno != ENOENT)
        st = fc_error_set(err, FC_ERR_IO, "%s: cannot remove the old manifest: %s", path,
                          strerror(errno));
    free(path);
    return st;
}

static fc_status write_manifest(const char *dir, json_object *m, fc_error *err)
{
    char *path = fc_path_join(dir, FC_RUN_MANIFEST);
    if (!path)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_atomic a;
    fc_status st = fc_atomic_begin(path, true, &a, err);
    if (st == FC_OK) {
        fputs(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE),
              a.f);
        fputc('\n', a.f);
        st = fc_atomic_commit(&a, err);
    }
    fc_atomic_abort(&a);
    free(path);
    return st;
}

/* The signature (pipeline.h), the zones' key of the store's rows and the
 * places file's hash ("" when it cannot be read: the run stops there). */
static fc_status sign(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                      const fc_run_options *o, const char *params, char zones_key[65],
                      char ph[65], char signature[65], fc_error *err)
{
    char zh[65], buf[256];
    ph[0] = '\0';
    fc_status st = fc_store_file_hash(store, zs->path, zh, err);
    if (st == FC_OK && o->places && access(o->places, R_OK) == 0)
        st = fc_store_file_hash(store, o->places, ph, err);
    if (st != FC_OK)
        return st;
    snprintf(buf, sizeof buf, "areas-v1\n%s\n%s\n%s\n", zh, zs->id_field, zs->name_field);
    fc_sha256_hex(buf, strlen(buf), zones_key);
    size_t n = fc_series_count(series), len = 0, cap = 4096 + 96 * n + strlen(params);
    char *sig = malloc(cap);
    if (!sig)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    len += (size_t)snprintf(sig + len, cap - len, "%s\n%s\n%s\n%s\n", fc_version(), zones_key, ph,
                            params);
    bool future = false;
    for (size_t i = 0; st == FC_OK && i < n; i++) {
        char k[65];
        st = fc_store_snapshot_key(store, series, i, k, err);
        if (st == FC_ERR_IO && fc_series_get_kind(series) == FC_SERIES_FOLDER) {
            /* Unreadable: the update quarantines it; the signature says so. */
            snprintf(k, sizeof k, "unreadable");
            st = FC_OK;
        }
        future |= fc_series_date(series, i) > o->today;
        len += (size_t)snprintf(sig + len, cap - len, "%d %s\n", (int)fc_series_date(series, i), k);
    }
    if (future)
        len += (size_t)snprintf(sig + len, cap - len, "today %d\n", (int)o->today);
    if (st == FC_OK)
        fc_sha256_hex(sig, len, signature);
    free(sig);
    return st;
}

/* ---- the store as the library's cache of results (cache.h) ----------- */

typedef struct result_cache {
    fc_store *store;
    const fc_series *series;
    const char *zones_key;
    char places_hash[65];
    fc_run_result *r;          /* counts by kind */
    char (*snap)[65];          /* each snapshot's key, made on first use */
    size_t nsnap;
    pthread_mutex_t lock;      /* the library's threads call at once (cache.h) */
} result_cache;

/* Counts a result looked up (or computed) under its kind, the first word
 * of params without "-vN" (see fc_run_result); past FC_RUN_CACHE_KINDS
 * kinds, not counted. */
static void count(fc_run_result *r, const char *params, bool computed)
{
    char kind[32];
    size_t n = strcspn(params, " ");
    n = n < sizeof kind - 1 ? n : sizeof kind - 1;
    memcpy(kind, params, n);
    kind[n] = '\0';
    char *v = strrchr(kind, '-');
    if (v && v[1] == 'v' && v[2] >= '0' && v[2] <= '9')
        *v = '\0';
    /* Kept in the order of kind: stages that run side by side meet their
     * first result in any order, the manifest lists them in one. */
    size_t i = 0;
    while (i < r->ncached && strcmp(r->cached[i].kind, kind) < 0)
        i++;
    if (i == r->ncached || strcmp(r->cached[i].kind, kind) != 0) {
        if (r->ncached == FC_RUN_CACHE_KINDS)
            return;
        memmove(&r->cached[i + 1], &r->cached[i], (r->ncached - i) * sizeof r->cached[0]);
        memset(&r->cached[i], 0, sizeof r->cached[i]);
        snprintf(r->cached[i].kind, sizeof r->cached[i].kind, "%s", kind);
        r->ncached++;
    }
    if (computed)
        r->cached[i].computed++;
    else
        r->cached[i].looked_up++;
}

/* The store's key of a result: what of the options it depends on (params,
 * from the library), the program, the zones, the places and every
 * snapshot dated first to last. */
static fc_status result_key(result_cache *c, const char *params, fc_day first, fc_day last,
                            char key[65], fc_error *err)
{
    const size_t n = fc_series_count(c->series);
    size_t cap = 512 + strlen(params) + 80 * n, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    len += (size_t)snprintf(buf, cap, "%s\n%s\n%s\n%s\n", fc_version(), params, c->zones_key,
                            c->places_hash);
    fc_status st = FC_OK;
    if (c->nsnap != n) { /* first use, or snapshots quarantined since */
        free(c->snap);
        c->nsnap = 0;
        if (!(c->snap = malloc((n + 1) * sizeof *c->snap)))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == FC_OK && i < n; i++)
            st = fc_store_snapshot_key(c->store, c->series, i, c->snap[i], err);
        if (st == FC_OK)
            c->nsnap = n;
    }
    for (size_t i = 0; st == FC_OK && i < n && fc_series_date(c->series, i) <= last; i++)
        if (fc_series_date(c->series, i) >= first)
            len += (size_t)snprintf(buf + len, cap - len, "%d %s\n",
                                    (int)fc_series_date(c->series, i), c->snap[i]);
    if (st == FC_OK)
        fc_sha256_hex(buf, len, key);
    free(buf);
    return st;
}

static fc_status result_get(void *user, const char *params, fc_day first, fc_day last,
                            void **data, size_t *size, bool *found, fc_error *err)
{
    result_cache *c = user;
    char key[65];
    pthread_mutex_lock(&c->lock);
    fc_status st = result_key(c, params, first, last, key, err);
    count(c->r, params, false);
    if (st == FC_OK)
        st = fc_store_get_blob(c->store, key, data, size, found, err);
    pthread_mutex_unlock(&c->lock);
    return st;
}

static fc_status result_put(void *user, const char *params, fc_day first, fc_day last,
                            const void *data, size_t size, fc_error *err)
{
    result_cache *c = user;
    char key[65];
    pthread_mutex_lock(&c->lock);
    fc_status st = result_key(c, params, first, last, key, err);
    /* Every result is looked up first: one put is one looked up in vain. */
    count(c->r, params, true);
    if (st == FC_OK)
        st = fc_store_begin(c->store, err);
    if (st == FC_OK)
        st = fc_store_put_blob(c->store, key, data, size, err);
    if (st == FC_OK)
        st = fc_store_commit(c->store, err);
    pthread_mutex_unlock(&c->lock);
    return st;
}

static json_object *manifest_of(const fc_run_options *o, const fc_zoneset *zs,
                                const fc_series *series, fc_store *store, const char *signature,
                                json_object *params, const fc_run_result *r, bool stale)
{
    json_object *m = json_object_new_object(), *inputs = json_object_new_object(),
                *snaps = json_object_new_array(), *quar = json_object_new_array(),
                *js = json_object_new_object();
    char d[11];
    json_object_object_add(m, "frontcast_version", jstr(fc_version()));
    json_object_object_add(m, "signature", jstr(signature));
    json_object_object_add(m, "exit_code", json_object_new_int((int)r->outcome));
    fc_date_format(o->today, d);
    json_object_object_add(m, "today", jstr(d));
    fc_date_format(r->newest, d);
    json_object_object_add(m, "newest_snapshot", jstr(d));
    json_object *js_stale = NULL;
    if (stale) {
        js_stale = json_object_new_object();
        json_object_object_add(js_stale, "age_days", json_object_new_int(r->age_days));
        json_object_object_add(js_stale, "max_age_days", json_object_new_int(o->max_age_days));
    }
    json_object_object_add(m, "stale", js_stale);
    json_object_object_add(m, "parameters", json_object_get(params));
    json_object_object_add(inputs, "zones", jstr(zs->path));
    json_object_object_add(inputs, "control", jstr(fc_series_path(series)));
    /* Whoever reads the outputs' provenance learns they are not real. */
    json_object_object_add(inputs, "control_is_synthetic_demo",
                           json_object_new_boolean(fc_series_synthetic(series)));
    json_object_object_add(inputs, "places", jstr(o->places));
    for (size_t i = 0; i < fc_series_count(series); i++) {
        json_object *s = json_object_new_object();
        char k[65] = "";
        fc_date_format(fc_series_date(series, i), d);
        if (fc_series_get_kind(series) == FC_SERIES_FOLDER)
            fc_store_file_hash(store, fc_series_source(series, i), k, NULL);
        json_object_object_add(s, "path", jstr(fc_series_source(series, i)));
        json_object_object_add(s, "date", jstr(d));
        json_object_object_add(s, "sha256", jstr(k));
        json_object_array_add(snaps, s);
    }
    json_object_object_add(inputs, "snapshots", snaps);
    json_object_object_add(m, "inputs", inputs);
    for (size_t i = 0; i < r->nquarantined; i++) {
        json_object *q = json_object_new_object();
        fc_date_format(r->quarantined[i].date, d);
        json_object_object_add(q, "path", jstr(r->quarantined[i].path));
        json_object_object_add(q, "date", jstr(d));
        json_object_object_add(q, "reason", jstr(r->quarantined[i].reason));
        json_object_array_add(quar, q);
    }
    json_object_object_add(m, "quarantined", quar);
    json_object_object_add(js, "reused", json_object_new_int64((int64_t)r->stats.reused));
    json_object_object_add(js, "computed", json_object_new_int64((int64_t)r->stats.computed));
    json_object_object_add(js, "quarantined", json_object_new_int64((int64_t)r->stats.quarantined));
    if ((o->formats & FC_OUT_GPKG) || o->pg) {
        json_object_object_add(js, "map_layers_reused",
                               json_object_new_int64((int64_t)r->layer_stats.reused));
        json_object_object_add(js, "map_layers_computed",
                               json_object_new_int64((int64_t)r->layer_stats.computed));
        /* How the GeoPackage was written: whole, or the rows from a date on. */
        char from[11] = "";
        if (r->map_updated_from != FC_NO_DAY)
            fc_date_format(r->map_updated_from, from);
        json_object_object_add(js, "map_file_updated_from", from[0] ? jstr(from) : NULL);
    }
    json_object_object_add(m, "snapshots", js);
    /* What the store gave the library (cache.h), by kind of result. */
    json_object *cached = json_object_new_object();
    for (size_t i = 0; i < r->ncached; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "reused", json_object_new_int64((int64_t)(
                                                r->cached[i].looked_up - r->cached[i].computed)));
        json_object_object_add(c, "computed",
                               json_object_new_int64((int64_t)r->cached[i].computed));
        json_object_object_add(cached, r->cached[i].kind, c);
    }
    json_object_object_add(m, "cached", cached);
    return m;
}

/* ---- the run ----------------------------------------------------------- */

static void stage_end(const fc_run_options *o)
{
    if (o->progress_end)
        o->progress_end(o->progress_ctx);
}

static bool is_stale(const fc_run_options *o, fc_day newest)
{
    return o->max_age_days > 0 && newest != FC_NO_DAY && newest + o->max_age_days < o->today;
}

/* A stage that goes beside the run's own work: on a thread of its own,
 * or at once when none is to be had. Its job holds it, and fn sets its
 * st and err. */
typedef struct side_stage {
    void (*fn)(void *job);
    void *job;
    double seconds; /* what it took */
    fc_status st;
    fc_error err;
    pthread_t thread;
    bool threaded;
} side_stage;

static void *side_main(void *arg)
{
    side_stage *s = arg;
    const double t = fc_now();
    s->fn(s->job);
    s->seconds = fc_now() - t;
    return NULL;
}

/* Starts fn(job) beside the caller. */
static void side_start(side_stage *s, void (*fn)(void *job), void *job)
{
    s->fn = fn;
    s->job = job;
    s->threaded = pthread_create(&s->thread, NULL, side_main, s) == 0;
    if (!s->threaded)
        side_main(s);
}

/* Waits for s: its failure is the run's, unless the run failed already. */
static void side_join(side_stage *s, fc_status *st, fc_error *err)
{
    if (s->threaded)
        pthread_join(s->thread, NULL);
    s->threaded = false;
    if (*st == FC_OK && s->st != FC_OK) {
        *st = s->st;
        *err = s->err;
    }
}

/* The forecast as of the last snapshot, and its files: beside the places
 * and the advance, which read neither (the run's cache serialises its
 * callers). */
typedef struct forecast_job {
    side_stage s;
    const fc_run_options *o;
    const fc_zoneset *zs;
    const fc_area_table *table;
    const fc_forecast_options *fo;
    fc_forecast *fc;
} forecast_job;

static void run_forecast(void *arg)
{
    forecast_job *j = arg;
    j->s.st = fc_forecast_run(j->table, j->zs, j->fo, &j->fc, &j->s.err);
    if (j->s.st == FC_OK && (j->o->formats & FC_OUT_CSV))
        j->s.st = fc_write_forecast(j->fc, j->zs, j->o->output, &j->s.err);
}

/* The advance's files: beside the pictures and the map layers. */
typedef struct advance_files_job {
    side_stage s;
    const fc_run_options *o;
    const fc_zoneset *zs;
    const fc_advance *adv;
    const fc_advance_options *ao;
} advance_files_job;

static void write_advance_files(void *arg)
{
    advance_files_job *j = arg;
    j->s.st = fc_write_advance(j->adv, j->zs, j->o->output, j->ao->horizon_days,
                               fc_model_name(j->ao->model), j->ao->window_days, j->o->formats,
                               &j->s.err);
}

/* The store's share of the map layers (fc_observed_write): beside the
 * writing of the map file, which reads the same results. */
typedef struct observed_writes_job {
    side_stage s;
    fc_observed_writes *w;
} observed_writes_job;

static void write_observed(void *arg)
{
    observed_writes_job *j = arg;
    j->s.st = fc_observed_write(j->w, &j->s.err);
    j->w = NULL; /* freed */
}

/* The pictures of the first forecast model and window, and the page a
 * person opens after the run (with the pictures when drawn): beside the
 * advance's files and the map layers, with a worker of its own. */
typedef struct pictures_job {
    side_stage s;
    const fc_run_options *o;
    const fc_zoneset *zs;
    const fc_series *series;
    const fc_area_table *table;
    const fc_forecast *fc;
    fc_model model;
    int window_days;
    const fc_advance *adv;
    const fc_places *pl;
    const fc_place_history *pl_hist;
} pictures_job;

static void draw_pictures(void *arg)
{
    pictures_job *j = arg;
    const fc_run_options *o = j->o;
    char source[256];
    /* Size and dpi unset: fc_plot_all's defaults. */
    const fc_plot_options given = {.source = o->source, .zones_credit = o->zones_credit,
                                   .holder = o->holder};
    const fc_plot_options po = fc_plot_options_for(j->series, &given, source, sizeof source);
    fc_worker *w = fc_worker_create();
    GEOSGeometry *now = NULL;
    size_t inow = 0;
    j->s.st = w ? FC_OK : fc_error_set(&j->s.err, FC_ERR_NOMEM, "out of memory");
    if (j->s.st == FC_OK && o->plots)
        j->s.st = fc_series_control_at(j->series, j->fc->as_of, w, j->zs->crs, NULL, &inow,
                                       &now, &j->s.err);
    fc_plot_data pd = {j->zs, j->table, j->fc, j->model, j->window_days, now, j->adv};
    if (j->s.st == FC_OK && o->plots)
        j->s.st = fc_plot_all(w, &pd, &po, o->output, &j->s.err);
    fc_report_data rd = {&pd, &po, j->pl, j->pl_hist, o->today, o->plots ? o->output : NULL};
    char *p = fc_path_join(o->output, FC_REPORT_FILE);
    if (j->s.st == FC_OK)
        j->s.st = p ? fc_write_report(&rd, p, &j->s.err)
                    : fc_error_set(&j->s.err, FC_ERR_NOMEM, "out of memory");
    free(p);
    if (now)
        GEOSGeom_destroy_r(fc_worker_geos(w), now);
    fc_worker_destroy(w);
}

fc_status fc_run(fc_worker *w, const fc_zoneset *zs, fc_series *series, const fc_run_options *in,
                 fc_run_result *r, fc_error *err)
{
    json_object *params = fc_run_parameters(in, zs, series);
    fc_run_options resolved = *in;
    if (resolved.today == FC_NO_DAY)
        resolved.today = system_today();
    const fc_run_options *o = &resolved;
    memset(r, 0, sizeof *r);
    r->newest = r->map_updated_from = FC_NO_DAY;
    const double t_start = fc_now();
    const fc_diag *diag = fc_warning_log_diag(o->warnings);
    char *lock_path = fc_path_join(o->output, FC_RUN_LOCK);
    char *state = o->state ? fc_strdup(o->state) : fc_path_join(o->output, FC_RUN_STATE);
    int lock = -1;
    fc_store *store = NULL;
    fc_area_table *table = NULL;
    fc_forecast *fc = NULL;
    fc_advance *adv = NULL;
    fc_frontlines *fronts = NULL;
    fc_places *pl = NULL;
    fc_place_history *pl_hist = NULL;
    json_object *manifest = NULL, *timings = json_object_new_object();
    char zones_key[65] = "", signature[65] = "";
    /* The store as the library's cache (cache.h): what a new snapshot
     * does not change, from the places' timeline to the calibrations
     * (its store once open). */
    result_cache rc = {NULL, series, zones_key, "", r, NULL, 0, PTHREAD_MUTEX_INITIALIZER};
    const fc_result_cache cache = {result_get, result_put, &rc};
    fc_status st = fc_ensure_dir(o->output, err);
    if (st == FC_OK && (!lock_path || !state || !params || !timings))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_lock_acquire(lock_path, o->wait_s, &lock, &r->lock_busy, err);
    /* The areas, the front lines, the places and the advance each read
     * the snapshots they need: each file is read once. */
    if (st == FC_OK)
        st = fc_series_keep_reads(series, zs->crs, err);
    /* Holding the lock, no other run writes here: what a killed run left
     * half-written can go. */
    if (st == FC_OK)
        fc_atomic_sweep(o->output);
    if (st == FC_OK)
        st = fc_store_open_recover(state, &store, r->moved_store, sizeof r->moved_store, err);
    rc.store = store;
    if (st == FC_OK && r->moved_store[0])
        fc_warn(diag, "%s: the state store was damaged: moved to %s; rebuilt from the inputs",
                state, r->moved_store);
    double t = fc_now();
    if (st == FC_OK)
        st = sign(store, zs, series, o,
                  json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN), zones_key,
                  rc.places_hash, signature, err);
    json_object_object_add(timings, "check_s", json_object_new_double(fc_now() - t));
    bool was_quarantined = false;
    if (st == FC_OK && up_to_date(o->output, signature, o->formats, o->plots, &was_quarantined,
                                  &r->newest)) {
        r->up_to_date = true;
        goto done;
    }
    /* From the first output on, the folder no longer matches the old
     * manifest: remove it, so that a run failing part-way (after rewriting
     * some outputs) cannot leave a signature that claims "up to date". */
    if (st == FC_OK)
        st = drop_manifest(o->output, err);
    /* Areas, incrementally. */
    t = fc_now();
    fc_update_options uo = {
        .areas = {.threads = o->threads, .tile_m = o->tile_m, .diag = diag,
                  .progress = o->progress, .progress_user = "areas",
                  .raw_border = o->raw_border, .cache = &cache},
        .max_daily_change_km2 = o->max_daily_change_km2, .today = o->today, .zones_key = zones_key};
    /* The map layers want the polygons of what is overlaid now: keep them
     * rather than overlay those snapshots twice. */
    uo.areas.keep_geometry = (o->formats & FC_OUT_GPKG) || o->pg;
    uo.areas.zone_geometry_only = true;
    if (st == FC_OK) {
        st = fc_update_areas(store, zs, series, &uo, &table, &r->stats, &r->quarantined,
                             &r->nquarantined, err);
        stage_end(o);
    }
    if (st == FC_OK && fc_series_count(series) < 2)
        st = fc_error_set(err, FC_ERR_EMPTY, "%s: fewer than two usable snapshots",
                          fc_series_path(series));
    if (st == FC_OK && (o->formats & FC_OUT_CSV)) {
        char *p = fc_path_join(o->output, "areas.csv");
        st = p ? fc_write_areas_csv(table, zs, p, err) : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        free(p);
    }
    json_object_object_add(timings, "areas_s", json_object_new_double(fc_now() - t));
    /* Forecast, as of the last snapshot, beside the places and the
     * advance. With no thread to be had, before them. */
    fc_forecast_options fo = o->forecast;
    fo.cache = &cache;
    fo.as_of = FC_NO_DAY;
    fo.threads = o->threads;
    forecast_job fj = {.o = o, .zs = zs, .table = table, .fo = &fo};
    if (st == FC_OK)
        side_start(&fj.s, run_forecast, &fj);
    /* The observed timeline of the places (advance calibrates on it too). */
    t = fc_now();
    if (st == FC_OK)
        st = fc_places_read(o->places, &pl, err);
    if (st == FC_OK)
        st = fc_places_timeline(w, zs, series, pl,
                                &(fc_places_timeline_options){o->threads, diag, NULL, NULL, &cache},
                                &pl_hist, err);
    if (st == FC_OK && (o->formats & (FC_OUT_CSV | FC_OUT_GEOJSON)))
        st = fc_write_places_timeline(pl, pl_hist, o->output, o->formats, err);
    json_object_object_add(timings, "places_s", json_object_new_double(fc_now() - t));
    /* Advance: the first window, the forecast's bootstrap and seed. */
    t = fc_now();
    fc_advance_options ao = fc_advance_defaults();
    ao.window_days = fo.nwindows ? fo.windows[0] : FC_DEFAULT_WINDOW_DAYS;
    ao.horizon_days = fo.horizon_days;
    ao.step_days = o->map_step_days;
    ao.model = o->advance_model;
    ao.model_intervals = fo.model_intervals;
    ao.bootstrap = fo.bootstrap;
    ao.seed = fo.seed;
    ao.cell_m = o->cell_m;
    ao.places = o->places;
    ao.places_history = pl_hist;
    ao.cache = &cache;
    ao.threads = o->threads;
    if (st == FC_OK)
        st = fc_advance_run(w, zs, series, table, &ao, diag, &adv, err);
    json_object_object_add(timings, "advance_s", json_object_new_double(fc_now() - t));
    side_join(&fj.s, &st, err);
    fc = fj.fc;
    json_object_object_add(timings, "forecast_s", json_object_new_double(fj.s.seconds));
    /* The pictures and the report page on a thread of their own, beside
     * the advance's files and the map layers: they read what the stages
     * above made and nothing those write (the layers add only the area
     * table's polygons, which no picture shows). */
    pictures_job pj = {.o = o, .zs = zs, .series = series, .table = table, .fc = fc,
                       .model = fo.models[0], .window_days = fo.windows[0], .adv = adv, .pl = pl,
                       .pl_hist = pl_hist};
    advance_files_job aj = {.o = o, .zs = zs, .adv = adv, .ao = &ao};
    if (st == FC_OK) {
        side_start(&pj.s, draw_pictures, &pj);
        side_start(&aj.s, write_advance_files, &aj);
    }
    /* The map layers for QGIS and PostGIS: observed polygons and front
     * lines of every snapshot, again only what the store lacks. */
    t = fc_now();
    if (st == FC_OK && ((o->formats & FC_OUT_GPKG) || o->pg)) {
        fc_update_options lo = uo;
        lo.areas.progress_user = "map layers";
        lo.cache = &cache;
        /* A GeoPackage written before takes only the rows it lacks: the
         * others are neither read from the store nor written again. A
         * database takes every row. */
        const size_t n = fc_series_count(series);
        const bool file = (o->formats & FC_OUT_GPKG) != 0;
        char (*keys)[65] = calloc(n + 1, sizeof *keys);
        char *p = fc_path_join(o->output, "frontcast.gpkg");
        size_t from = 0;
        if ((!keys || !p) && st == FC_OK)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        if (st == FC_OK && file)
            st = fc_observed_row_keys(store, series, zones_key, keys, err);
        if (st == FC_OK && file && !o->pg && n > 0)
            st = fc_map_file_plan(store, p, zones_key, fc_held_basis(table->raw_border), keys, n,
                                  &from, err);
        observed_writes_job wj = {0};
        if (st == FC_OK)
            st = fc_observed_compute(store, zs, series, &lo, from, table, &fronts,
                                     &r->layer_stats, &wj.w, err);
        stage_end(o);
        if (st == FC_OK)
            side_start(&wj.s, write_observed, &wj);
        fc_map_layers m = {zs, table, fronts, adv, fc_model_name(ao.model), ao.window_days,
                           pl, pl_hist, from > 0, FC_NO_DAY};
        if (m.update)
            m.update_from = from < n ? fc_series_date(series, from)
                                     : fc_series_date(series, n - 1) + 1;
        if (st == FC_OK && file)
            st = fc_write_map_layers(&m, p, err);
        side_join(&wj.s, &st, err);
        if (st == FC_OK && file)
            st = fc_map_file_record(store, p, zones_key, fc_held_basis(table->raw_border), keys,
                                    n, err);
        r->map_updated_from = st == FC_OK ? m.update_from : FC_NO_DAY;
        free(keys);
        if (st == FC_OK && o->pg)
            st = fc_write_map_layers(&m, o->pg, err);
        free(p);
    }
    json_object_object_add(timings, "layers_s", json_object_new_double(fc_now() - t));
    side_join(&aj.s, &st, err);
    side_join(&pj.s, &st, err);
    json_object_object_add(timings, "advance_files_s", json_object_new_double(aj.s.seconds));
    json_object_object_add(timings, "plots_s", json_object_new_double(pj.s.seconds));
    if (st == FC_OK)
        r->newest = fc_series_date(series, fc_series_count(series) - 1);
    was_quarantined = r->nquarantined > 0;
done:
    if (st == FC_OK) {
        const bool stale = is_stale(o, r->newest);
        r->age_days = r->newest != FC_NO_DAY ? (int)(o->today - r->newest) : 0;
        /* Nothing new is no news for cron only while the data are fresh. */
        r->outcome = stale ? FC_RUN_STALE : was_quarantined ? FC_RUN_QUARANTINED : FC_RUN_DONE;
        r->seconds = fc_now() - t_start;
        if (!r->up_to_date) {
            /* The manifest, last: its signature says the outputs are complete. */
            manifest = manifest_of(o, zs, series, store, signature, params, r, stale);
            json_object_object_add(timings, "total_s", json_object_new_double(r->seconds));
            json_object_object_add(manifest, "timings_s", json_object_get(timings));
            json_object_object_add(manifest, "warnings",
                                   o->warnings ? json_object_get(o->warnings->list)
                                               : json_object_new_array());
            st = write_manifest(o->output, manifest, err);
        }
    }
    fc_advance_destroy(adv);
    fc_places_destroy(pl);
    free(pl_hist);
    fc_frontlines_destroy(fronts);
    fc_forecast_destroy(fc);
    fc_area_table_destroy(table);
    fc_store_close(store);
    free(rc.snap);
    pthread_mutex_destroy(&rc.lock);
    fc_lock_release(lock);
    json_object_put(manifest);
    json_object_put(params);
    json_object_put(timings);
    free(lock_path);
    free(state);
    return st;
}

fc_status fc_pictures_run(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                          const fc_area_table *table, const fc_advance_options *ao,
                          const fc_plot_options *po, const fc_diag *diag, const char *dir,
                          fc_error *err)
{
    /* The forecast the pictures show: the arrival model's rate model and
     * window, ETAs for a complete capture. */
    const double threshold = 100;
    fc_forecast_options fo = {.as_of = ao->as_of, .horizon_days = ao->horizon_days,
                              .step_days = 7, .models = &ao->model, .nmodels = 1,
                              .windows = &ao->window_days, .nwindows = 1,
                              .thresholds = &threshold, .nthresholds = 1,
                              .bootstrap = ao->bootstrap, .seed = ao->seed,
                              .model_intervals = ao->model_intervals, .threads = ao->threads};
    fc_forecast *fc = NULL;
    fc_advance *adv = NULL;
    GEOSGeometry *now = NULL;
    size_t inow = 0;
    fc_status st = fc_forecast_run(table, zs, &fo, &fc, err);
    if (st == FC_OK)
        st = fc_series_control_at(series, fc->as_of, w, zs->crs, NULL, &inow, &now, err);
    if (st == FC_OK)
        st = fc_advance_run(w, zs, series, table, ao, diag, &adv, err);
    if (st == FC_OK) {
        char source[256];
        const fc_plot_options o = fc_plot_options_for(series, po, source, sizeof source);
        fc_plot_data pd = {zs, table, fc, ao->model, ao->window_days, now, adv};
        st = fc_plot_all(w, &pd, &o, dir, err);
    }
    if (now)
        GEOSGeom_destroy_r(fc_worker_geos(w), now);
    fc_advance_destroy(adv);
    fc_forecast_destroy(fc);
    return st;
}
