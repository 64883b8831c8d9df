/* frontcast backtest --spatial and --places: the arrival model's backtests. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/backtest.h"
#include "frontcast/export.h"
#include "frontcast/places.h"
#include "frontcast/spatial.h"

fc_status cli_ensure_parent(const char *path, fc_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return FC_OK;
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return fc_ensure_dir(dir, err);
}

/* The first model and window, as the help says; origins as progress. */
static fc_arrival_backtest_options arrival_options(const backtest_args *a)
{
    return (fc_arrival_backtest_options){
        .every_days = a->every, .horizons = a->horizons, .nhorizons = a->nhorizons,
        .window_days = a->m.windows[0], .model = a->m.models[0], .cell_m = a->cell_m,
        .bootstrap = a->m.bootstrap, .seed = (uint64_t)a->m.seed,
        .model_intervals = a->m.model_intervals,
        .progress = a->common.progress ? cli_progress : NULL, .progress_user = "origins",
        .threads = a->in.threads};
}

int cli_backtest_spatial(const backtest_args *a)
{
    cli_warnings warn;
    cli_warnings_init(&warn, a->common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_spatial_score *scores = NULL;
    size_t nscores = 0, norigins = 0;
    fc_status st = cli_session_open(&ses, &a->in, &a->common, &warn, true, &err);
    if (st == FC_OK) {
        const fc_arrival_backtest_options so = arrival_options(a);
        st = fc_spatial_backtest(ses.w, ses.zs, ses.series, ses.table, &so, &scores, &nscores,
                                 &norigins, &err);
        cli_progress_end(&a->common);
    }
    if (st == FC_OK)
        st = cli_ensure_parent(a->output, &err);
    if (st == FC_OK)
        st = fc_write_spatial_backtest(scores, nscores, a->output, &err);
    if (st == FC_OK && !a->common.quiet) {
        printf("frontcast backtest --spatial: %zu origins every %d days, window %d days, "
               "calibrated to %s\n%-15s %7s %4s %9s %7s %7s %12s %10s\n",
               norigins, a->every, a->m.windows[0], fc_model_name(a->m.models[0]), "model", "horizon",
               "n", "precision", "recall", "IoU", "predicted", "actual");
        for (size_t i = 0; i < nscores; i++)
            printf("%-15s %7d %4zu %9.3f %7.3f %7.3f %9.0f km2 %6.0f km2\n", scores[i].model,
                   scores[i].horizon_days, scores[i].n, scores[i].precision, scores[i].recall,
                   scores[i].iou, scores[i].predicted_km2, scores[i].actual_km2);
    }
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    free(scores);
    cli_session_close(&ses);
    return rc;
}

int cli_backtest_places(const backtest_args *a)
{
    cli_warnings warn;
    cli_warnings_init(&warn, a->common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_places *pl = NULL;
    fc_place_history *hist = NULL;
    fc_place_score *scores = NULL;
    size_t nscores = 0, norigins = 0;
    char *places_path = cli_places_path(a->places_path);
    fc_status st = places_path ? fc_places_read(places_path, &pl, &err)
                                    : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = cli_session_open(&ses, &a->in, &a->common, &warn, true, &err);
    if (st == FC_OK)
        st = fc_places_timeline(
            ses.w, ses.zs, ses.series, pl,
            &(fc_places_timeline_options){a->in.threads, &warn.diag, NULL, NULL, NULL}, &hist,
            &err);
    if (st == FC_OK) {
        const fc_arrival_backtest_options po = arrival_options(a);
        st = fc_places_backtest(ses.w, ses.zs, ses.series, ses.table, pl, hist, &po, &scores,
                                &nscores, &norigins, &err);
        cli_progress_end(&a->common);
    }
    if (st == FC_OK)
        st = cli_ensure_parent(a->output, &err);
    if (st == FC_OK)
        st = fc_write_places_backtest(scores, nscores, a->output, &err);
    if (st == FC_OK && !a->common.quiet) {
        printf("frontcast backtest --places: %zu origins every %d days, window %d days, calibrated "
               "to %s (%s intervals)\n%-15s %7s %7s %9s %8s %5s %6s %6s %9s %6s %6s %5s %6s\n",
               norigins, a->every, a->m.windows[0], fc_model_name(a->m.models[0]),
               a->m.model_intervals ? "model" : "calibrated", "model", "horizon", "origins",
               "not held", "captured", "hits", "misses", "alarms", "med.err d", "cov80",
               "hi/lo", "cal n", "cal80");
        for (size_t i = 0; i < nscores; i++) {
            const fc_place_score *s = &scores[i];
            printf("%-15s %7d %7zu %9zu %8zu %5zu %6zu %6zu ", s->model, s->horizon_days, s->origins,
                   s->candidates, s->captured, s->hits, s->misses, s->false_alarms);
            if (s->captured)
                printf("%9.0f %6.2f %6.1f", s->median_abs_error_days,
                       (double)s->covered / (double)s->captured, s->median_hi_lo_ratio);
            else
                printf("%9s %6s %6s", "-", "-", "-");
            if (s->cal_captured)
                printf(" %5zu %6.2f\n", s->cal_captured,
                       (double)s->cal_covered / (double)s->cal_captured);
            else
                printf(" %5s %6s\n", "0", "-");
        }
    }
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    free(scores);
    free(hist);
    fc_places_destroy(pl);
    cli_session_close(&ses);
    free(places_path);
    return rc;
}
