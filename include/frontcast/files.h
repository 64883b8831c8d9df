/*
 * Files as a run nobody watches needs them: outputs written whole or not at
 * all, one run at a time per folder, content identified by its hash.
 *
 * Every output is written to a temporary file in the destination folder and
 * renamed into place when complete, so a reader (QGIS, a cron job) never
 * sees half a file and a failed run leaves the previous output intact.
 */
#ifndef FRONTCAST_FILES_H
#define FRONTCAST_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "frontcast/frontcast.h"

/* An output file being written. */
typedef struct fc_atomic {
    char *path;  /* final path, owned */
    char *tmp;   /* temporary path in the same folder, owned */
    FILE *f;     /* open on tmp when begun with a stream, else NULL */
    bool finished; /* fc_atomic_finish done: tmp complete, synced, closed */
} fc_atomic;

/* Starts writing path: picks a temporary name beside it (same extension,
 * so that GDAL drivers recognise it) and, if with_stream, opens it. */
fc_status fc_atomic_begin(const char *path, bool with_stream, fc_atomic *a, fc_error *err);
/* Starts updating path (an existing file) as a whole: fc_atomic_begin, and
 * the temporary file made a copy of path, for the writer to change and
 * commit. The final file is never written in place, so a failed update
 * leaves it as it was. */
fc_status fc_atomic_begin_copy(const char *path, fc_atomic *a, fc_error *err);
/* Flushes, checks, syncs and closes the temporary file, without renaming
 * it: for outputs that go in together, every write is known good before
 * any takes its name. On failure a is aborted. */
fc_status fc_atomic_finish(fc_atomic *a, fc_error *err);
/* fc_atomic_finish (if not done), then renames the temporary file onto the
 * final path and syncs the folder. */
fc_status fc_atomic_commit(fc_atomic *a, fc_error *err);
/* Removes the temporary file; safe after commit and on a zeroed fc_atomic. */
void fc_atomic_abort(fc_atomic *a);

/* Removes the temporary files fc_atomic_begin left in dir (a writer killed
 * before it could commit or abort). Only for a caller that knows no other
 * process writes there, e.g. one holding the folder's lock. Returns the
 * count removed. */
size_t fc_atomic_sweep(const char *dir);

/* "dir/name", newly allocated (free()); NULL when out of memory. */
char *fc_path_join(const char *dir, const char *name);

/* Creates folder dir if it does not exist (one level). */
fc_status fc_ensure_dir(const char *dir, fc_error *err);

/*
 * Takes an exclusive flock on path (created if missing), waiting up to
 * wait_s seconds; *busy tells a lock held by another run from other
 * failures. Release with fc_lock_release(*fd).
 */
fc_status fc_lock_acquire(const char *path, double wait_s, int *fd, bool *busy, fc_error *err);
void fc_lock_release(int fd);

/* SHA-256 of a buffer, as 64 hex digits and a NUL. */
void fc_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
