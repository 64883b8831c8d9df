/* frontcast backtest: how good each model has been. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/backtest.h"
#include "frontcast/places.h"
#include "frontcast/export.h"
#include "frontcast/forecast.h"
#include "frontcast/spatial.h"

/* A list of days as the help prints it: 90,180,365. */
static const char *day_list(const int *d, size_t n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", d[i]);
    return buf;
}

static void help(void)
{
    const fc_backtest_options da = fc_backtest_defaults();
    const fc_arrival_backtest_options ds = fc_spatial_backtest_defaults();
    const fc_arrival_backtest_options dp = fc_places_backtest_defaults();
    char ah[64], aw[64], sh[64], ph[64];
    printf("Usage: frontcast backtest [OPTIONS]\n"
           "\n"
           "Rolling-origin evaluation of the forecast models: from origins every --every\n"
           "days (after a burn-in of the longest window), each model and window projects\n"
           "each horizon ahead, and the projection is compared with the snapshot then.\n"
           "The naive forecast (no further change) is the baseline: skill_vs_naive =\n"
           "1 - MAE / MAE(naive), above 0 where a model beats it. coverage80/95 is how\n"
           "often the observed area fell inside the 80%%/95%% interval; is80/is95 the\n"
           "interval scores (width plus 2/alpha times the miss: lower is better) and wis\n"
           "the weighted interval score, an approximation of the CRPS.\n"
           "\n"
           "The cal_ columns score the calibrated bands 'frontcast forecast' prints,\n"
           "each made as of its origin from past forecasts observed by then (never\n"
           "later ones), on the cal_n forecasts that had enough past ones; on the same\n"
           "forecasts cal_model_is80 is the model band's interval score.\n"
           "\n"
           "Rows per zone, for the whole layer (ALL), and pooled over the zones with an\n"
           "advance (a net gain of at least 1 km2 over the series); the ALL and pooled\n"
           "tables are printed.\n"
           "\n");
    cli_print_input_help();
    printf("Backtest:\n"
           "  --areas FILE           per-zone areas from 'frontcast areas -o FILE'\n"
           "  --every DAYS           days between origins (default %d)\n"
           "  --horizons DAYS[,...]  horizons (default %s)\n"
           "  --model M              pace, ols, theilsen, holt, ensemble, or all (default); a\n"
           "                         list works. auto: all five, plus rows 'auto' (window\n"
           "                         'any'/0) scoring, at each origin and zone, the model\n"
           "                         and window forecast --model auto would have picked then\n"
           "  --window DAYS[,...]    windows (default %s)\n"
           "  --bootstrap N          bootstrap replicates (default %d); --seed N (default %d)\n"
           "  -o, --output FILE      backtest.csv with a .csvt (default out/backtest.csv)\n"
           "\n"
           "  --spatial              backtest the arrival model (frontcast advance) instead:\n"
           "                         from origins every --every days (default %d), project the\n"
           "                         gained area --horizons ahead (default %s) and compare it\n"
           "                         cell by cell with the area actually gained: precision,\n"
           "                         recall and IoU pooled over origins, for the model and for\n"
           "                         the uniform-buffer baseline (the same per-zone areas, one\n"
           "                         speed everywhere). Uses the first --window (default %d),\n"
           "                         --model (default %s) and --cell KM (default %g); needs\n"
           "                         --zones/--control (default out/backtest-spatial.csv)\n"
           "  --places[=PATH]        backtest the arrival dates of places instead: from\n"
           "                         origins every --every days (default %d), date the\n"
           "                         places not yet held with the arrival model and the\n"
           "                         uniform buffer, and compare with when each was first\n"
           "                         held (frontcast places) within --horizons (default\n"
           "                         %s): hits, misses, false alarms, median error\n"
           "                         in days, how often the 80%% interval (with an upper\n"
           "                         bound) contained the capture and how wide it was\n"
           "                         (hi/lo: its upper bound over its lower). PATH: the\n"
           "                         places (default geodata/" FC_DEFAULT_PLACES ");\n"
           "                         --window, --model, --cell as for --spatial\n"
           "                         (default out/backtest-places.csv)\n"
           "  -q, --quiet            no tables on standard output\n"
           "\n"
           "Example:\n"
           "  frontcast areas --control ~/deepstate -o areas.csv\n"
           "  frontcast backtest --areas areas.csv\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n",
           da.every_days, day_list(da.horizons, da.nhorizons, ah, sizeof ah),
           day_list(da.windows, da.nwindows, aw, sizeof aw), da.bootstrap, (int)da.seed,
           ds.every_days,
           day_list(ds.horizons, ds.nhorizons, sh, sizeof sh), ds.window_days,
           fc_model_name(ds.model), ds.cell_m / 1000,
           dp.every_days, day_list(dp.horizons, dp.nhorizons, ph, sizeof ph));
}

