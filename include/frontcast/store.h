/*
 * The incremental store: per-snapshot results kept in SQLite between runs,
 * keyed by the snapshot's content (SHA-256) and the zone set's, so that a
 * scheduled run overlays only what is new or changed. Every write is one
 * transaction: a run killed part-way leaves the store as it was before.
 */
#ifndef FRONTCAST_STORE_H
#define FRONTCAST_STORE_H

#include <stdbool.h>

#include "frontcast/areas.h"
#include "frontcast/spatial.h"

typedef struct fc_store fc_store;

/* Opens (creating) the store at path. Newly allocated; fc_store_close(). */
fc_status fc_store_open(const char *path, fc_store **out, fc_error *err);
/* Accepts NULL. */
void fc_store_close(fc_store *s);

/*
 * fc_store_open, for a run nobody watches: a store that is not a SQLite
 * database or fails SQLite's quick_check is moved aside to
 * PATH.corrupt-<UTC time> (moved gets that name; "" when nothing was
 * moved) and a new one is made: everything in it can be computed again
 * from the inputs. Other failures (permissions) stay errors.
 */
fc_status fc_store_open_recover(const char *path, fc_store **out, char *moved, size_t moved_size,
                                fc_error *err);

/* SHA-256 of a file as 64 hex digits and a NUL. The store remembers it
 * with the file's size and modification time, so an unchanged file is not
 * read again. */
fc_status fc_store_file_hash(fc_store *s, const char *path, char hex[65], fc_error *err);

/* The content key of snapshot i: its file's SHA-256 for a folder series;
 * for one source of many dates, the source's hash and the date. */
fc_status fc_store_snapshot_key(fc_store *store, const fc_series *s, size_t i, char key[65],
                                fc_error *err);

/* SHA-256 of a buffer, as hex. */
void fc_sha256_hex(const void *data, size_t len, char hex[65]);

/* What the store knows of a (zone set, snapshot): controlled areas (m2)
 * of the nz zones and the whole layer (nz + 1 values). *found false if
 * nothing. */
fc_status fc_store_get_areas(fc_store *s, const char *zones_key, const char *snap, size_t nz,
                             double *controlled, bool *found, fc_error *err);
/* Gains and losses (m2, nz + 1 each) of snapshot snap after prev. */
fc_status fc_store_get_gains(fc_store *s, const char *zones_key, const char *prev,
                             const char *snap, size_t nz, double *gained, double *lost,
                             bool *found, fc_error *err);
/* Why a snapshot's content was quarantined (newly allocated), or NULL. */
fc_status fc_store_get_quarantine(fc_store *s, const char *snap, char **reason, fc_error *err);

/* Writes: between fc_store_begin and fc_store_commit (one transaction). */
fc_status fc_store_begin(fc_store *s, fc_error *err);
fc_status fc_store_commit(fc_store *s, fc_error *err);
fc_status fc_store_put_areas(fc_store *s, const char *zones_key, const char *snap, size_t nz,
                             const double *controlled, fc_error *err);
fc_status fc_store_put_gains(fc_store *s, const char *zones_key, const char *prev,
                             const char *snap, size_t nz, const double *gained,
                             const double *lost, fc_error *err);
fc_status fc_store_put_quarantine(fc_store *s, const char *snap, const char *reason,
                                  fc_error *err);

/* Opaque results by content key (e.g. a snapshot's geometry results):
 * *data newly allocated, NULL with *found false when the key is unknown. */
fc_status fc_store_get_blob(fc_store *s, const char *key, void **data, size_t *size, bool *found,
                            fc_error *err);
/* Between fc_store_begin and fc_store_commit. */
fc_status fc_store_put_blob(fc_store *s, const char *key, const void *data, size_t size,
                            fc_error *err);

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
 * The geometry results of every snapshot, reusing the store like
 * fc_update_areas (run that first: quarantined snapshots are gone from the
 * series): the controlled polygon of every zone (lon/lat WKB, set as
 * table->wkb for the zones' rows; the whole-layer rows stay NULL) and the
 * front lines (*fronts newly allocated, fc_frontlines_destroy). Only
 * snapshots the store does not know are overlaid; stats->computed counts
 * them.
 */
fc_status fc_update_observed(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                             const fc_update_options *opts, fc_area_table *table,
                             fc_frontlines **fronts, fc_update_stats *stats, fc_error *err);

/* Removes snapshot i from a series (for quarantine). */
void fc_series_drop(fc_series *s, size_t i);

/*
 * Takes an exclusive flock on path (created if missing), waiting up to
 * wait_s seconds; *busy tells a lock held by another run from other
 * failures. Release with fc_lock_release(*fd).
 */
fc_status fc_lock_acquire(const char *path, double wait_s, int *fd, bool *busy, fc_error *err);
void fc_lock_release(int fd);

#endif
