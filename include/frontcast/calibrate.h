/*
 * Calibrated intervals: the model's band widened (or narrowed) by how
 * wrong the same model has been before on the same series.
 *
 * Method (split conformal prediction on rolling origins, normalised by the
 * model's own spread and weighted for drift; Vovk et al. 2005, Lei et al.
 * 2018, Barber et al. 2023):
 * 1. Past forecasts. From origins every FC_CAL_EVERY_DAYS days (the first
 *    a full window after the first date), the same model over the same
 *    window is fitted to every zone that moved (fc_cal_activity at least
 *    FC_CAL_MIN_ACTIVITY) and to the whole layer, using only the data up
 *    to the origin, and projected to FC_CAL_NBUCKETS horizons (7 days to 2
 *    years) with its own 80% band.
 * 2. Scores. Each projection whose outcome (the snapshot at origin + h, or
 *    the last one at most FC_OUTCOME_SLACK_DAYS before it) is observed
 *    scores |observed - projected| in units of the band's 80% half-width
 *    on that side (fc_cal_score_of): 1 means "on the edge of the band".
 *    Zones of every size pool, since each error is measured against the
 *    spread the model itself expected there.
 * 3. Quantiles as of a date D: only scores whose outcome date is on or
 *    before D count (no look-ahead). Each weighs 2^(-age /
 *    FC_CAL_HALF_LIFE_DAYS), age = D - outcome date, so that a change of
 *    regime reaches the band within months; the conformal quantile at
 *    level p is the smallest score q with sum(weights of scores <= q) /
 *    (sum(weights) + 1) >= p, the + 1 standing for the forecast being
 *    made (finite-sample validity under exchangeability). A horizon's
 *    quantiles are raised to those of any shorter one: in units of the
 *    model's band, errors do not shrink with the horizon, and the shorter
 *    horizons' scores are more recent (the longer ones' lag a change).
 * 4. The band at horizon h: projection - q * (projection - lo80) to
 *    projection + q * (hi80 - projection) with the 80% and the 95% q,
 *    clamped to [0, cap]; q interpolated linearly between the horizons that
 *    have at least FC_CAL_MIN_SCORES scores, held constant beyond the last
 *    (an extrapolation: the README says so). With no such horizon, or for a
 *    zone that did not move, the model's own band stands and the output
 *    says "model".
 */
#ifndef FRONTCAST_CALIBRATE_H
#define FRONTCAST_CALIBRATE_H

#include "frontcast/areas.h"
#include "frontcast/cache.h"
#include "frontcast/model.h"

#define FC_CAL_EVERY_DAYS 7
/* Bootstrap replicates of the past forecasts' bands (at most): their
 * half-widths only scale the scores, so a fifth of the default's cost; the
 * forecast's own band uses its --bootstrap (a Monte Carlo difference in
 * the scale, not measured). */
#define FC_CAL_BOOTSTRAP 200
/* The days a zone's activity (fc_cal_activity) is measured over. */
#define FC_CAL_ACTIVITY_DAYS 90
#define FC_CAL_HALF_LIFE_DAYS 180
#define FC_CAL_MIN_SCORES 30
/* km2 per day: below it a zone did not move at the map's precision (9 km2
 * over FC_CAL_ACTIVITY_DAYS). Slivers along a border that the control layer
 * redraws move a quiet zone by less, and their forecasts' near-zero bands
 * made any later real advance score 50-80 band widths: pooled, those made
 * every zone's 95% band cover everything (Sumy's 0.7 km2 sliver before the
 * 2025 incursion, once the outline followed the border). */
#define FC_CAL_MIN_ACTIVITY 0.1
/* km2 per day: the least half-width, times the horizon, a score divides
 * by (a model band of zero width still scales an error). */
#define FC_CAL_MIN_HALF_WIDTH 0.01
/* How many days before origin + h the outcome snapshot may be (the
 * archive has gaps). */
#define FC_OUTCOME_SLACK_DAYS 3
#define FC_CAL_NBUCKETS 11
/* The horizons (days) of the past forecasts. */
extern const int fc_cal_buckets[FC_CAL_NBUCKETS];

/*
 * The date index of the outcome of a forecast made at origin for origin +
 * h, as known on until: the last snapshot on or before both origin + h and
 * until, if it is after the origin and at most FC_OUTCOME_SLACK_DAYS before
 * origin + h; else (size_t)-1.
 */
size_t fc_outcome_index(const fc_area_table *t, fc_day origin, int h, fc_day until);

/* A zone's activity as of a date: the mean absolute change per day of its
 * observations (t ascending, days; y, km2) in the FC_CAL_ACTIVITY_DAYS
 * before as_of, gains and losses alike; 0 with fewer than 2 there. */
double fc_cal_activity(const double *t, const double *y, size_t n, double as_of);

/* One past forecast (zone index nzones = the whole layer). */
typedef struct fc_cal_score {
    size_t zone;
    int bucket;            /* index into fc_cal_buckets */
    fc_day origin, outcome;
    fc_band model;         /* the model's projection and band */
    double observed;
    double score;          /* fc_cal_score_of */
} fc_cal_score;

