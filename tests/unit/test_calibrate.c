/*
 * Calibrated intervals: selection against sorting, scores with known
 * values, the conformal quantile and its look-ahead rule, and coverage on
 * simulated fronts whose pace switches regime (where the models' own bands
 * under-cover).
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "frontcast/calibrate.h"
#include "frontcast/forecast.h"
#include "model/stats.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Selection gives what a sort gives, ties and all. */
static void selection(void)
{
    fc_rng r = {42};
    static const double qs[] = {0, 0.025, 0.1, 0.5, 0.9, 0.975, 1};
    for (size_t n = 1; n <= 60; n++) {
        double v[60], s[60], w[60];
        for (size_t i = 0; i < n; i++)
            v[i] = (double)(fc_rng_below(&r, 7)) - 3; /* many ties */
        memcpy(s, v, sizeof v);
        qsort(s, n, sizeof *s, cmp);
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            memcpy(w, v, sizeof v);
            CHECK_NEAR(fc_quantile_select(w, n, qs[k]), fc_quantile_sorted(s, n, qs[k]), 1e-12);
        }
        memcpy(w, v, sizeof v);
        CHECK_NEAR(fc_median(w, n), fc_quantile_sorted(s, n, 0.5), 1e-12);
    }
    /* Several quantiles at once, equal to the bit (a band must not move
     * with how it was selected): ties, continuous values, repeated q. */
    static const double many[] = {0, 0.025, 0.025, 0.1, 0.5, 0.9, 0.975, 1, 1};
    static double v[1000], s[1000], w[1000];
    for (size_t n = 1; n <= 1000; n += n < 70 ? 1 : 31) {
        for (int ties = 0; ties < 2; ties++) {
            for (size_t i = 0; i < n; i++)
                v[i] = ties ? (double)fc_rng_below(&r, 7) - 3 : fc_rng_normal(&r);
            memcpy(s, v, n * sizeof *v);
            qsort(s, n, sizeof *s, cmp);
            for (size_t from = 0; from < 3; from++) {
                const size_t m = sizeof many / sizeof many[0] - 2 * from;
                double got[9];
                memcpy(w, v, n * sizeof *v);
                fc_quantiles_select(w, n, many + from, m, got);
                for (size_t k = 0; k < m; k++)
                    CHECK(got[k] == fc_quantile_sorted(s, n, many[from + k]));
            }
        }
    }
    CHECK_NEAR(fc_median3(3, 1, 2), 2, 0);
    CHECK_NEAR(fc_median3(1, 2, 2), 2, 0);
}

/* Gneiting & Raftery's interval score and Bracher et al.'s WIS, by hand. */
static void scores(void)
{
    CHECK_NEAR(fc_interval_score(10, 20, 0.2, 15), 10, 1e-12);
    CHECK_NEAR(fc_interval_score(10, 20, 0.2, 25), 10 + 10 * 5, 1e-12);
    CHECK_NEAR(fc_interval_score(10, 20, 0.2, 5), 10 + 10 * 5, 1e-12);
    CHECK_NEAR(fc_interval_score(10, 20, 0.05, 21), 10 + 40, 1e-12);
    fc_band b = {.value = 15, .lo80 = 10, .hi80 = 20, .lo95 = 5, .hi95 = 25};
    /* (|y - m| / 2 + 0.1 IS80 + 0.025 IS95) / 2.5 */
    CHECK_NEAR(fc_band_wis(&b, 15), (0 + 0.1 * 10 + 0.025 * 20) / 2.5, 1e-12);
    CHECK_NEAR(fc_band_wis(&b, 30), (7.5 + 0.1 * 110 + 0.025 * 220) / 2.5, 1e-12);
    /* The score of an observation: distance over the half-width on its side. */
    CHECK_NEAR(fc_cal_score_of(&b, 90, 25), 2, 1e-12);
    CHECK_NEAR(fc_cal_score_of(&b, 90, 12.5), 0.5, 1e-12);
}

