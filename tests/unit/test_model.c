/*
 * Rate models on synthetic series with known answers, ETAs, and interval
 * coverage on simulated noise.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "frontcast/forecast.h"
#include "model/stats.h"

#define N 180

static double tt[4000], yy[4000];

static fc_fit *fit(fc_model m, size_t n, double as_of, int window, double cap)
{
    fc_model_options o = {.window_days = window, .cap = cap, .bootstrap = 400, .seed = 7};
    fc_fit *f = NULL;
    fc_error err;
    if (fc_fit_model(m, tt, yy, n, as_of, &o, &f, &err) != FC_OK) {
        fprintf(stderr, "fit %s: %s\n", fc_model_name(m), err.msg);
        CHECK(!"fit failed");
    }
    return f;
}

static fc_band project1(const fc_fit *f, double h)
{
    fc_band b = {0};
    fc_error err;
    CHECK(fc_fit_project(f, &h, 1, &b, &err) == FC_OK);
    return b;
}

/* Reference quantiles (R: qt, qnorm). */
static void quantiles(void)
{
    CHECK_NEAR(fc_normal_quantile(0.975), 1.959963985, 1e-8);
    CHECK_NEAR(fc_normal_quantile(0.90), 1.281551566, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 10), 2.228138852, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.90, 5), 1.475884049, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 1), 12.70620474, 1e-6);
    CHECK_NEAR(fc_student_t_quantile(0.025, 30), -2.042272456, 1e-8);
    /* Both parities of the series and both sides of the switch to the
     * expansion, against scipy.stats.t.ppf 1.10.1 (itself good to about
     * 4e-9: at 0.90 and 3 its value has a CDF of 0.9000000004). */
    CHECK_NEAR(fc_student_t_quantile(0.975, 2), 4.302652729911275, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.90, 3), 1.637744357215907, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 4), 2.7764451051977987, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.90, 100), 1.2900747613398769, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 200), 1.9718962236316089, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 201), 1.9718365067776153, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.90, 1000), 1.2823987214609247, 1e-8);
    CHECK_NEAR(fc_student_t_quantile(0.975, 5000), 1.9604385517065075, 1e-8);
}

/* y = 100 + 2t every day: every model finds the slope; the linear ones
 * project exactly and with zero-width intervals. */
static void straight_line(void)
{
    for (int i = 0; i < N; i++) {
        tt[i] = i;
        yy[i] = 100 + 2.0 * i;
    }
    const double as_of = N - 1, want = 100 + 2.0 * (N - 1 + 10);
    for (fc_model m = FC_MODEL_PACE; m <= FC_MODEL_THEILSEN; m++) {
        fc_fit *f = fit(m, N, as_of, 180, 1e6);
        CHECK_NEAR(fc_fit_rate(f), 2.0, 1e-9);
        fc_band b = project1(f, 10);
        CHECK_NEAR(b.value, want, 1e-6);
        CHECK_NEAR(b.hi95 - b.lo95, 0, 1e-6);
        fc_fit_destroy(f);
    }
    /* Holt's damped trend follows the line at short horizons, a little
     * below it: with phi <= 0.98 the trend decays (rate 1.96 here). */
    fc_fit *f = fit(FC_MODEL_HOLT, N, as_of, 180, 1e6);
    CHECK_NEAR(fc_fit_rate(f), 2.0, 0.05);
    CHECK_NEAR(project1(f, 10).value, want, 0.005 * want);
    CHECK(project1(f, 10).value <= want);
    fc_fit_destroy(f);
    /* The naive model stays where it is. */
    f = fit(FC_MODEL_NAIVE, N, as_of, 180, 1e6);
    CHECK_NEAR(project1(f, 100).value, yy[N - 1], 1e-9);
    fc_fit_destroy(f);
}

