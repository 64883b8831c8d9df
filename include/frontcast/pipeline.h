/*
 * The scheduled run: every stage into one folder, incrementally, safe to
 * run from cron (what `frontcast run` calls).
 *
 * Stages, in order: areas (through the store: only snapshots it lacks are
 * overlaid; suspicious new ones quarantined), forecast, the places'
 * observed timeline, advance, the map layers (GeoPackage, PostGIS), the
 * pictures and the report page, and last the manifest. A lock keeps two
 * runs apart; every output is written to a temporary file and renamed; the
 * manifest is removed before the first output is rewritten and written
 * after the last, so its signature only ever describes complete outputs.
 *
 * The signature is the SHA-256 of the version, the zones (file hash, id
 * and name fields), the places file, the parameters (fc_run_parameters)
 * and every snapshot's date and content hash. A run whose signature
 * matches the manifest's, with every output present, only checks.
 */
#ifndef FRONTCAST_PIPELINE_H
#define FRONTCAST_PIPELINE_H

#include <json-c/json.h>

#include "frontcast/export.h"
#include "frontcast/forecast.h"
#include "frontcast/load.h"
#include "frontcast/plot.h"
#include "frontcast/store.h"

/* File names in the output folder. */
#define FC_RUN_MANIFEST "manifest.json"
#define FC_RUN_STATE "state.sqlite"
#define FC_RUN_LOCK ".frontcast.lock"
#define FC_DEFAULT_RUN_OUTPUT "out"
/* Days after which the newest snapshot is stale (0: no alarm). */
#define FC_DEFAULT_MAX_AGE_DAYS 3

/* The incremental update of the areas and of the observed layers through
 * the store (stage 1 and the map layers' input). */

/* Counts of an incremental update. */
typedef struct fc_update_stats {
    size_t reused, computed, quarantined;
    size_t primed;           /* predecessors read again for gains */
} fc_update_stats;

/* One quarantined snapshot of an update. */
typedef struct fc_quarantined {
    char *path;
    fc_day date;
    char *reason;
} fc_quarantined;

/* A snapshot that gains or loses more than this a day on the previous one
 * is quarantined: a front does not move that fast, a broken file does. */
#define FC_DEFAULT_MAX_DAILY_CHANGE_KM2 2000.0

typedef struct fc_update_options {
    fc_areas_options areas;       /* threads, tiles, diag, progress */
    double max_daily_change_km2;  /* <= 0: FC_DEFAULT_MAX_DAILY_CHANGE_KM2 */
    fc_day today;                 /* snapshots dated later are quarantined */
    const char *zones_key;        /* identifies the zone set and parameters */
    const fc_result_cache *cache; /* the library's (cache.h), for what is not
                                     per snapshot (the frontier); NULL: none */
} fc_update_options;

/*
 * The area table of a folder series, reusing the store: snapshots whose
 * content the store knows are not overlaid again. A new snapshot that
 * cannot be read, has no polygon, is dated after today, or gains or loses
 * more than max_daily_change_km2 a day is quarantined: left out of the
 * series (removed from *series), recorded with its reason, and reported in
 * *quarantined (newly allocated array; fc_quarantined_free). The store is
 * updated in one transaction. *out newly allocated.
 */
fc_status fc_update_areas(fc_store *store, const fc_zoneset *zs, fc_series *series,
                          const fc_update_options *opts, fc_area_table **out,
                          fc_update_stats *stats, fc_quarantined **quarantined, size_t *nq,
                          fc_error *err);
void fc_quarantined_free(fc_quarantined *q, size_t n);

/*
 * The geometry results of the snapshots from index `from` on (0: all),
 * reusing the store like fc_update_areas (run that first: quarantined
 * snapshots are gone from the series): the controlled polygon of every
 * zone (lon/lat WKB, set as table->wkb for the zones' rows; the
 * whole-layer rows stay NULL) and the front lines (*fronts newly
 * allocated, fc_frontlines_destroy; one row per snapshot, those before
 * `from` dated only). Only snapshots the store does not know are
 * overlaid; stats->computed counts them, stats->reused the others and
 * those before `from`.
 */
