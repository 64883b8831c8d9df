/*
 * Space: front lines, and where the front will be.
 *
 * Front line: the part of the control area's boundary inside the country
 * (the union of the zones), farther than a tolerance from the country's own
 * boundary, so that the international border and the coast, which the
 * control map and the zone map draw a little differently, do not count.
 *
 * Arrival model: on a grid of square cells in the working (equal-area) CRS,
 * 1. the front's local speed: points every sample_m along the current
 *    front, each as far from the front of window_days earlier as the front
 *    moved there (0 where it retreated), divided by the window, then
 *    smoothed along the front with a Gaussian of smooth_m;
 * 2. the speed field: each uncontrolled cell of the country takes the speed
 *    of its nearest front sample;
 * 3. arrival times: the eikonal equation |grad T| = 1/speed solved by the
 *    fast marching method (Sethian 1996), from the control area's edge; a
 *    cell of speed 0 is never reached, so a still sector stays still;
 * 4. calibration, zone by zone: cells are taken in order of arrival and
 *    given the day on which the forecast's projected gain for their zone
 *    reaches the area taken so far, so that the area reached by day h
 *    matches the rate model's projection at h (to a cell).
 */
#ifndef FRONTCAST_SPATIAL_H
#define FRONTCAST_SPATIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "frontcast/areas.h"
#include "frontcast/border.h"
#include "frontcast/calibrate.h"
#include "frontcast/forecast.h"
#include "frontcast/places.h"

/* The country (union of the zones) and its interior, built once. */
typedef struct fc_frontier fc_frontier;

/* Newly allocated; free with fc_frontier_destroy(). tolerance_m: how far from
 * the country's boundary a control edge must be to count as front. The
 * union and the shrinking cost a second or more for full-resolution zones:
 * threads as -j share the union (fc_country_outline), and cache
 * (cache.h; NULL: none) keeps them between runs. */
fc_status fc_frontier_create(fc_worker *w, const fc_zoneset *zs, double tolerance_m, int threads,
                             const fc_result_cache *cache, fc_frontier **out, fc_error *err);
void fc_frontier_destroy(fc_worker *w, fc_frontier *f);
/* The union of the zones (owned by f). */
const GEOSGeometry *fc_frontier_country(const fc_frontier *f);

/*
 * The front line of a control polygon (working CRS): a MultiLineString,
 * empty if there is none, without pieces shorter than min_length_m. Not
 * thread-safe on one frontier: give each thread its own
 * (fc_frontier_clone). Newly allocated.
 */
fc_status fc_front_line(fc_worker *w, const fc_frontier *f, const GEOSGeometry *control,
                        double min_length_m, GEOSGeometry **out, fc_error *err);
/* A copy for another thread. Newly allocated. */
fc_status fc_frontier_clone(fc_worker *w, const fc_frontier *f, fc_frontier **out, fc_error *err);

/* Geodesic length (km) of lines given in crs (reprojected to lon/lat and
 * measured with geod_inverse). */
double fc_geodesic_length_km(fc_worker *w, const GEOSGeometry *lines, const char *crs);

/*
 * How far `line` lies from `ref`: the distances (km) from points every
 * step_m along line to ref, as their mean and 90th percentile. NAN for both
 * when either is empty.
 */
fc_status fc_front_shift(fc_worker *w, const GEOSGeometry *line, const GEOSGeometry *ref,
                         double step_m, double *mean_km, double *p90_km, fc_error *err);

/* The front line of every snapshot of a series. */
typedef struct fc_frontline_row {
    fc_day date;
    double length_km;                   /* geodesic */
    double shift_mean_km, shift_p90_km; /* from the previous front; NAN on the first */
    unsigned char *wkb;                 /* lon/lat MultiLineString */
    size_t wkb_size;
} fc_frontline_row;

typedef struct fc_frontlines {
    fc_frontline_row *rows;
    size_t n;
} fc_frontlines;

/* Control edges closer than FC_BORDER_TOLERANCE_M (border.h) to the
 * country's own boundary are not front; pieces of front shorter than
 * FC_FRONT_MIN_LENGTH_M are dropped, and a front's shift is sampled every
 * FC_FRONT_SAMPLE_M. */
#define FC_FRONT_MIN_LENGTH_M 1000.0
#define FC_FRONT_SAMPLE_M 1000.0
/* The arrival grid's cell and the projected fronts' step. */
#define FC_DEFAULT_CELL_M 1000.0
#define FC_DEFAULT_MAP_STEP_DAYS 90