/* One day's map correction of +500 in the middle: Theil-Sen holds, OLS moves. */
static void line_with_outlier(void)
{
    for (int i = 0; i < N; i++) {
        tt[i] = i;
        yy[i] = 100 + 2.0 * i + (i == 100 ? 500 : 0);
    }
    const double as_of = N - 1, want = 100 + 2.0 * (N - 1 + 30);
    fc_fit *ts = fit(FC_MODEL_THEILSEN, N, as_of, 180, 1e6);
    fc_fit *ols = fit(FC_MODEL_OLS, N, as_of, 180, 1e6);
    CHECK_NEAR(fc_fit_rate(ts), 2.0, 1e-9);
    CHECK_NEAR(project1(ts, 30).value, want, 1e-6);
    CHECK(fabs(fc_fit_rate(ols) - 2.0) > 5e-3);
    CHECK(fabs(project1(ols, 30).value - want) > 1.0);
    fc_fit_destroy(ts);
    fc_fit_destroy(ols);
    /* On the last day instead: Theil-Sen's level is a median of 3 days. */
    yy[100] -= 500;
    yy[N - 1] += 500;
    ts = fit(FC_MODEL_THEILSEN, N, as_of, 180, 1e6);
    CHECK_NEAR(project1(ts, 30).value, want, 1e-6);
    fc_fit_destroy(ts);
}

/* A zone set of one 1000 km2 zone "Z" and a table of n daily values. */
static fc_zone zone = {.id = "Z", .name = "Zone", .area_m2 = 1e9};
static fc_zoneset zset = {.zones = &zone, .n = 1};

static fc_area_table *table_of(size_t n)
{
    fc_area_table *t = calloc(1, sizeof *t);
    t->ndates = n;
    t->nzones = 1;
    t->dates = calloc(n, sizeof *t->dates);
    t->rows = calloc(2 * n, sizeof *t->rows);
    for (size_t d = 0; d < n; d++) {
        t->dates[d] = (fc_day)tt[d];
        fc_area_row(t, d, 0)->controlled_m2 = yy[d] * 1e6;
        fc_area_row(t, d, 1)->controlled_m2 = yy[d] * 1e6;
    }
    return t;
}

/* Runs one model and window to a threshold; returns the ETA row. */
static fc_eta_row eta_of(size_t n, fc_model m, double threshold, fc_status *st, fc_error *err)
{
    fc_area_table *t = table_of(n);
    int window = 30;
    fc_forecast_options o = {.as_of = FC_NO_DAY, .horizon_days = 730, .step_days = 7,
                             .models = &m, .nmodels = 1, .windows = &window, .nwindows = 1,
                             .thresholds = &threshold, .nthresholds = 1, .bootstrap = 200,
                             .seed = 3};
    fc_forecast *f = NULL;
    fc_eta_row row;
    memset(&row, 0, sizeof row);
    *st = fc_forecast_run(t, &zset, &o, &f, err);
    if (*st == FC_OK) {
        CHECK(f->neta == 1);
        row = f->eta[0];
        /* Never above the zone, never below zero. */
        for (size_t i = 0; i < f->nproj; i++) {
            CHECK(f->proj[i].km2.hi95 <= 1000 + 1e-9 || f->proj[i].zone == 1);
            CHECK(f->proj[i].km2.lo95 >= 0);
        }
    }
    fc_forecast_destroy(f);
    fc_area_table_destroy(t);
    return row;
}

static void etas(void)
{
    fc_status st;
    fc_error err;
    /* 500 + 10 t: 790 km2 on day 29, 1000 (100%) 21 days later. */
    for (int i = 0; i < 30; i++) {
        tt[i] = 20000 + i;
        yy[i] = 500 + 10.0 * i;
    }
    fc_eta_row e = eta_of(30, FC_MODEL_PACE, 100, &st, &err);
    CHECK(st == FC_OK && e.status == FC_ETA_OK);
    CHECK(e.eta == 20029 + 21);
    CHECK_NEAR(e.pace_km2_per_day, 10, 1e-9);
    CHECK_NEAR(e.controlled_pct, 79, 1e-9);
    /* 90% (900 km2) is 11 days out. */
    e = eta_of(30, FC_MODEL_OLS, 90, &st, &err);
    CHECK(st == FC_OK && e.eta == 20029 + 11);
    /* Already at 100%: reached, no date. */
    for (int i = 0; i < 30; i++)
        yy[i] = 1000;
    e = eta_of(30, FC_MODEL_PACE, 100, &st, &err);
    CHECK(st == FC_OK && e.status == FC_ETA_REACHED && e.eta == FC_NO_DAY);
    /* Flat at half: no advance, no date. */
    for (int i = 0; i < 30; i++)
        yy[i] = 500;
    for (fc_model m = FC_MODEL_PACE; m <= FC_MODEL_HOLT; m++) {
        e = eta_of(30, m, 100, &st, &err);
        CHECK(st == FC_OK && e.status == FC_ETA_NO_ADVANCE && e.eta == FC_NO_DAY);
    }
    /* A retreat (a Kharkiv 2022-style recapture): no date in the past. */
    for (int i = 0; i < 30; i++)
        yy[i] = 800 - 5.0 * i;
    for (fc_model m = FC_MODEL_PACE; m <= FC_MODEL_HOLT; m++) {
        e = eta_of(30, m, 100, &st, &err);
        CHECK(st == FC_OK && e.status == FC_ETA_NO_ADVANCE && e.eta == FC_NO_DAY);
        CHECK(e.pace_km2_per_day < 0);
    }
    /* One snapshot in the window is an error naming the zone, not a crash. */
    tt[0] = 19000;
    tt[1] = 20029;
    yy[0] = yy[1] = 500;
    e = eta_of(2, FC_MODEL_PACE, 100, &st, &err);
    CHECK(st == FC_ERR_EMPTY);
    CHECK(strstr(err.msg, "zone Z (Zone)") != NULL);
    CHECK(strstr(err.msg, "fewer than 2 snapshots in the 30-day window") != NULL);
}