/* The score of observation y against the model band at horizon h (days):
 * its distance from the projection in units of the band's 80% half-width
 * on that side (floored at FC_CAL_MIN_HALF_WIDTH * h). */
double fc_cal_score_of(const fc_band *model, double h, double y);

typedef struct fc_calibration {
    fc_model model;
    int window_days;
    fc_day first_origin;   /* of the grid of origins */
    fc_cal_score *scores;  /* by outcome date */
    size_t n;
} fc_calibration;

/*
 * The past forecasts of model over window for every zone of t and the
 * whole layer, with outcomes on or before until (step 1 above): a fit per
 * zone and origin. cache (cache.h; NULL: none) keeps each origin's bands,
 * as depending on the data up to the origin; a later run refits only the
 * origins that have gained an outcome. *out newly allocated
 * (fc_calibration_destroy).
 */
fc_status fc_calibration_build(const fc_area_table *t, const fc_zoneset *zs, fc_model model,
                               int window_days, int bootstrap, uint64_t seed, fc_day until,
                               const fc_result_cache *cache, fc_calibration **out,
                               fc_error *err);
void fc_calibration_destroy(fc_calibration *c);

/*
 * fc_calibration_build for every model and window: out[m * nwindows + w]
 * (each newly allocated). The ensemble's past bands are the medians of
 * its members' (as its bands are), so its members are fitted once for
 * both.
 */
fc_status fc_calibration_build_set(const fc_area_table *t, const fc_zoneset *zs,
                                   const fc_model *models, size_t nmodels, const int *windows,
                                   size_t nwindows, int bootstrap, uint64_t seed, fc_day until,
                                   const fc_result_cache *cache, fc_calibration **out,
                                   fc_error *err);

/* The quantiles as of a date (step 3). */
typedef struct fc_cal_table {
    double q80[FC_CAL_NBUCKETS], q95[FC_CAL_NBUCKETS];
    size_t n[FC_CAL_NBUCKETS]; /* scores counted; usable when >= FC_CAL_MIN_SCORES
                                  and both quantiles are finite */
    bool any;                   /* at least one usable horizon */
} fc_cal_table;

/* The quantiles as of a date, from the scores of every zone (step 3). */
void fc_calibration_at(const fc_calibration *c, fc_day as_of, fc_cal_table *out);

/*
 * The calibrated band at horizon h (days) from the model's band there
 * (step 4), for a zone of the given activity (fc_cal_activity). Returns the
 * number of scores behind it (the smaller of the two horizons interpolated
 * between), or 0 when there is no calibration (band untouched).
 */
size_t fc_cal_band(const fc_cal_table *t, double h, const fc_band *model, double activity,
                   double cap, fc_band *band);

/* The horizons (days) at which fc_calibration_zone_scores compares models. */
#define FC_AUTO_HORIZONS {30, 90, 180}

/*
 * How good the calibrated bands of each zone's past forecasts were: the
 * mean 80% interval score (km2) of the band each forecast would have had
 * as of its origin (fc_calibration_at at the origin), over the forecasts at
 * FC_AUTO_HORIZONS from origins on or after since whose outcome is on or
 * before as_of, the bands clamped to [0, cap[z]] as printed. mean[z], n[z]
 * for z <= nzones (the whole layer last); mean NAN where n is 0.
 */
fc_status fc_calibration_zone_scores(const fc_calibration *c, size_t nzones, const double *cap,
                                     fc_day since, fc_day as_of, double *mean, size_t *n,
                                     fc_error *err);

/* How often the calibrated bands of past forecasts contained what happened. */
typedef struct fc_cal_coverage {
    size_t n;                      /* past forecasts with a calibrated band */
    double coverage80, coverage95; /* NAN when n is 0 */
} fc_cal_coverage;

/*
 * Of the past forecasts (horizons up to max_h) observed by as_of, those
 * that had a calibrated band as of their origin: how often it contained
 * the outcome. Out of sample: each band was made from forecasts observed
 * before its origin. What the charts say of their bands.
 */
fc_status fc_calibration_coverage(const fc_calibration *c, fc_day as_of, int max_h,
                                  fc_cal_coverage *out, fc_error *err);

/* The label outputs give a band (their `interval` column): "calibrated
 * (n=N)" for one calibrated on N past forecasts, "model" for the model's
 * own (cal_n 0). Returns buf. */
#define FC_INTERVAL_LABEL 40
const char *fc_interval_label(size_t cal_n, char buf[FC_INTERVAL_LABEL]);

/* Interval score of [lo, hi] at level 1 - alpha for observation y
 * (Gneiting & Raftery 2007, eq. 43): width plus 2/alpha times the miss. */
double fc_interval_score(double lo, double hi, double alpha, double y);
/* Weighted interval score of a band (median = value, 80% and 95% intervals;
 * Bracher et al. 2021): a quantile-based approximation of the CRPS, in the
 * units of y. */
double fc_band_wis(const fc_band *b, double y);

#endif