static void outcomes(void)
{
    fc_day dates[] = {0, 5, 10, 20};
    fc_area_table t = {.ndates = 4, .dates = dates};
    CHECK(fc_outcome_index(&t, 0, 10, 100) == 2);
    CHECK(fc_outcome_index(&t, 0, 12, 100) == 2);         /* 2 days early: fine */
    CHECK(fc_outcome_index(&t, 0, 14, 100) == (size_t)-1); /* 4 days early: none */
    CHECK(fc_outcome_index(&t, 0, 10, 9) == (size_t)-1);   /* not observed by then */
    CHECK(fc_outcome_index(&t, 0, 12, 10) == 2); /* as known on day 10: day 10 it is */
    CHECK(fc_outcome_index(&t, 10, 7, 100) == (size_t)-1); /* only the origin itself */
    CHECK(fc_outcome_index(&t, 0, 20, 20) == 3);
}

/* Quantiles by hand: 100 scores 0.02, 0.04, ..., 2.00 at the 90-day horizon. */
static void quantiles(void)
{
    fc_cal_score s[110];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 100; i++)
        s[i] = (fc_cal_score){.zone = (size_t)(i % 4), .bucket = 4, .origin = -90, .outcome = 0,
                              .score = (i + 1) / 50.0};
    /* Observed later: must not count as of day 0. */
    for (int i = 100; i < 110; i++)
        s[i] = (fc_cal_score){.zone = 0, .bucket = 4, .origin = -80, .outcome = 10, .score = 99};
    fc_calibration c = {.model = FC_MODEL_PACE, .window_days = 90, .scores = s, .n = 110};
    fc_cal_table t;
    fc_calibration_at(&c, 0, &t);
    CHECK(t.n[4] == 100 && t.any);
    /* Weights 1, total 100: the first score whose cumulative weight reaches
     * 0.8 * 101 = 80.8 is the 81st; 0.95 * 101 = 95.95, the 96th. */
    CHECK_NEAR(t.q80[4], 81 / 50.0, 1e-12);
    CHECK_NEAR(t.q95[4], 96 / 50.0, 1e-12);
    /* Other horizons have no scores. */
    CHECK(t.n[3] == 0 && isinf(t.q80[3]));
    /* Half a year later every old score weighs 1/2 (total 50), and the ten
     * later ones (outcome day 10, score 99) count, at about 1/2 too. */
    fc_calibration_at(&c, FC_CAL_HALF_LIFE_DAYS, &t);
    CHECK(t.n[4] == 110);
    /* 0.8 * (50 + 10 * 2^(-170/180) + 1) = 44.96: the 90th score (45.0). */
    CHECK_NEAR(t.q80[4], 90 / 50.0, 1e-12);
    CHECK(t.q95[4] == 99);

    /* The band: projection 100, model band 90..120 at 90 days, q80 1.62. */
    fc_calibration_at(&c, 0, &t);
    fc_band m = {.value = 100, .lo80 = 90, .hi80 = 120, .lo95 = 80, .hi95 = 140}, b;
    CHECK(fc_cal_band(&t, 90, &m, 1, 0, &b) == 100);
    CHECK_NEAR(b.lo80, 100 - 1.62 * 10, 1e-9);
    CHECK_NEAR(b.hi80, 100 + 1.62 * 20, 1e-9);
    CHECK_NEAR(b.hi95, 100 + 1.92 * 20, 1e-9);
    /* Clamped to the cap; beyond the last horizon the quantile holds. */
    CHECK(fc_cal_band(&t, 365, &m, 1, 125, &b) == 100);
    CHECK_NEAR(b.hi80, 125, 1e-12);
    CHECK_NEAR(b.lo80, 100 - 1.62 * 10, 1e-9);
    /* A zone that does not move gets no calibration. */
    CHECK(fc_cal_band(&t, 90, &m, 0, 0, &b) == 0);
    /* Between two horizons: linear in h. Give the 180-day horizon q80 = 3. */
    fc_cal_table t2 = t;
    t2.n[6] = 50;
    t2.q80[6] = 3;
    t2.q95[6] = 4;
    fc_cal_band(&t2, 135, &m, 1, 0, &b);
    CHECK_NEAR(b.hi80, 100 + (1.62 + 3) / 2 * 20, 1e-9);

    /* A longer horizon whose own scores are smaller (here 40 scores of
     * 0.5 at 180 days) keeps the shorter one's quantiles; a shorter one
     * (30 days, 40 scores of 0.5) keeps its own. */
    fc_cal_score u[180];
    memcpy(u, s, 100 * sizeof *s);
    for (int i = 100; i < 180; i++)
        u[i] = (fc_cal_score){.zone = 0, .bucket = i < 140 ? 6 : 2, .origin = -180, .outcome = 0,
                              .score = 0.5};
    fc_calibration cu = {.model = FC_MODEL_PACE, .window_days = 90, .scores = u, .n = 180};
    fc_calibration_at(&cu, 0, &t);
    CHECK(t.n[6] == 40 && t.n[2] == 40);
    CHECK_NEAR(t.q80[6], 81 / 50.0, 1e-12);
    CHECK_NEAR(t.q95[6], 96 / 50.0, 1e-12);
    CHECK_NEAR(t.q80[2], 0.5, 1e-12);
}