/* Fraction of draws whose outcome at as_of + h fell inside each interval. */
typedef void (*simulate_fn)(fc_rng *r, size_t n, int h, double *truth);

static void coverage(const char *what, fc_model m, simulate_fn sim, size_t n, int window, int h,
                     int draws)
{
    fc_rng rng = {12345};
    int in80 = 0, in95 = 0;
    for (int d = 0; d < draws; d++) {
        double truth;
        sim(&rng, n, h, &truth);
        fc_model_options o = {.window_days = window, .cap = 0, .bootstrap = 400,
                              .seed = fc_rng_next(&rng)};
        fc_fit *f = NULL;
        fc_error err;
        if (fc_fit_model(m, tt, yy, n, tt[n - 1], &o, &f, &err) != FC_OK) {
            CHECK(!"fit failed");
            return;
        }
        fc_band b = project1(f, h);
        in80 += truth >= b.lo80 && truth <= b.hi80;
        in95 += truth >= b.lo95 && truth <= b.hi95;
        fc_fit_destroy(f);
    }
    double c80 = 100.0 * in80 / draws, c95 = 100.0 * in95 / draws;
    printf("coverage %-28s 80%%: %5.1f   95%%: %5.1f   (%d draws)\n", what, c80, c95, draws);
    CHECK_NEAR(c80, 80, 5);
    CHECK_NEAR(c95, 95, 5);
}

/* Trend plus independent noise: the model OLS intervals are built for. */
static void sim_trend_noise(fc_rng *r, size_t n, int h, double *truth)
{
    for (size_t i = 0; i < n; i++) {
        tt[i] = (double)i;
        yy[i] = 50 + 3.0 * (double)i + 20 * fc_rng_normal(r);
    }
    *truth = 50 + 3.0 * (double)(n - 1 + (size_t)h) + 20 * fc_rng_normal(r);
}

/* A random walk with drift: an advance of 5 km2/day on average. */
static void sim_random_walk(fc_rng *r, size_t n, int h, double *truth)
{
    double y = 1000;
    for (size_t i = 0; i < n + (size_t)h; i++) {
        y += 5 + 10 * fc_rng_normal(r);
        if (i < n) {
            tt[i] = (double)i;
            yy[i] = y;
        }
    }
    *truth = y;
}

/* ETS(A,Ad,N) with alpha 0.3, beta 0.05, phi 0.9, sigma 10. */
static void sim_damped(fc_rng *r, size_t n, int h, double *truth)
{
    double l = 1000, b = 4;
    for (size_t i = 0; i < n + (size_t)h; i++) {
        double e = 10 * fc_rng_normal(r), y = l + 0.9 * b + e;
        l = l + 0.9 * b + 0.3 * e;
        b = 0.9 * b + 0.05 * e;
        if (i < n) {
            tt[i] = (double)i;
            yy[i] = y;
        }
        *truth = y;
    }
}

int main(void)
{
    quantiles();
    straight_line();
    line_with_outlier();
    etas();
    coverage("ols, trend + noise", FC_MODEL_OLS, sim_trend_noise, 90, 90, 30, 600);
    coverage("pace, random walk", FC_MODEL_PACE, sim_random_walk, 180, 180, 30, 600);
    coverage("theilsen, random walk", FC_MODEL_THEILSEN, sim_random_walk, 180, 180, 30, 600);
    coverage("holt, damped-trend process", FC_MODEL_HOLT, sim_damped, 180, 180, 30, 600);
    return check_exit("test_model");
}
