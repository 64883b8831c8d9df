/*
 * Forecasts ("at the current pace, when?") and their backtest, for every
 * zone of an area table.
 */
#ifndef FRONTCAST_FORECAST_H
#define FRONTCAST_FORECAST_H

#include "frontcast/areas.h"
#include "frontcast/cache.h"
#include "frontcast/calibrate.h"
#include "frontcast/model.h"

/* Past forecasts a candidate of auto_model needs on a zone. */
#define FC_AUTO_MIN_SCORES 10

/* The name outputs give a row's model: "pace", or "auto:holt" when chosen
 * by auto_model; buf has room for 32. Returns buf. */
const char *fc_row_model_name(fc_model m, bool automatic, char buf[32]);

/* A date that is not there (an empty ETA). */
#define FC_NO_DAY INT32_MIN

typedef enum fc_eta_status {
    FC_ETA_OK,             /* the threshold is reached within the horizon */
    FC_ETA_REACHED,        /* already at or above the threshold */
    FC_ETA_BEYOND_HORIZON, /* advancing, but not within the horizon: the ETA is
                              still given when within ten years */
    FC_ETA_NO_ADVANCE      /* rate <= 0 (below 0.0005 km2/day): no date */
} fc_eta_status;

/* "ok", "reached", "beyond-horizon", "no-advance"; static. */
const char *fc_eta_status_name(fc_eta_status s);

typedef struct fc_forecast_options {
    fc_day as_of;              /* FC_NO_DAY: the last date of the table */
    int horizon_days;          /* <= 0: FC_DEFAULT_HORIZON_DAYS */
    int step_days;             /* projection.csv step; <= 0: FC_DEFAULT_STEP_DAYS */
    const fc_model *models;    /* which models (not naive) */
    size_t nmodels;
    const int *windows;        /* window lengths in days */
    size_t nwindows;
    const double *thresholds;  /* percent of the zone's area */
    size_t nthresholds;
    int bootstrap;             /* replicates (pace, theilsen); <= 0: FC_DEFAULT_BOOTSTRAP */
    uint64_t seed;
    bool model_intervals;      /* the models' own bands, not calibrated ones */
    bool auto_model;           /* also, per zone, the model and window (of every
                                  model and the given windows) whose calibrated
                                  bands scored best out of sample (see
                                  fc_forecast_run) */
    const fc_result_cache *cache; /* the calibration's past forecasts between
                                     runs (cache.h); NULL: none */
    int threads;               /* zones forecast at once; <= 0: all cores (the
                                  rows come out the same whatever the count) */
} fc_forecast_options;

/* One projected value: zone index (nzones = the whole layer), model, window. */
typedef struct fc_projection_row {
    size_t zone;
    fc_model model;
    int window_days;
    fc_day date;
    fc_band km2;
    size_t cal_n;  /* past forecasts the band is calibrated on; 0: the model's band */
    bool automatic; /* chosen by auto_model */
} fc_projection_row;

typedef struct fc_eta_row {
    size_t zone;
    fc_model model;
    int window_days;
    double controlled_pct;    /* at as-of */
    double pace_km2_per_day;  /* the model's rate at as-of */
    double threshold_pct;
    fc_day eta, eta_lo80, eta_hi80; /* FC_NO_DAY when none */
    fc_eta_status status;
    size_t cal_n;  /* as in fc_projection_row, at the ETA's horizon */
    bool automatic; /* chosen by auto_model */
} fc_eta_row;

/* How the calibrated bands of one model and window did on past forecasts
 * up to the horizon (fc_calibration_coverage), for the outputs to say. */
typedef struct fc_interval_report {
    fc_model model;
    int window_days;
    fc_cal_coverage past;
} fc_interval_report;

typedef struct fc_forecast {
    fc_day as_of;
    fc_interval_report *reports; /* one per model and window asked for;
                                    none with model_intervals */
    size_t nreports;
    fc_projection_row *proj;
    size_t nproj;
    fc_eta_row *eta;
    size_t neta;
} fc_forecast;

