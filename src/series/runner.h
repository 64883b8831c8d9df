/*
 * Runs a computation over every snapshot of a series on worker threads
 * (internal to libfrontcast).
 *
 * The snapshots to visit are cut into runs of consecutive dates. A thread
 * takes a run, makes a fresh state for it (task->begin), shows it the
 * snapshot before the run (record = false), so that anything computed
 * against "the previous snapshot" is right from the run's first date, then
 * each snapshot of the run in date order (record = true). A thread out of
 * runs takes the later half of the longest run another has left, as a new
 * run: a fresh state costs a whole snapshot's work, so runs are split only
 * as threads would otherwise idle.
 */
#ifndef FRONTCAST_SERIES_RUNNER_H
#define FRONTCAST_SERIES_RUNNER_H

#include <stdbool.h>

#include "frontcast/areas.h"

typedef struct fc_snapshot_task {
    /* Per-run state (may return NULL for none); errors go to err. */
    fc_status (*begin)(fc_worker *w, void *ctx, void **state, fc_error *err);
    void (*end)(fc_worker *w, void *ctx, void *state);
    /* Snapshot i as a valid polygon in the working CRS. Only record = true
     * calls may store results; both must update the state. */
    fc_status (*visit)(fc_worker *w, void *ctx, void *state, size_t i, const GEOSGeometry *control,
                       bool record, fc_error *err);
} fc_snapshot_task;

typedef struct fc_run_options {
    int threads;             /* <= 0: all cores */
    const char *crs;         /* the working CRS */
    const fc_diag *diag;
    fc_progress_fn progress;
    void *progress_user;
    const bool *only;        /* visit (record) only these snapshots; NULL: all */
    char **read_errors;      /* if not NULL: a snapshot that cannot be read is
                                not an error; its message goes here (newly
                                allocated) and the task never sees it */
} fc_run_options;

/* Time spent, summed over threads: reading, and in visit. */
typedef struct fc_run_timing {
    double read_s, prepare_s, visit_s;
    size_t snapshots, repaired;
    int threads;
} fc_run_timing;

/* Runs task over series; the first error stops every thread and is
 * returned. timing may be NULL. */
fc_status fc_series_run(const fc_series *series, const fc_snapshot_task *task, void *ctx,
                        const fc_run_options *opts, fc_run_timing *timing, fc_error *err);

/*
 * Reads the snapshots a run will visit first (opts->only, opts->crs, in
 * date order) on a thread of its own, until fc_series_prefetch_stop: for
 * the time the caller spends on one core before fc_series_run (building
 * the border, half a second on the oblasts). Only for a series that keeps
 * its reads (fc_series_keep_reads), which the run then finds read; NULL
 * (nothing started) otherwise or when no thread is to be had. The warnings
 * of a read are passed on only when it succeeds: a failed one is the
 * run's to report. opts must outlive the prefetch.
 */
typedef struct fc_prefetch fc_prefetch;
fc_prefetch *fc_series_prefetch_start(const fc_series *series, const fc_run_options *opts);
/* Stops after the read under way; accepts NULL. */
void fc_series_prefetch_stop(fc_prefetch *p);

#endif