typedef struct fc_frontline_options {
    double tolerance_m;  /* distance from the country's boundary; <= 0: FC_BORDER_TOLERANCE_M */
    double min_length_m; /* shorter pieces dropped; < 0: FC_FRONT_MIN_LENGTH_M */
    double sample_m;     /* shift sampling step; <= 0: FC_FRONT_SAMPLE_M */
    int threads;
    const fc_diag *diag;
    fc_progress_fn progress;
    void *progress_user;
    const bool *only;    /* lines of these snapshots only (the rest of *out
                            stays empty); NULL: all */
    const fc_result_cache *cache; /* keeps the frontier (fc_frontier_create) between
                                     runs; NULL: none */
} fc_frontline_options;

/* Extracts the front line of every snapshot, with its length and its shift
 * from the previous snapshot's. *out newly allocated (fc_frontlines_destroy). */
fc_status fc_frontlines_compute(const fc_zoneset *zs, const fc_series *series,
                                const fc_frontline_options *opts, fc_frontlines **out,
                                fc_error *err);
void fc_frontlines_destroy(fc_frontlines *f);

/* A raster grid in the working CRS: cell (i, j) has its centre at
 * (x0 + (i + 0.5) cell_m, y0 + (j + 0.5) cell_m), j counting northwards. */
typedef struct fc_grid {
    double x0, y0, cell_m;
    int nx, ny;
} fc_grid;

/* A grid of cell_m cells covering bbox (xmin, ymin, xmax, ymax). */
fc_grid fc_grid_covering(const double bbox[4], double cell_m);

/* Sets mask[cell] = value for every cell whose centre lies inside the
 * polygon (scanline, even-odd over all rings: exact for valid polygons). */
void fc_grid_fill(fc_worker *w, const fc_grid *g, const GEOSGeometry *polygon, uint8_t *mask,
                  uint8_t value);

/* The forecast's projected gain of one zone: gain_km2[d] for d = 0..ndays
 * days after as-of (non-decreasing), and its 80% bounds. */
typedef struct fc_gain_curve {
    const double *gain_km2, *lo80_km2, *hi80_km2;
    size_t ndays;
} fc_gain_curve;

typedef struct fc_arrival_options {
    double cell_m;       /* <= 0: FC_DEFAULT_CELL_M */
    double sample_m;     /* front sampling step, default 2000 */
    double smooth_m;     /* Gaussian smoothing along the front, default 25000 */
    int window_days;     /* <= 0: FC_DEFAULT_WINDOW_DAYS */
    bool uniform_speed;  /* the baseline: the same speed everywhere */
} fc_arrival_options;

/* The arrival model's result. Arrays are nx * ny, row j = 0 southmost. */
typedef struct fc_arrival {
    fc_grid grid;
    const char *crs;     /* the working CRS (the zones'), not owned */
    int32_t *zone;       /* zone index of the cell's centre, -1 outside */
    uint8_t *controlled; /* 1 where controlled at as-of */
    float *raw;          /* uncalibrated arrival (days, INFINITY = never) */
    float *days;         /* calibrated arrival (days after as-of; INFINITY = not
                            within the gain curve's days) */
    float *early80, *late80; /* from the 80% bounds of the gain */
    double *speed_km_per_day; /* the speed field (uncontrolled country cells) */
    size_t nsamples;     /* front samples used */
    double mean_speed_km_per_day;
} fc_arrival;

/*
 * Runs the model (see above) for zones with geometry, the control area now
 * and window_days earlier (working CRS), and per-zone gain curves
 * (gains[z] for z < zs->n; a NULL gain_km2 means no advance there).
 * *out newly allocated (fc_arrival_destroy).
 */
fc_status fc_arrival_compute(fc_worker *w, const fc_zoneset *zs, const fc_frontier *fr,
                             const GEOSGeometry *now, const GEOSGeometry *then,
                             const fc_gain_curve *gains, const fc_arrival_options *opts,
                             fc_arrival **out, fc_error *err);
void fc_arrival_destroy(fc_arrival *a);

/* Cell index of a point (working CRS); -1 outside the grid. */
long fc_grid_cell(const fc_grid *g, double x, double y);

/*
 * The uncontrolled cells with days[cell] <= limit, as one MultiPolygon per
 * zone in the working CRS (cell edges; through GDAL's polygonize):
 * out[z] for z < nzones, each newly allocated (empty where none).
 */
fc_status fc_arrival_polygons(fc_worker *w, const fc_arrival *a, const float *days, float limit,
                              size_t nzones, GEOSGeometry **out, fc_error *err);

