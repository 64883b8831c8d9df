/* The backtest of arrival dates: projected against observed captures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/geodesy.h"
#include "frontcast/spatial.h"
#include "model/stats.h"
#include "spatial/backtest.h"

/* A growing list of values. */
typedef struct values {
    double *v;
    size_t n, cap;
} values;

static bool push(values *l, double x)
{
    double *v = fc_grow(l->v, &l->cap, l->n, sizeof *v, 64);
    if (!v)
        return false;
    l->v = v;
    l->v[l->n++] = x;
    return true;
}

/* One model and horizon over the origins. */
typedef struct place_acc {
    fc_place_score s;
    values errors;  /* absolute errors of the captures, days */
    values ratios;  /* hi80 / lo80 of the captures with a bounded interval */
} place_acc;

static bool add_error(place_acc *a, double e)
{
    return push(&a->errors, e);
}

static bool add_width(place_acc *a, double r)
{
    return push(&a->ratios, r);
}

/* Scores one (origin, place) prediction at horizon h: pred, lo, hi in days
 * after the origin (INFINITY: not within the gain curves), calibrated
 * whether lo, hi were, obs the days to its first_held (INFINITY: never). */
static bool score(place_acc *a, double h, double pred, double lo, double hi, bool calibrated,
                  double obs, double curve_days)
{
    const bool captured = obs <= h, predicted = pred <= h;
    a->s.candidates++;
    a->s.hits += captured && predicted;
    a->s.misses += captured && !predicted;
    a->s.false_alarms += !captured && predicted;
    if (!captured) {
        a->s.covered_free += !(hi <= h);
        return true;
    }
    a->s.captured++;
    /* An open-ended interval (no upper bound) does not cover a capture: it
     * never said "by then". A finite bound beyond the horizon does. */
    const bool covered = lo <= obs && obs <= hi && isfinite(hi);
    a->s.covered += covered;
    a->s.cal_captured += calibrated;
    a->s.cal_covered += calibrated && covered;
    if (isfinite(hi) && isfinite(lo) && !add_width(a, hi / fmax(lo, 1)))
        return false;
    return add_error(a, fabs(fmin(pred, curve_days) - obs));
}

fc_arrival_backtest_options fc_places_backtest_defaults(void)
{
    static const int horizons[] = {90, 180, 365};
    return (fc_arrival_backtest_options){.every_days = 30, .horizons = horizons, .nhorizons = 3,
                                        .window_days = FC_DEFAULT_WINDOW_DAYS,
                                        .model = FC_MODEL_PACE, .cell_m = FC_DEFAULT_CELL_M,
                                        .bootstrap = FC_DEFAULT_BOOTSTRAP,
                                        .seed = FC_DEFAULT_SEED};
}

fc_status fc_places_backtest(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                             const fc_area_table *table, const fc_places *places,
                             const fc_place_history *hist, const fc_arrival_backtest_options *in,
                             fc_place_score **scores, size_t *nscores, size_t *norigins,
                             fc_error *err)
{
    *scores = NULL;
    *nscores = 0;
    *norigins = 0;
    const fc_arrival_backtest_options def = fc_places_backtest_defaults();
    const fc_arrival_backtest_options o = fc_arrival_backtest_resolve(in, &def);
    int maxh, minh;
    fc_int_range(o.horizons, o.nhorizons, &minh, &maxh);
    const size_t nd = fc_series_count(series), np = places->n, nh = o.nhorizons;
    if (nd < 2)
        return fc_error_set(err, FC_ERR_EMPTY, "a backtest needs at least two snapshots");
    const fc_day first = fc_series_date(series, 0) + o.window_days;
    const fc_day end = fc_series_date(series, nd - 1);
    if (first > end - minh)
        return fc_error_set(err, FC_ERR_EMPTY,
                            "the series is too short for a %d-day window and a %d-day horizon",
                            o.window_days, minh);
    /* The gain curves reach twice the longest horizon, so that an arrival
     * just past it still has a date to be wrong by. */
    const int curve_days = 2 * maxh;
    place_acc *acc = calloc(2 * nh, sizeof *acc);
    double *xy = NULL;
    fc_place_predictions *pred[2] = {NULL, NULL};
    fc_status st = acc ? fc_places_xy(w, places, zs->crs, &xy, err)
                       : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    /* Every origin's predictions, both models: the later origins are
     * scored, calibrated on the earlier ones. */
    for (int m = 0; m < 2 && st == FC_OK; m++) {
        fc_place_prediction_options po = {first, end - minh, o.every_days, o.window_days,
                                          curve_days, o.model, o.cell_m,
                                          o.bootstrap, o.seed, m == 1, o.model_intervals,
                                          o.progress, o.progress_user, NULL, o.threads};
        st = fc_place_predictions_compute(w, zs, series, table, xy, hist, np, &po, &pred[m], err);
    }
    for (size_t k = 0; st == FC_OK && k < pred[0]->norigins; k++) {
        const fc_day origin = pred[0]->origin[k];
        for (int m = 0; m < 2 && st == FC_OK; m++) {
            fc_place_cal cal;
            if (o.model_intervals)
                memset(&cal, 0, sizeof cal);
            else
                fc_place_calibration_at(pred[m], hist, origin, &cal);

            for (size_t i = 0; st == FC_OK && i < np; i++) {
                const size_t at = k * np + i;
                const double days = pred[m]->days[at];
                if (isnan(days))
                    continue; /* held already, or outside the zones */
                double lo = pred[m]->early80[at], hi = pred[m]->late80[at];
                const bool calibrated = fc_place_cal_bounds(&cal, days, &lo, &hi);
                const fc_day fh = hist[i].first_held;
                const double obs = fh == FC_NO_DAY ? INFINITY : (double)(fh - origin);
                for (size_t h = 0; st == FC_OK && h < nh; h++) {
                    if (origin + o.horizons[h] > end)
                        continue; /* the outcome is not known yet */
                    place_acc *a = &acc[(size_t)m * nh + h];
                    a->s.calibrated += calibrated;
                    if (!score(a, o.horizons[h], days, lo, hi, calibrated, obs, curve_days))
                        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                }
            }
        }
        for (size_t h = 0; h < 2 * nh; h++)
            acc[h].s.origins += origin + o.horizons[h % nh] <= end;
        (*norigins)++;
    }
    if (st == FC_OK && !(*scores = calloc(2 * nh, sizeof **scores)))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == FC_OK && i < 2 * nh; i++) {
        fc_place_score *s = &(*scores)[i];
        *s = acc[i].s;
        s->model = i < nh ? "arrival" : "uniform-buffer";
        s->horizon_days = o.horizons[i % nh];
        s->median_abs_error_days = acc[i].errors.n ? fc_median(acc[i].errors.v, acc[i].errors.n)
                                                   : NAN;
        s->median_hi_lo_ratio = acc[i].ratios.n ? fc_median(acc[i].ratios.v, acc[i].ratios.n)
                                                : NAN;
    }
    if (st == FC_OK)
        *nscores = 2 * nh;
    for (size_t i = 0; acc && i < 2 * nh; i++) {
        free(acc[i].errors.v);
        free(acc[i].ratios.v);
    }
    fc_place_predictions_destroy(pred[0]);
    fc_place_predictions_destroy(pred[1]);
    free(acc);
    free(xy);
    return st;
}
