#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "series/runner.h"

typedef struct job {
    const fc_series *series;
    const fc_snapshot_task *task;
    void *ctx;
    const fc_run_options *opts;
    size_t *chunk;           /* chunk c is [chunk[2c], chunk[2c + 1]) */
    size_t nchunks, nwork;
    atomic_size_t next_chunk;
    atomic_size_t done;
    atomic_int failed;
    pthread_mutex_t lock; /* guards err and timing */
    fc_error err;
    fc_run_timing timing;
} job;

static void fail(job *j, const fc_error *e)
{
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->failed)) {
        j->err = *e;
        atomic_store(&j->failed, 1);
    }
    pthread_mutex_unlock(&j->lock);
}

/* Reads snapshot i and shows it to the task. */
static fc_status visit_one(job *j, fc_worker *w, void *state, size_t i, bool record,
                           fc_run_timing *tm, fc_error *err)
{
    GEOSGeometry *control = NULL;
    fc_read_info info;
    /* Warnings only once per snapshot: from the run that records it. */
    fc_status st = fc_series_read(j->series, i, w, j->opts->crs, record ? j->opts->diag : NULL,
                                  &control, &info, err);
    tm->read_s += info.read_seconds;
    tm->prepare_s += info.prepare_seconds;
    if (st != FC_OK && record && j->opts->read_errors) {
        /* Left out: the next snapshot is measured against the one before. */
        j->opts->read_errors[i] = fc_strdup(err->msg);
        return j->opts->read_errors[i] ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    if (st != FC_OK)
        return st;
    double t0 = fc_now();
    st = j->task->visit(w, j->ctx, state, i, control, record, err);
    tm->visit_s += fc_now() - t0;
    if (st != FC_OK && !strstr(err->msg, fc_series_source(j->series, i))) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        fc_error_set(err, st, "%s: %s", fc_series_source(j->series, i), msg);
    }
    if (record) {
        tm->snapshots++;
        tm->repaired += (size_t)info.repaired;
    }
    GEOSGeom_destroy_r(fc_worker_geos(w), control);
    return st;
}

static void *worker_main(void *arg)
{
    job *j = arg;
    fc_run_timing tm = {0};
    fc_error err = {0};
    fc_worker *w = fc_worker_create();
    if (!w) {
        fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        fail(j, &err);
        return NULL;
    }
    for (;;) {
        size_t c = atomic_fetch_add(&j->next_chunk, 1);
        if (c >= j->nchunks || atomic_load(&j->failed))
            break;
        size_t start = j->chunk[2 * c], end = j->chunk[2 * c + 1];
        void *state = NULL;
        fc_status st = j->task->begin(w, j->ctx, &state, &err);
        const bool began = st == FC_OK;
        /* The snapshot before the run. If it cannot be read, the run that
         * owns it reports the error (with its warnings); here it only
         * means no "previous" for the first date, and the job fails anyway. */
        if (st == FC_OK && start > 0) {
            fc_error ignored;
            visit_one(j, w, state, start - 1, false, &tm, &ignored);
        }
        for (size_t i = start; st == FC_OK && i < end && !atomic_load(&j->failed); i++) {
            st = visit_one(j, w, state, i, true, &tm, &err);
            size_t done = atomic_fetch_add(&j->done, 1) + 1;
            if (st == FC_OK && j->opts->progress)
                j->opts->progress(j->opts->progress_user, done, j->nwork);
        }
        if (began)
            j->task->end(w, j->ctx, state);
        if (st != FC_OK) {
            fail(j, &err);
            break;
        }
    }
    pthread_mutex_lock(&j->lock);
    j->timing.read_s += tm.read_s;
    j->timing.prepare_s += tm.prepare_s;
    j->timing.visit_s += tm.visit_s;
    j->timing.snapshots += tm.snapshots;
    j->timing.repaired += tm.repaired;
    pthread_mutex_unlock(&j->lock);
    fc_worker_destroy(w);
    return NULL;
}

/* Cuts the snapshots to visit into runs of consecutive ones, none longer
 * than max_len. Returns the count; chunk[] has room for 2 n entries. */
static size_t make_chunks(size_t n, const bool *only, size_t max_len, size_t *chunk)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (only && !only[i]) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && (!only || only[i]) && i - start < max_len)
            i++;
        chunk[2 * k] = start;
        chunk[2 * k + 1] = i;
        k++;
    }
    return k;
}

fc_status fc_series_run(const fc_series *series, const fc_snapshot_task *task, void *ctx,
                        const fc_run_options *opts, fc_run_timing *timing, fc_error *err)
{
    const size_t n = fc_series_count(series);
    size_t nwork = 0;
    for (size_t i = 0; i < n; i++)
        nwork += !opts->only || opts->only[i];
    const int threads = fc_thread_count(opts->threads, nwork);
    job j;
    memset(&j, 0, sizeof j);
    j.series = series;
    j.task = task;
    j.ctx = ctx;
    j.opts = opts;
    j.nwork = nwork;
    j.chunk = malloc(2 * (n + 1) * sizeof *j.chunk);
    if (!j.chunk)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    /* Several runs per thread balance the load; each run costs one extra
     * read (the snapshot before it), so not too many. */
    size_t pieces = threads == 1 ? 1 : (size_t)threads * 4;
    j.nchunks = make_chunks(n, opts->only, (nwork + pieces - 1) / (pieces ? pieces : 1) + 1, j.chunk);
    pthread_mutex_init(&j.lock, NULL);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    fc_status st = FC_OK;
    int started = 0;
    for (; tids && started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker_main, &j) != 0)
            break;
    if (started == 0)
        st = fc_error_set(err, FC_ERR_NOMEM, "cannot start worker threads");
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (st == FC_OK && atomic_load(&j.failed))
        st = fc_error_set(err, j.err.code, "%s", j.err.msg);
    if (timing) {
        *timing = j.timing;
        timing->threads = threads;
    }
    pthread_mutex_destroy(&j.lock);
    free(tids);
    free(j.chunk);
    return st;
}
