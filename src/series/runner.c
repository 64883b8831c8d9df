#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "series/runner.h"

/* A run a thread is visiting: snapshots [next, end) are still to come. */
typedef struct span {
    size_t next, end;
} span;

typedef struct job {
    const fc_series *series;
    const fc_snapshot_task *task;
    void *ctx;
    const fc_run_options *opts;
    size_t *chunk;           /* chunk c is [chunk[2c], chunk[2c + 1]) */
    size_t nchunks, nwork;
    size_t next_chunk;       /* guarded by lock, as spans */
    span *spans;             /* per thread */
    int nthreads;
    atomic_size_t done;
    atomic_int failed;
    pthread_mutex_t lock; /* guards next_chunk, spans, err and timing */
    fc_error err;
    fc_run_timing timing;
} job;

typedef struct worker_arg {
    job *j;
    int me; /* the thread's span */
} worker_arg;

/* A run shorter than this is not split: the thief's fresh state costs
 * about as much as a month of snapshots measured against the one before. */
#define MIN_SPLIT 32

static void fail(job *j, const fc_error *e)
{
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->failed)) {
        j->err = *e;
        atomic_store(&j->failed, 1);
    }
    pthread_mutex_unlock(&j->lock);
}

/*
 * The next snapshot thread me visits, in *i; false when none is left.
 * *fresh: it begins a new run. Past its own run, a thread takes the next
 * run of the series, else the later half of the longest run another
 * thread has left: each new run costs a fresh state (everything computed
 * again, not against the snapshot before), so runs are split only as
 * threads run out of work, not cut in advance.
 */
static bool take(job *j, int me, size_t *i, bool *fresh)
{
    pthread_mutex_lock(&j->lock);
    span *s = &j->spans[me];
    *fresh = s->next >= s->end;
    if (*fresh && j->next_chunk < j->nchunks) {
        s->next = j->chunk[2 * j->next_chunk];
        s->end = j->chunk[2 * j->next_chunk + 1];
        j->next_chunk++;
    } else if (*fresh) {
        span *longest = NULL;
        for (int t = 0; t < j->nthreads; t++)
            if (t != me && (!longest || j->spans[t].end - j->spans[t].next >
                                            longest->end - longest->next))
                longest = &j->spans[t];
        const size_t left = longest ? longest->end - longest->next : 0;
        if (left >= MIN_SPLIT) {
            s->end = longest->end;
            s->next = longest->end = longest->next + left / 2;
        }
    }
    const bool more = s->next < s->end;
    if (more)
        *i = s->next++;
    pthread_mutex_unlock(&j->lock);
    return more;
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
    const worker_arg *a = arg;
    job *j = a->j;
    fc_run_timing tm = {0};
    fc_error err = {0};
    fc_worker *w = fc_worker_create();
    if (!w) {
        fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        fail(j, &err);
        return NULL;
    }
    void *state = NULL;
    bool began = false, fresh;
    size_t i;
    fc_status st = FC_OK;
    while (st == FC_OK && !atomic_load(&j->failed) && take(j, a->me, &i, &fresh)) {
        if (fresh) {
            if (began)
                j->task->end(w, j->ctx, state);
            state = NULL;
            st = j->task->begin(w, j->ctx, &state, &err);
            began = st == FC_OK;
            /* The snapshot before the run. If it cannot be read, the run
             * that owns it reports the error (with its warnings); here it
             * only means no "previous" for the first date, and the job
             * fails anyway. */
            if (st == FC_OK && i > 0) {
                fc_error ignored;
                visit_one(j, w, state, i - 1, false, &tm, &ignored);
            }
        }
        if (st == FC_OK)
            st = visit_one(j, w, state, i, true, &tm, &err);
        size_t done = atomic_fetch_add(&j->done, 1) + 1;
        if (st == FC_OK && j->opts->progress)
            j->opts->progress(j->opts->progress_user, done, j->nwork);
    }
    if (began)
        j->task->end(w, j->ctx, state);
    if (st != FC_OK)
        fail(j, &err);
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

/* Cuts the snapshots to visit into runs of consecutive ones. Returns the
 * count; chunk[] has room for 2 n entries. */
static size_t make_chunks(size_t n, const bool *only, size_t *chunk)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (only && !only[i]) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && (!only || only[i]))
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
    j.spans = calloc((size_t)threads, sizeof *j.spans);
    worker_arg *args = calloc((size_t)threads, sizeof *args);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (!j.chunk || !j.spans || !args || !tids) {
        free(j.chunk);
        free(j.spans);
        free(args);
        free(tids);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    j.nchunks = make_chunks(n, opts->only, j.chunk);
    j.nthreads = threads;
    pthread_mutex_init(&j.lock, NULL);
    fc_status st = FC_OK;
    int started = 0;
    for (; started < threads; started++) {
        args[started] = (worker_arg){&j, started};
        if (pthread_create(&tids[started], NULL, worker_main, &args[started]) != 0)
            break;
    }
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
    free(args);
    free(j.spans);
    free(j.chunk);
    return st;
}

/* ---- reading ahead ------------------------------------------------------ */

/* A read's warnings, held until it is known to have succeeded. */
typedef struct held_warnings {
    char **msg;
    size_t n, cap;
    bool lost; /* out of memory: the read is dropped, not kept silent */
} held_warnings;

static void hold_warning(void *user, const char *msg)
{
    held_warnings *h = user;
    char **m = fc_grow(h->msg, &h->cap, h->n, sizeof *m, 8);
    char *copy = m ? fc_strdup(msg) : NULL;
    if (m)
        h->msg = m;
    if (!copy) {
        h->lost = true;
        return;
    }
    h->msg[h->n++] = copy;
}

struct fc_prefetch {
    const fc_series *series;
    const fc_run_options *opts;
    atomic_int stop;
    pthread_t thread;
};

static void *prefetch_main(void *arg)
{
    fc_prefetch *p = arg;
    fc_worker *w = fc_worker_create();
    const size_t n = fc_series_count(p->series);
    held_warnings h = {0};
    const fc_diag hold = {hold_warning, &h};
    for (size_t i = 0; w && i < n && !atomic_load(&p->stop); i++) {
        if (p->opts->only && !p->opts->only[i])
            continue;
        GEOSGeometry *g = NULL;
        fc_error e;
        /* With warnings, as the run's own read of it would be: kept so, it
         * serves that read. */
        const fc_status st = fc_series_read(p->series, i, w, p->opts->crs,
                                            p->opts->diag ? &hold : NULL, &g, NULL, &e);
        if (g)
            GEOSGeom_destroy_r(fc_worker_geos(w), g);
        const bool ok = st == FC_OK && !h.lost;
        for (size_t k = 0; k < h.n; k++) {
            if (ok)
                fc_warn(p->opts->diag, "%s", h.msg[k]);
            free(h.msg[k]);
        }
        h.n = 0;
        if (!ok)
            break; /* the run reads it again and tells */
    }
    free(h.msg);
    fc_worker_destroy(w);
    return NULL;
}

fc_prefetch *fc_series_prefetch_start(const fc_series *series, const fc_run_options *opts)
{
    if (!fc_series_keeps_reads(series, opts->crs) || fc_thread_count(opts->threads, 2) < 2)
        return NULL;
    fc_prefetch *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->series = series;
    p->opts = opts;
    atomic_init(&p->stop, 0);
    if (pthread_create(&p->thread, NULL, prefetch_main, p) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void fc_series_prefetch_stop(fc_prefetch *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    pthread_join(p->thread, NULL);
    free(p);
}