fc_status fc_update_observed(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                             const fc_update_options *opts, size_t from, fc_area_table *table,
                             fc_frontlines **fronts, fc_update_stats *stats, fc_error *err);

/*
 * fc_update_observed in two steps, so that the store's writes can go
 * beside what reads the results (the run writes its map layers meanwhile):
 * fc_observed_compute does everything but the writes, which it hands back
 * in *writes (newly allocated; on failure NULL, *fronts NULL).
 * fc_observed_write does them in one transaction and frees writes, failed
 * or not (fc_observed_writes_free frees them undone). The writes only read
 * table and *fronts, which must outlive them unchanged.
 */
typedef struct fc_observed_writes fc_observed_writes;
fc_status fc_observed_compute(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                              const fc_update_options *opts, size_t from, fc_area_table *table,
                              fc_frontlines **fronts, fc_update_stats *stats,
                              fc_observed_writes **writes, fc_error *err);
fc_status fc_observed_write(fc_observed_writes *writes, fc_error *err);
void fc_observed_writes_free(fc_observed_writes *writes);

/*
 * What each snapshot's rows of the map layers (control, front_line) are
 * made from, as a key: its polygons' and front line's store keys and the
 * next snapshot's date (the rows' valid_to). keys: one per snapshot. An
 * output holding rows of the same keys holds those rows.
 */
fc_status fc_observed_row_keys(fc_store *store, const fc_series *series, const char *zones_key,
                               char (*keys)[65], fc_error *err);

/*
 * Whether the map file at path (a GeoPackage this pipeline wrote) can be
 * updated rather than written whole: *from is the first snapshot whose
 * rows (keys, fc_observed_row_keys) it lacks or holds otherwise, or 0
 * when it must be written whole: no file, none recorded (fc_map_file_record),
 * other zones, held figures (held_basis: fc_held_basis), GDAL options or
 * frontcast version, or a file changed since (by its identity: device,
 * inode, size, modification and change times).
 */
fc_status fc_map_file_plan(fc_store *store, const char *path, const char *zones_key,
                           const char *held_basis, char (*keys)[65], size_t n, size_t *from,
                           fc_error *err);
/* Records in the store that the file at path, as it is now, holds the rows
 * of keys: after it was written and took its name. */
fc_status fc_map_file_record(fc_store *store, const char *path, const char *zones_key,
                             const char *held_basis, char (*keys)[65], size_t n, fc_error *err);

/* How a run ended (the command's exit status). */
typedef enum fc_run_outcome {
    FC_RUN_DONE = 0,
    FC_RUN_QUARANTINED = 3, /* completed without the quarantined snapshots */
    FC_RUN_STALE = 5        /* completed, but the newest snapshot is old */
} fc_run_outcome;

/*
 * Warnings printed and kept for the manifest: its diag forwards each
 * warning to `forward` (may be NULL) and keeps it. Thread-safe.
 * Newly allocated (fc_warning_log_destroy).
 */
typedef struct fc_warning_log fc_warning_log;
fc_warning_log *fc_warning_log_create(const fc_diag *forward);
const fc_diag *fc_warning_log_diag(fc_warning_log *log);
void fc_warning_log_destroy(fc_warning_log *log);