/* A place and when the front would reach it. */
typedef struct fc_place_row {
    char *name;
    double population;
    double x, y;           /* working CRS */
    const char *zone_id;   /* owned by the zone set; NULL outside every zone */
    double distance_km;    /* to the current front line */
    fc_day arrival, arrival_lo80, arrival_hi80; /* FC_NO_DAY: beyond the horizon */
    char interval[FC_INTERVAL_LABEL]; /* fc_interval_label: calibrated on places
                                         (fc_place_calibration_at) or the
                                         model's; "" where there is no date */
} fc_place_row;

typedef struct fc_advance_options {
    fc_day as_of;           /* FC_NO_DAY: the last snapshot */
    int window_days;        /* <= 0: FC_DEFAULT_WINDOW_DAYS */
    int horizon_days;       /* <= 0: FC_DEFAULT_HORIZON_DAYS */
    int step_days;          /* <= 0: FC_DEFAULT_MAP_STEP_DAYS */
    fc_model model;         /* the rate model calibrated to (pace is 0) */
    int bootstrap;          /* <= 0: FC_DEFAULT_BOOTSTRAP */
    uint64_t seed;
    double cell_m;          /* <= 0: FC_DEFAULT_CELL_M */
    double tolerance_m;     /* front line: distance from the border; <= 0: FC_BORDER_TOLERANCE_M */
    bool uniform_speed;     /* the baseline model */
    bool model_intervals;   /* the rate model's own bands, not calibrated ones */
    const char *places;     /* GeoJSON of points with name, population; NULL: none */
    const fc_place_history *places_history; /* fc_places_timeline of that file over
                                               the series, when the caller has it;
                                               NULL: computed for the calibration */
    const fc_result_cache *cache; /* of results between runs; NULL: none */
    int threads;            /* projected steps drawn at once; <= 0: all cores
                               (the layers come out the same whatever the count) */
} fc_advance_options;

/* The options with every default set (as_of FC_NO_DAY, no places). */
fc_advance_options fc_advance_defaults(void);

/* Results of frontcast advance. */
typedef struct fc_advance {
    fc_day as_of;
    fc_arrival *arrival;
    size_t nsteps, nzones;
    int *step_days;              /* the steps, days after as-of */
    /* per step s and zone z, at [s * nzones + z] */
    unsigned char **control_wkb; /* projected control, lon/lat */
    size_t *control_size;
    double *projected_km2;       /* its area */
    double *forecast_gain_km2;   /* the rate model's projected gain */
    double *model_gain_km2;      /* the arrival model's gain (cells) */
    /* per step */
    unsigned char **front_wkb;   /* projected front, lon/lat */
    size_t *front_size;
    fc_place_row *places;
    size_t nplaces;
} fc_advance;

/*
 * Runs the arrival model at as-of against the rate model's forecast for
 * each zone (from table), then draws the projected control and front at
 * each step and dates the places. zs must have geometry. *out newly
 * allocated (fc_advance_destroy).
 */
fc_status fc_advance_run(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                         const fc_area_table *table, const fc_advance_options *opts,
                         const fc_diag *diag, fc_advance **out, fc_error *err);
void fc_advance_destroy(fc_advance *a);

/* The controlled area on the snapshot on or before day (working CRS):
 * *index is the snapshot's index. Newly allocated. */
fc_status fc_series_control_at(const fc_series *series, fc_day day, fc_worker *w,
                               const char *crs, const fc_diag *diag, size_t *index,
                               GEOSGeometry **out, fc_error *err);

/* The rate model behind the gain curves. */
typedef struct fc_gain_options {
    fc_model model;
    int window_days, horizon_days, bootstrap;
    uint64_t seed;
    bool model_intervals; /* the model's own bands, not calibrated ones */
    const fc_result_cache *cache; /* the calibration's (cache.h); NULL: none */
} fc_gain_options;

/* Gain curves of every zone from a rate model fitted up to as_of, with
 * bounds calibrated as the forecast's (calibrate.h; only data up to as_of):
 * gains[z] for z < zs->n, with ndays = horizon + 1 (arrays newly
 * allocated; free with fc_gain_curves_free). */
fc_status fc_gain_curves(const fc_area_table *t, const fc_zoneset *zs, fc_day as_of,
                         const fc_gain_options *opts, fc_gain_curve *gains, fc_error *err);
void fc_gain_curves_free(fc_gain_curve *gains, size_t n);

/* How well projected gains matched the actual gains, pooled over origins. */
typedef struct fc_spatial_score {
    const char *model;   /* "arrival" or "uniform-buffer"; static */
    int horizon_days;
    size_t n;            /* origins */
    double precision, recall, iou;
    double predicted_km2, actual_km2; /* totals over the origins */
} fc_spatial_score;