/*
 * Simulated fronts: 30 zones, 1,000 days, a pace that switches between
 * regimes (0, 3, 10 or 25 km2/day, each lasting 30 to 210 days) plus daily
 * noise. A window's bootstrap sees one regime and under-covers the next;
 * the calibrated band, learnt from the earlier switches, should cover 80%
 * and 95% as it says. (It is wider than it would need to be: the model's
 * half-width, which scales the scores, knows nothing of the switches, so
 * the scores are heavy-tailed; the interval score is printed, not held to
 * the model band's.)
 */
static void bursts(void)
{
    enum { NZ = 30, ND = 1000 };
    fc_day *dates = malloc(ND * sizeof *dates);
    fc_measure *rows = calloc((size_t)ND * (NZ + 1), sizeof *rows);
    fc_zone *zones = calloc(NZ, sizeof *zones);
    char ids[NZ][8];
    fc_rng r = {2024};
    for (int d = 0; d < ND; d++)
        dates[d] = 20000 + d;
    static const double paces[] = {0, 3, 10, 25};
    for (int z = 0; z < NZ; z++) {
        snprintf(ids[z], sizeof ids[z], "Z%02d", z);
        zones[z] = (fc_zone){.id = ids[z], .name = ids[z], .area_m2 = 1e12};
        double y = 1000, pace = paces[fc_rng_below(&r, 4)];
        int left = 30 + (int)fc_rng_below(&r, 181);
        for (int d = 0; d < ND; d++) {
            if (--left == 0) {
                pace = paces[fc_rng_below(&r, 4)];
                left = 30 + (int)fc_rng_below(&r, 181);
            }
            y += pace * (0.5 + fc_rng_unit(&r)) + 0.5 * fc_rng_normal(&r);
            rows[(size_t)d * (NZ + 1) + z].controlled_m2 = y * 1e6;
            rows[(size_t)d * (NZ + 1) + NZ].controlled_m2 += y * 1e6;
        }
    }
    fc_area_table t = {.ndates = ND, .nzones = NZ, .dates = dates, .rows = rows};
    fc_zoneset zs = {.zones = zones, .n = NZ};
    const fc_model models[] = {FC_MODEL_PACE, FC_MODEL_ENSEMBLE};
    const int windows[] = {90}, horizons[] = {90};
    fc_backtest_options o = {.every_days = 7, .horizons = horizons, .nhorizons = 1,
                             .models = models, .nmodels = 2, .windows = windows, .nwindows = 1,
                             .bootstrap = 200, .seed = 3};
    fc_backtest *bt = NULL;
    fc_error err;
    CHECK(fc_backtest_run(&t, &zs, &o, &bt, &err) == FC_OK);
    for (size_t i = 0; bt && i < bt->n; i++) {
        const fc_backtest_row *row = &bt->rows[i];
        if (strcmp(row->zone_id, "pooled") != 0 || row->model == FC_MODEL_NAIVE)
            continue;
        printf("bursts, %s: model band covered %.3f / %.3f (IS80 %.0f); calibrated %.3f / %.3f "
               "(IS80 %.0f, model's on the same %zu: %.0f)\n",
               fc_model_name(row->model), row->coverage80, row->coverage95, row->is80,
               row->cal_coverage80, row->cal_coverage95, row->cal_is80, row->cal_n,
               row->cal_model_is80);
        CHECK(row->cal_n > 2000);
        CHECK(row->coverage80 < 0.70);
        CHECK_NEAR(row->cal_coverage80, 0.80, 0.05);
        CHECK_NEAR(row->cal_coverage95, 0.95, 0.03);
    }
    fc_backtest_destroy(bt);
    free(dates);
    free(rows);
    free(zones);
}

int main(void)
{
    selection();
    scores();
    outcomes();
    quantiles();
    bursts();
    return check_exit("test_calibrate");
}