/*
 * Fits every model and window to every zone (and the whole layer: no ETA
 * for it) up to as-of, projects to the horizon at the step with calibrated
 * bands (calibrate.h; the model's own where there is no calibration, or
 * with model_intervals). With auto_model, each zone also gets the rows of
 * the model and window whose calibrated bands had the lowest mean 80%
 * interval score on that zone's past forecasts at 30, 90 and 180 days
 * (fc_calibration_zone_scores, over the period every candidate covers,
 * outcomes up to as-of only), or pace over the first window when no
 * candidate has FC_AUTO_MIN_SCORES of them. It dates each
 * threshold: the ETA is the first day the projection reaches it; eta_lo80
 * the first day the upper 80% bound does, eta_hi80 the lower one (each
 * empty if not within ten years; beyond the horizon the status says so). A
 * zone with fewer than 2 snapshots in a window is an error naming the
 * zone. *out newly allocated (fc_forecast_destroy).
 */
fc_status fc_forecast_run(const fc_area_table *t, const fc_zoneset *zs,
                          const fc_forecast_options *opts, fc_forecast **out, fc_error *err);
void fc_forecast_destroy(fc_forecast *f);
/* The report of model m over window_days in f, or NULL. */
const fc_interval_report *fc_forecast_report(const fc_forecast *f, fc_model m, int window_days);

/* Scores of one (zone, model, window, horizon) over the backtest origins. */
typedef struct fc_backtest_row {
    const char *zone_id; /* a zone's id, "ALL", or "pooled"; owned by the zone set or static */
    fc_model model;
    bool automatic;      /* auto_model's picks (model and window_days not used) */
    int window_days;     /* 0 for auto_model's rows: its pick's window varies */
    int horizon_days;
    size_t n;
    double mae_km2, rmse_km2, bias_km2; /* bias: mean of projected - observed */
    double coverage80, coverage95;      /* NAN for naive (no interval) */
    double is80, is95;                  /* mean interval scores (fc_interval_score), km2 */
    double wis;                         /* mean weighted interval score (~CRPS), km2 */
    double skill_vs_naive;              /* 1 - MAE / MAE(naive); NAN if MAE(naive) = 0 */
    /* The calibrated bands, each as of its origin (only past forecasts
     * observed by then), on the cal_n forecasts that had one; NAN if none.
     * cal_model_is80: the model band's interval score on the same ones. */
    size_t cal_n;
    double cal_coverage80, cal_coverage95, cal_is80, cal_is95, cal_wis, cal_model_is80;
} fc_backtest_row;

typedef struct fc_backtest_options {
    int every_days;            /* origins every ...; <= 0: the default's */
    const int *horizons;
    size_t nhorizons;
    const fc_model *models;    /* naive is always added as the baseline */
    size_t nmodels;
    const int *windows;
    size_t nwindows;
    int bootstrap;
    uint64_t seed;
    /* Also rows for auto_model: at each origin, per zone, the model and
     * window fc_forecast_run's auto would pick then (from past forecasts
     * observed by the origin); models should be all five for the same
     * choice as forecast's. */
    bool auto_model;
} fc_backtest_options;

/* Origins every 30 days; horizons 30, 90, 180; all five models; windows
 * 30, 90, 180, 365; FC_DEFAULT_BOOTSTRAP replicates, FC_DEFAULT_SEED. */
fc_backtest_options fc_backtest_defaults(void);

typedef struct fc_backtest {
    fc_backtest_row *rows;
    size_t n;
    size_t origins;
    fc_day first_origin, last_origin;
} fc_backtest;

/*
 * Rolling-origin evaluation: origins every every_days from the first date
 * plus the longest window (the burn-in) while an origin plus the shortest
 * horizon is within the data; each forecast is compared with the snapshot
 * at origin + horizon (or the last one before it, at most 3 days earlier).
 * Rows per zone, for ALL, and "pooled" over the zones with an advance (net
 * gain of at least 1 km2 over the table). *out newly allocated
 * (fc_backtest_destroy).
 */
fc_status fc_backtest_run(const fc_area_table *t, const fc_zoneset *zs,
                          const fc_backtest_options *opts, fc_backtest **out, fc_error *err);
void fc_backtest_destroy(fc_backtest *b);

#endif