/* The options of the arrival model's two backtests (fc_spatial_backtest
 * and fc_places_backtest); each has its own defaults. */
typedef struct fc_arrival_backtest_options {
    int every_days;        /* <= 0: the default's */
    const int *horizons;   /* none: the default's */
    size_t nhorizons;
    int window_days;       /* <= 0: the default's (FC_DEFAULT_WINDOW_DAYS) */
    fc_model model;        /* the rate model calibrated to */
    double cell_m;         /* <= 0: the default's (FC_DEFAULT_CELL_M) */
    int bootstrap;
    uint64_t seed;
    bool model_intervals;  /* the rate model's own bands, not calibrated ones */
    fc_progress_fn progress;
    void *progress_user;
    int threads;           /* --places: origins computed at once; <= 0: all cores */
} fc_arrival_backtest_options;

/* The options with every default set (every 60 days; 90 and 180 days;
 * pace; the default window, cell, bootstrap and seed). */
fc_arrival_backtest_options fc_spatial_backtest_defaults(void);

/*
 * From origins every every_days (after a burn-in of the window), projects
 * the gained area h days ahead with the arrival model and with the
 * uniform-buffer baseline (the same calibration, one speed everywhere), and
 * compares each with the area actually gained by the snapshot then, cell by
 * cell. *scores (2 x nhorizons, newly allocated; free()) pooled over origins.
 */
fc_status fc_spatial_backtest(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                              const fc_area_table *table, const fc_arrival_backtest_options *opts,
                              fc_spatial_score **scores, size_t *nscores, size_t *norigins,
                              fc_error *err);

/*
 * Calibrated arrival intervals for places. The area bands (calibrate.h)
 * say how much ground will be taken, not where: on the DeepStateMap
 * history their arrival bounds contained 13-25% of the places captured
 * since. So the bounds of places are calibrated on places and cells:
 * 1. Past predictions. At origins every FC_PLACE_CAL_EVERY_DAYS days (the
 *    first a window after the first snapshot), the arrival model (gain
 *    curves as of the origin, cells of at least FC_PLACE_CAL_CELL_M) dates
 *    every place not yet held there (first_held after the origin or never).
 *    The cells of the model's grid are dated the same way: a place is a
 *    point of the ground, and the ground has thousands of captures where
 *    places of 10,000 people have had a handful.
 * 2. Scores as of a date D, from origins before D only: a place captured
 *    by D scores |log((obs + K) / (pred + K))| (days after the origin, K =
 *    FC_PLACE_CAL_OFFSET_DAYS: an error of a week matters less at a year);
 *    one not captured by D although predicted before D is censored: its
 *    score is at least that of a capture on D; one predicted on or after D
 *    and not captured, or never predicted, says nothing and is left out.
 *    A cell's capture is seen at the first later origin (on or before D)
 *    where it is held, and dated half a step before that origin.
 * 3. The 80% quantile q of the scores' Kaplan-Meier distribution (Kaplan &
 *    Meier 1958: the censored scores count while they are known to be
 *    larger), at the conformal level 0.8 (n + 1) / n, when there are at
 *    least FC_PLACE_CAL_MIN_SCORES scores: the interval is (pred + K) e^-q
 *    - K to (pred + K) e^q - K, with no upper bound when the estimate never
 *    reaches the level.
 */
#define FC_PLACE_CAL_EVERY_DAYS 30
#define FC_PLACE_CAL_CELL_M 2000.0
#define FC_PLACE_CAL_OFFSET_DAYS 7.0
#define FC_PLACE_CAL_MIN_SCORES 30

/* The predictions at each origin go through an fc_result_cache (cache.h),
 * as depending on the snapshots up to the origin: a prediction uses no
 * data after it (the test of advance on a folder cut at a date checks it),
 * so a run with one more snapshot finds every earlier origin's. */

/* The arrival model's predictions for places at a grid of origins, and
 * for the cells of its grid (the ground the places stand on: thousands of
 * captures where the places have a handful). */
typedef struct fc_place_predictions {
    size_t norigins, nplaces;
    int every_days;
    fc_day *origin;       /* ascending */
    float *days, *early80, *late80; /* [k * nplaces + i], days after origin k;
                                       INFINITY: beyond the gain curves;
                                       NAN: not a candidate (held, or outside) */
    size_t ncells;        /* cells of the grid inside a zone */
    float *cell_days;     /* [k * ncells + j], as days */
    uint8_t *cell_held;   /* [k * ncells + j]: 1 where held at origin k */
} fc_place_predictions;