static int parse(int argc, char **argv, backtest_args *a)
{
    enum { O_EVERY = 256, O_HORIZONS, O_SPATIAL, O_CELL, O_PLACES };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_MODEL_LONGOPTS,
        {"areas", required_argument, NULL, CLI_OPT_AREAS},
        {"every", required_argument, NULL, O_EVERY},
        {"horizons", required_argument, NULL, O_HORIZONS},
        {"spatial", no_argument, NULL, O_SPATIAL},
        {"places", optional_argument, NULL, O_PLACES},
        {"cell", required_argument, NULL, O_CELL},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "backtest";
    a->output = NULL;
    a->cell_m = FC_DEFAULT_CELL_M;
    cli_model_defaults(&a->m);
    const fc_backtest_options d = fc_backtest_defaults();
    a->every = d.every_days;
    memcpy(a->m.windows, d.windows, d.nwindows * sizeof *d.windows);
    a->m.nwindows = d.nwindows;
    memcpy(a->horizons, d.horizons, d.nhorizons * sizeof *d.horizons);
    a->nhorizons = d.nhorizons;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:j:qh", longopts, NULL)) != -1) {
        int r = cli_input_option(cmd, c, optarg, &a->in);
        if (r == 0)
            r = cli_model_option(cmd, c, optarg, &a->m);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (c) {
        case O_SPATIAL: a->spatial = true; break;
        case O_PLACES:
            a->places = true;
            a->places_path = optarg;
            break;
        case O_CELL:
            if ((r = cli_cell_option(cmd, optarg, &a->cell_m)) < 0)
                return -r;
            break;
        case O_EVERY:
            a->every_given = true;
            if (!cli_parse_int(optarg, 1, 3650, &a->every))
                return cli_usage_error(cmd, "--every wants days from 1 to 3650, not '%s'", optarg);
            break;
        case O_HORIZONS:
            a->horizons_given = true;
            if (!cli_parse_int_list(optarg, 1, 3650, a->horizons, CLI_MAX_LIST, &a->nhorizons))
                return cli_usage_error(cmd, "--horizons wants days (a list like 30,90), not '%s'", optarg);
            break;
        case 'o': a->output = optarg; break;
        case 'q': a->common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->m.auto_model && (a->spatial || a->places))
        return cli_usage_error(cmd, "auto picks rate models per zone: it is for the areas "
                                    "backtest, not %s",
                               a->spatial ? "--spatial" : "--places");
    if (a->m.auto_model) /* auto picks among all five, as forecast's does */
        cli_parse_models("all", a->m.models, &a->m.nmodels, &(bool){false});
    if (a->spatial && a->places)
        return cli_usage_error(cmd, "--spatial and --places are two backtests: run them one at a time");
    const char *which = a->spatial ? "--spatial" : "--places";
    const bool arrival = a->spatial || a->places;
    if (arrival && a->in.areas)
        return cli_usage_error(cmd, "%s needs geometry: give --zones/--control, not --areas", which);
    if (arrival && a->m.models_given && a->m.nmodels != 1)
        return cli_usage_error(cmd, "%s calibrates to one --model", which);
    if (!a->output)
        a->output = a->spatial  ? "out/backtest-spatial.csv"
                    : a->places ? "out/backtest-places.csv"
                                : "out/backtest.csv";
    if (arrival) {
        /* The library's defaults for what was not given. */
        const fc_arrival_backtest_options ds = fc_spatial_backtest_defaults();
        const fc_arrival_backtest_options dp = fc_places_backtest_defaults();
        const int *h = a->spatial ? ds.horizons : dp.horizons;
        const size_t nh = a->spatial ? ds.nhorizons : dp.nhorizons;
        if (!a->every_given)
            a->every = a->spatial ? ds.every_days : dp.every_days;
        if (!a->horizons_given) {
            memcpy(a->horizons, h, nh * sizeof *h);
            a->nhorizons = nh;
        }
        if (!a->m.windows_given)
            a->m.windows[0] = a->spatial ? ds.window_days : dp.window_days;
        if (!a->m.models_given)
            a->m.models[0] = a->spatial ? ds.model : dp.model;
    }
    cli_progress_init(&a->common, &a->in);
    return -1;
}

