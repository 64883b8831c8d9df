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

/* What the store knows of a (zone set, snapshot): controlled areas (m2)
 * of the nz zones and the whole layer, then their border slivers (2 (nz +
 * 1) values). *found false if nothing. */
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

#endif