typedef struct fc_run_options {
    const char *output;            /* the folder (created if missing) */
    const char *state;             /* the store; NULL: output/FC_RUN_STATE */
    const char *places;            /* the places file */
    const char *pg;                /* also the map layers to this PostGIS target, or NULL */
    double wait_s;                 /* for another run's lock */
    double max_daily_change_km2;   /* quarantine above (fc_update_options) */
    int max_age_days;              /* stale alarm; 0: off */
    fc_day today;                  /* later snapshots are quarantined; FC_NO_DAY: the
                                      system's date (UTC), which the signature leaves out */
    int threads;                   /* <= 0: all cores */
    double tile_m;                 /* overlay tiles; <= 0: the default */
    bool raw_border;               /* held figures without the border sliver (areas.h) */
    fc_forecast_options forecast;  /* as_of ignored: the last snapshot */
    fc_model advance_model;        /* the rate the arrival model follows */
    int map_step_days;             /* projected fronts every ... days */
    double cell_m;                 /* the arrival grid */
    unsigned formats;              /* FC_OUT_* */
    bool plots;                    /* charts and maps (the report page always) */
    const char *source, *holder;   /* the pictures' data credit and holder; NULL: from the series */
    const char *zones_credit;      /* the pictures' zones credit */
    fc_warning_log *warnings;      /* where warnings go (and the manifest's); NULL: dropped */
    /* Progress of the long stages: progress(label, done, total) with the
     * stage's label as user; progress_end(progress_ctx) after each. */
    fc_progress_fn progress;
    void (*progress_end)(void *progress_ctx);
    void *progress_ctx;
} fc_run_options;

/* Every default set: output FC_DEFAULT_RUN_OUTPUT, today FC_NO_DAY, all models, FC_DEFAULT_* of model.h and spatial.h, csv and
 * geojson, plots. The forecast's lists point to static storage. */
void fc_run_defaults(fc_run_options *o);

/* Kinds of cached results a run counts (fc_run_result). */
#define FC_RUN_CACHE_KINDS 8

typedef struct fc_run_result {
    fc_run_outcome outcome;
    bool up_to_date;                /* nothing recomputed: the outputs matched */
    bool lock_busy;                 /* FC_ERR_IO because another run holds the lock */
    fc_update_stats stats;          /* snapshots reused, computed, quarantined */
    fc_update_stats layer_stats;    /* of the map layers */
    fc_day map_updated_from;        /* the GeoPackage updated from this date
                                       on (fc_map_file_plan); FC_NO_DAY:
                                       written whole, or none */
    /* What the library's cache (cache.h) gave, per kind of result: the
     * first word of its params without "-vN" ("places-timeline",
     * "place-predictions", "frontier"), in the order of kind; reused =
     * looked_up - computed. The forecast and the advance run side by side:
     * a calibration origin both need and neither found may be computed by
     * both, and counted twice (the results are the same). */
    struct {
        char kind[32];
        size_t looked_up, computed;
    } cached[FC_RUN_CACHE_KINDS];
    size_t ncached;
    fc_quarantined *quarantined;    /* this run's; owned (fc_run_result_clear) */
    size_t nquarantined;
    fc_day newest;                  /* the newest snapshot used */
    int age_days;                   /* today - newest */
    char moved_store[4200];         /* a damaged store moved aside to, or "" */
    double seconds;
} fc_run_result;

void fc_run_result_clear(fc_run_result *r);

/*
 * The parameters that decide the outputs, as the manifest records them:
 * a JSON object of option name to value (the PostGIS password masked).
 * Newly allocated (json_object_put).
 */
json_object *fc_run_parameters(const fc_run_options *o, const fc_zoneset *zs,
                               const fc_series *series);

/*
 * Runs every stage for the opened zones and series (see above). On
 * FC_OK, *r says how it ended; on error the outputs already renamed stay
 * (each complete), the manifest is absent, and r->lock_busy tells a held
 * lock from other failures. Clear *r with fc_run_result_clear either way.
 */
fc_status fc_run(fc_worker *w, const fc_zoneset *zs, fc_series *series, const fc_run_options *o,
                 fc_run_result *r, fc_error *err);

/*
 * What `frontcast plot` draws: the forecast of the arrival model's rate
 * model and window (ETAs for 100 %), the control area at its as-of date,
 * the arrival model (ao; its places file read from ao->places) and the
 * pictures (fc_plot_all) into dir. The pictures' source, holder and demo
 * stamp come from the series where po leaves them NULL (fc_series_*).
 */
fc_status fc_pictures_run(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                          const fc_area_table *table, const fc_advance_options *ao,
                          const fc_plot_options *po, const fc_diag *diag, const char *dir,
                          fc_error *err);

#endif