typedef struct fc_place_prediction_options {
    fc_day first, last;   /* origins first, first + every, ... <= last */
    int every_days;
    int window_days;
    int curve_days;       /* how far the gain curves reach */
    fc_model model;
    double cell_m;
    int bootstrap;
    uint64_t seed;
    bool uniform_speed;   /* the baseline */
    bool model_intervals; /* the gain curves' own bands */
    fc_progress_fn progress;  /* called from the computing threads, one at a time */
    void *progress_user;
    const fc_result_cache *cache; /* NULL: none; called from several threads at once */
    int threads;          /* origins computed at once; <= 0: all cores */
} fc_place_prediction_options;

/* Runs the arrival model at every origin (only data up to it) and dates
 * the places (xy: their coordinates in the zones' CRS; hist: their
 * timeline); the origins the cache lacks on o->threads threads, with the
 * same result on any number. *out newly allocated
 * (fc_place_predictions_destroy). */
fc_status fc_place_predictions_compute(fc_worker *w, const fc_zoneset *zs,
                                       const fc_series *series, const fc_area_table *table,
                                       const double *xy, const fc_place_history *hist,
                                       size_t nplaces, const fc_place_prediction_options *opts,
                                       fc_place_predictions **out, fc_error *err);
void fc_place_predictions_destroy(fc_place_predictions *p);

/* The calibration as of a date (steps 2 and 3). */
typedef struct fc_place_cal {
    size_t n;          /* scores; the calibration holds when >= FC_PLACE_CAL_MIN_SCORES */
    size_t captured;   /* of them, places and cells captured by the date */
    double q80;        /* INFINITY when it does not hold */
} fc_place_cal;

void fc_place_calibration_at(const fc_place_predictions *p, const fc_place_history *hist,
                             fc_day as_of, fc_place_cal *out);
/* The 80% interval (days) around a predicted arrival (hi INFINITY when the
 * misses leave no finite quantile); false (lo, hi untouched) when c does
 * not hold or pred is not finite. */
bool fc_place_cal_bounds(const fc_place_cal *c, double pred, double *lo, double *hi);

/* How well the arrival dates of places matched their observed capture
 * (first_held), for one model and horizon, pooled over origins. */
typedef struct fc_place_score {
    const char *model;      /* "arrival" or "uniform-buffer"; static */
    int horizon_days;
    size_t origins;
    size_t candidates;      /* (origin, place) pairs with the place not yet held */
    size_t captured;        /* of them, first held within the horizon */
    size_t hits, misses, false_alarms; /* predicted within the horizon and
                                          captured / not predicted / not captured */
    double median_abs_error_days; /* over the captured: |arrival - first_held|,
                                     an arrival beyond the gain curves counted
                                     at their end; NAN if none captured */
    size_t covered;         /* captured with arrival_lo80 <= first_held <=
                               arrival_hi80, hi80 finite (an open-ended
                               interval never said "by then") */
    double median_hi_lo_ratio; /* of the captures' bounded intervals: how
                                  wide they were (hi80 / lo80, days after
                                  the origin); NAN if none */
    size_t covered_free;    /* not captured, with arrival_hi80 beyond the horizon */
    size_t calibrated;      /* candidates whose bounds were calibrated on places */
    size_t cal_captured, cal_covered; /* captured (covered) among the calibrated:
                                         what a calibrated interval's coverage
                                         claim is checked on; a capture the
                                         model put beyond its curves, or made
                                         before any past forecast was observed,
                                         has none (counted above, not here) */
} fc_place_score;

/* The options with every default set (every 30 days; 90, 180 and 365
 * days; pace; the default window, cell, bootstrap and seed). */
fc_arrival_backtest_options fc_places_backtest_defaults(void);

/*
 * From origins every every_days (after a burn-in of the window, while the
 * series runs at least the shortest horizon past the origin), runs the
 * arrival model and the uniform-buffer baseline as of the origin (only
 * data up to it) and scores the arrival dates of the places not held then
 * against hist (fc_places_timeline of the same series), for each horizon
 * the series covers. Each model's 80% bounds are calibrated on its
 * predictions at the earlier origins (fc_place_calibration_at) once there
 * are enough, else they are the area-calibrated ones. *scores (2 x
 * nhorizons, newly allocated; free()).
 */
fc_status fc_places_backtest(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                             const fc_area_table *table, const fc_places *places,
                             const fc_place_history *hist, const fc_arrival_backtest_options *opts,
                             fc_place_score **scores, size_t *nscores, size_t *norigins,
                             fc_error *err);

#endif
