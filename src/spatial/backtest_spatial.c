/* The spatial backtest of the arrival model against a uniform buffer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/spatial.h"
#include "geo/worker.h"
#include "spatial/backtest.h"

/* Cell counts of one model and horizon over the origins. */
typedef struct counts {
    size_t n;
    double tp, fp, fn;
} counts;

fc_arrival_backtest_options fc_arrival_backtest_resolve(const fc_arrival_backtest_options *given,
                                                        const fc_arrival_backtest_options *def)
{
    fc_arrival_backtest_options o = *given;
    if (o.nhorizons == 0) {
        o.horizons = def->horizons;
        o.nhorizons = def->nhorizons;
    }
    if (o.every_days <= 0)
        o.every_days = def->every_days;
    if (o.window_days <= 0)
        o.window_days = def->window_days;
    if (o.cell_m <= 0)
        o.cell_m = def->cell_m;
    return o;
}

fc_arrival_backtest_options fc_spatial_backtest_defaults(void)
{
    static const int horizons[] = {90, 180};
    return (fc_arrival_backtest_options){.every_days = 60, .horizons = horizons, .nhorizons = 2,
                                         .window_days = FC_DEFAULT_WINDOW_DAYS,
                                         .model = FC_MODEL_PACE, .cell_m = FC_DEFAULT_CELL_M,
                                         .bootstrap = FC_DEFAULT_BOOTSTRAP,
                                         .seed = FC_DEFAULT_SEED};
}

fc_status fc_spatial_backtest(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                              const fc_area_table *table, const fc_arrival_backtest_options *in,
                              fc_spatial_score **scores, size_t *nscores, size_t *norigins,
                              fc_error *err)
{
    *scores = NULL;
    *nscores = 0;
    *norigins = 0;
    const fc_arrival_backtest_options def = fc_spatial_backtest_defaults();
    const fc_arrival_backtest_options o = fc_arrival_backtest_resolve(in, &def);
    int maxh, minh;
    fc_int_range(o.horizons, o.nhorizons, &minh, &maxh);
    const size_t nd = fc_series_count(series);
    if (nd < 2)
        return fc_error_set(err, FC_ERR_EMPTY, "a backtest needs at least two snapshots");
    const fc_day first = fc_series_date(series, 0) + o.window_days;
    const fc_day last = fc_series_date(series, nd - 1) - minh;
    if (first > last)
        return fc_error_set(err, FC_ERR_EMPTY,
                            "the series is too short for a %d-day window and a %d-day horizon",
                            o.window_days, minh);
    counts *acc = calloc(2 * o.nhorizons, sizeof *acc);
    fc_gain_curve *gains = calloc(zs->n + 1, sizeof *gains);
    fc_frontier *fr = NULL;
    uint8_t *later = NULL;
    fc_status st = acc && gains
                       ? fc_frontier_create(w, zs, FC_BORDER_TOLERANCE_M, 1, NULL, &fr, err)
                       : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    size_t total = (size_t)((last - first) / o.every_days) + 1, done = 0;
    for (fc_day origin = first; st == FC_OK && origin <= last; origin += o.every_days) {
        GEOSGeometry *now = NULL, *then = NULL;
        size_t inow = 0, ithen = 0;
        fc_arrival *arr[2] = {NULL, NULL};
        st = fc_series_control_at(series, origin, w, zs->crs, NULL, &inow, &now, err);
        if (st == FC_OK)
            st = fc_series_control_at(series, origin - o.window_days, w, zs->crs, NULL, &ithen,
                                      &then, err);
        if (st == FC_OK)
            st = fc_gain_curves(table, zs, origin,
                                &(fc_gain_options){o.model, o.window_days, maxh, o.bootstrap,
                                                   o.seed, o.model_intervals, NULL},
                                gains, err);
        for (int m = 0; m < 2 && st == FC_OK; m++) {
            fc_arrival_options ao = {.cell_m = o.cell_m,
                                     .window_days = (int)(fc_series_date(series, inow) -
                                                          fc_series_date(series, ithen)),
                                     .uniform_speed = m == 1};
            st = fc_arrival_compute(w, zs, fr, now, then, gains, &ao, &arr[m], err);
        }
        const size_t nc = st == FC_OK ? (size_t)arr[0]->grid.nx * (size_t)arr[0]->grid.ny : 0;
        if (st == FC_OK && !later && !(later = malloc(nc)))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k < o.nhorizons && st == FC_OK; k++) {
            /* What was actually gained by origin + h. */
            fc_day want = origin + o.horizons[k];
            size_t ilater = 0;
            GEOSGeometry *g = NULL;
            st = fc_series_control_at(series, want, w, zs->crs, NULL, &ilater, &g, err);
            if (st != FC_OK)
                break;
            if (fc_series_date(series, ilater) < want - FC_OUTCOME_SLACK_DAYS || ilater <= inow) {
                GEOSGeom_destroy_r(w->geos, g);
                continue; /* a gap in the archive */
            }
            memset(later, 0, nc);
            fc_grid_fill(w, &arr[0]->grid, g, later, 1);
            GEOSGeom_destroy_r(w->geos, g);
            for (int m = 0; m < 2; m++) {
                counts *a = &acc[(size_t)m * o.nhorizons + k];
                const fc_arrival *ar = arr[m];
                a->n++;
                for (size_t c = 0; c < nc; c++) {
                    if (ar->zone[c] < 0 || ar->controlled[c])
                        continue;
                    bool pred = ar->days[c] <= o.horizons[k], act = later[c] != 0;
                    a->tp += pred && act;
                    a->fp += pred && !act;
                    a->fn += !pred && act;
                }
            }
        }
        fc_arrival_destroy(arr[0]);
        fc_arrival_destroy(arr[1]);
        fc_gain_curves_free(gains, zs->n);
        if (now)
            GEOSGeom_destroy_r(w->geos, now);
        if (then)
            GEOSGeom_destroy_r(w->geos, then);
        (*norigins)++;
        if (o.progress)
            o.progress(o.progress_user, ++done, total);
    }
    if (st == FC_OK && !(*scores = calloc(2 * o.nhorizons, sizeof **scores)))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK) {
        const double cell_km2 = pow(o.cell_m > 0 ? o.cell_m / 1000 : 1, 2);
        for (size_t i = 0; i < 2 * o.nhorizons; i++) {
            const counts *a = &acc[i];
            fc_spatial_score *s = &(*scores)[i];
            s->model = i < o.nhorizons ? "arrival" : "uniform-buffer";
            s->horizon_days = o.horizons[i % o.nhorizons];
            s->n = a->n;
            s->precision = a->tp + a->fp > 0 ? a->tp / (a->tp + a->fp) : NAN;
            s->recall = a->tp + a->fn > 0 ? a->tp / (a->tp + a->fn) : NAN;
            s->iou = a->tp + a->fp + a->fn > 0 ? a->tp / (a->tp + a->fp + a->fn) : NAN;
            s->predicted_km2 = (a->tp + a->fp) * cell_km2;
            s->actual_km2 = (a->tp + a->fn) * cell_km2;
        }
        *nscores = 2 * o.nhorizons;
    }
    fc_frontier_destroy(w, fr);
    free(later);
    free(gains);
    free(acc);
    return st;
}