static void print_table(const fc_backtest *b, const char *zone)
{
    printf("\n%s:\n%-9s %6s %7s %5s %10s %10s %10s %6s %6s %7s %9s %5s %6s %6s %9s\n", zone,
           "model", "window", "horizon", "n", "MAE km2", "RMSE km2", "bias km2", "cov80", "cov95",
           "skill", "IS80", "cal_n", "cal80", "cal95", "cal IS80");
    for (size_t i = 0; i < b->n; i++) {
        const fc_backtest_row *r = &b->rows[i];
        if (strcmp(r->zone_id, zone) != 0)
            continue;
        char window[16] = "any";
        if (!r->automatic)
            snprintf(window, sizeof window, "%d", r->window_days);
        printf("%-9s %6s %7d %5zu %10.1f %10.1f %10.1f ",
               r->automatic ? "auto" : fc_model_name(r->model), window, r->horizon_days, r->n,
               r->mae_km2, r->rmse_km2, r->bias_km2);
        if (isnan(r->coverage80))
            printf("%6s %6s ", "-", "-");
        else
            printf("%6.2f %6.2f ", r->coverage80, r->coverage95);
        if (isnan(r->skill_vs_naive))
            printf("%7s ", "-");
        else
            printf("%7.2f ", r->skill_vs_naive);
        if (isnan(r->is80))
            printf("%9s ", "-");
        else
            printf("%9.1f ", r->is80);
        if (r->cal_n == 0)
            printf("%5s %6s %6s %9s\n", "0", "-", "-", "-");
        else
            printf("%5zu %6.2f %6.2f %9.1f\n", r->cal_n, r->cal_coverage80, r->cal_coverage95,
                   r->cal_is80);
    }
}

int cmd_backtest(int argc, char **argv)
{
    backtest_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.spatial)
        return cli_backtest_spatial(&a);
    if (a.places)
        return cli_backtest_places(&a);
    fc_zoneset *zs = NULL;
    fc_area_table *table = NULL;
    fc_backtest *bt = NULL;
    fc_error err = {0};
    cli_warnings warn;
    cli_warnings_init(&warn, a.common.quiet);
    fc_status st = cli_load_areas(&a.in, &a.common, &warn, false, &table, &zs, NULL, &err);
    if (st == FC_OK) {
        fc_backtest_options bo = {
            .every_days = a.every, .horizons = a.horizons, .nhorizons = a.nhorizons,
            .models = a.m.models, .nmodels = a.m.nmodels, .windows = a.m.windows,
            .nwindows = a.m.nwindows, .bootstrap = a.m.bootstrap, .seed = (uint64_t)a.m.seed,
            .auto_model = a.m.auto_model};
        st = fc_backtest_run(table, zs, &bo, &bt, &err);
    }
    if (st == FC_OK)
        st = cli_ensure_parent(a.output, &err);
    if (st == FC_OK)
        st = fc_write_backtest(bt, a.output, &err);
    if (st == FC_OK && !a.common.quiet) {
        char f[11], l[11];
        fc_date_format(bt->first_origin, f);
        fc_date_format(bt->last_origin, l);
        printf("frontcast backtest: %zu origins, %s to %s, every %d days\n", bt->origins, f, l,
               a.every);
        print_table(bt, "ALL");
        print_table(bt, "pooled");
    }
    rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    fc_backtest_destroy(bt);
    fc_area_table_destroy(table);
    fc_zones_destroy(NULL, zs);
    return rc;
}
