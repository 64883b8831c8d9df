/*
 * Rate models: fit a zone's controlled-area series up to an as-of date and
 * project it forward with 80% and 95% intervals.
 *
 *   pace      ISW-style: net change over the window divided by its days,
 *             projected from the last observation.
 *   ols       least-squares line over the window's observations, projected
 *             as the line (the textbook model: trend plus independent
 *             noise); intervals from the classical OLS prediction interval
 *             (Student t). The backtest shows how far real fronts are from
 *             that model.
 *   theilsen  Theil (1950) / Sen (1968) slope: the median of pairwise
 *             slopes, from a level that is the median of the last 3 days'
 *             observations carried along it; a one-day map correction
 *             moves neither.
 *   holt      Holt's linear trend with damping (Gardner & McKenzie 1985) in
 *             its innovations form ETS(A,Ad,N), fitted by least squares of
 *             the one-step errors on the daily series (gaps carried
 *             forward); intervals from the ETS forecast variance (Hyndman
 *             et al. 2008, table 6.1).
 *   ensemble  the median of pace, theilsen and holt (projection, rate and
 *             each bound): a combination of simple trend models, which in
 *             the M4 competition beat each of them (Makridakis et al. 2020).
 *   naive     no further change: the baseline every model must beat.
 *
 * Intervals of pace and theilsen: a circular block bootstrap (blocks of 14
 * days) of the window's daily net gains. Each replicate draws a pace (the
 * mean of a resampled window: the uncertainty of the rate) and a future
 * path of centred resampled gains (day-to-day variation, keeping weekly
 * autocorrelation within blocks); the bands are its quantiles around the
 * model's own point projection.
 *
 * Every projection and bound is clamped to [0, cap] (cap: the zone's area).
 * Times are in days (any origin); areas in any unit (km2 in practice).
 */
#ifndef FRONTCAST_MODEL_H
#define FRONTCAST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontcast/frontcast.h"

typedef enum fc_model {
    FC_MODEL_PACE,
    FC_MODEL_OLS,
    FC_MODEL_THEILSEN,
    FC_MODEL_HOLT,
    FC_MODEL_ENSEMBLE,
    FC_MODEL_NAIVE,
    FC_MODEL_COUNT
} fc_model;

/* Rates below this (km2/day) are no advance: they print as 0.000, and a
 * thousandth of a km2 a day is rounding noise in the inputs, not a front. */
#define FC_MIN_ADVANCE_KM2_PER_DAY 0.0005

/* The defaults of every command and of the pipeline: a window of the last
 * half-year (ISW's and DeepStateMap's paces are quoted over months), two
 * years ahead, projection.csv weekly, and the bootstrap's replicates and
 * seed. */
#define FC_DEFAULT_WINDOW_DAYS 180
#define FC_DEFAULT_HORIZON_DAYS 730
#define FC_DEFAULT_STEP_DAYS 7
#define FC_DEFAULT_BOOTSTRAP 1000
#define FC_DEFAULT_SEED 1

/* The members of the ensemble. */
#define FC_ENSEMBLE_SIZE 3
extern const fc_model fc_ensemble_members[FC_ENSEMBLE_SIZE];
/* The rate models a user can choose (all but the naive baseline), in
 * enum order: "all" of every command. */
#define FC_NMODELS FC_MODEL_NAIVE
extern const fc_model fc_models_all[FC_NMODELS];

/* "pace", "ols", ...; static. */
const char *fc_model_name(fc_model m);
/* Parses a model name; false if unknown. */
bool fc_model_parse(const char *name, fc_model *out);

typedef struct fc_model_options {
    int window_days;   /* observations in [as_of - window_days, as_of] */
    double cap;        /* upper clamp (the zone's area); <= 0: none */
    int bootstrap;     /* bootstrap replicates; <= 0: 1000 */
    uint64_t seed;     /* bootstrap seed; results are reproducible */
} fc_model_options;

/* One projected value with its intervals, clamped to [0, cap]. */
typedef struct fc_band {
    double value, lo80, hi80, lo95, hi95;
} fc_band;

typedef struct fc_fit fc_fit;

/*
 * Fits model m to observations (t_days[i], y[i]), i < n, t ascending, using
 * those in [as_of - window_days, as_of]. Fewer than 2 there is FC_ERR_EMPTY.
 * *out newly allocated; free with fc_fit_destroy().
 */
fc_status fc_fit_model(fc_model m, const double *t_days, const double *y, size_t n, double as_of,
                       const fc_model_options *opts, fc_fit **out, fc_error *err);
void fc_fit_destroy(fc_fit *f);

/* The rate at as-of (units per day): pace, OLS or Theil-Sen slope, Holt's
 * damped trend; 0 for naive. */
double fc_fit_rate(const fc_fit *f);
/* The last observed value at or before as-of. */
double fc_fit_last(const fc_fit *f);
/* The point projection at as_of + h, clamped: what fc_fit_project puts in
 * .value, without the cost of the intervals. */
double fc_fit_point(const fc_fit *f, double h);

/*
 * Projects to as_of + h_days[k] for k < nh (h ascending, >= 0) into out[k].
 * The same fit gives the same band at the same h whatever else is asked
 * for (bootstrap replicates have streams of their own). Thread-safe on a
 * const fit.
 */
fc_status fc_fit_project(const fc_fit *f, const double *h_days, size_t nh, fc_band *out,
                         fc_error *err);

#endif
