/* frontcast forecast: rates, projections and "at the current pace" dates. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/export.h"
#include "frontcast/forecast.h"

static void help(void)
{
    printf("Usage: frontcast forecast [OPTIONS]\n"
           "\n"
           "Fits rate models to each zone's controlled area up to --as-of and projects\n"
           "them: areas over time with 80%% and 95%% intervals, and the date each zone\n"
           "would reach a threshold (default 100%%) at the current pace.\n"
           "\n"
           "Models (--model, default all):\n"
           "  pace      net change over the window / its days (ISW-style), from today's value\n"
           "  ols       least-squares line; classical prediction intervals\n"
           "  theilsen  median of pairwise slopes: one-day map corrections do not move it\n"
           "  holt      Holt's damped trend (ETS(A,Ad,N)) on the daily series, fitted by\n"
           "            least squares; intervals from its forecast variance\n"
           "  ensemble  the median of pace, theilsen and holt\n"
           "  auto      per zone, the model and window (of every model and the given\n"
           "            windows) whose calibrated bands had the best interval score on\n"
           "            that zone's past forecasts; its rows say e.g. auto:holt\n"
           "  pace and theilsen intervals: block bootstrap (14-day blocks) of daily net\n"
           "  gains. Projections never exceed the zone's area nor fall below zero.\n"
           "\n"
           "Intervals are calibrated: the model's band is widened or narrowed by how\n"
           "often the same model and window missed before (forecasts from origins every\n"
           "7 days before --as-of, whose outcome was observed by then; split conformal\n"
           "prediction, recent errors weighted more). The column 'interval' says\n"
           "'calibrated (n=...)' with the number of past forecasts, or 'model' where\n"
           "there were fewer than 30 (a short series) or the zone did not move.\n"
           "\n"
           "Input: --areas FILE (a CSV from 'frontcast areas'), or the options below,\n"
           "from which the areas are computed first.\n"
           "");
    cli_print_input_help();
    printf("Forecast:\n"
           "  --areas FILE           per-zone areas from 'frontcast areas -o FILE'\n"
           "  --as-of DATE           use snapshots up to DATE (YYYY-MM-DD; default: the last)\n"
           "  --horizon DAYS         how far to project (default %d)\n"
           "  --model M              pace, ols, theilsen, holt, ensemble, auto, or all\n"
           "                         (default); a list works, e.g. pace,auto\n"
           "  --window DAYS[,DAYS]   fitting window(s) in days (default %d), e.g. 30,90,180,365\n"
           "  --step DAYS            projection.csv step (default %d)\n"
           "  --threshold PCT[,PCT]  ETA thresholds in %% of the zone (default 100), e.g. 90,100\n"
           "  --bootstrap N          bootstrap replicates (default %d); --seed N (default %d)\n"
           "  --intervals KIND       calibrated (default): bands from the same model's past\n"
           "                         errors on this series (out of sample, nothing after\n"
           "                         --as-of); model: the model's own bands\n"
           "\n"
           "Output:\n"
           "  -o, --output DIR       folder for projection.csv and eta.csv, each with a .csvt\n"
           "                         (default out/)\n"
           "  --summary              print the summary to standard output (default: stderr)\n"
           "  -q, --quiet            no summary, warnings or progress\n"
           "\n"
           "  eta.csv status: ok, reached (already at the threshold), beyond-horizon (the\n"
           "  date is still given if within ten years), or no-advance (rate <= 0: no\n"
           "  date). eta_lo80..eta_hi80 is the 80%% interval (empty: not within ten years).\n"
           "\n"
           "Examples:\n"
           "  frontcast forecast                                  # demo series\n"
           "  frontcast areas --control ~/deepstate -o areas.csv\n"
           "  frontcast forecast --areas areas.csv --as-of 2025-11-26 --window 30,90,180,365\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n",
           FC_DEFAULT_HORIZON_DAYS, FC_DEFAULT_WINDOW_DAYS, FC_DEFAULT_STEP_DAYS, FC_DEFAULT_BOOTSTRAP, FC_DEFAULT_SEED);
}

typedef struct forecast_args {
    cli_inputs in;
    cli_model_args m;
    const char *output;
    bool summary_stdout;
    fc_day as_of;
    cli_common common;
} forecast_args;

static int parse(int argc, char **argv, forecast_args *a)
{
    enum { O_ASOF = 256, O_SUMMARY };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_MODEL_LONGOPTS,
        CLI_PROJECTION_LONGOPTS,
        {"areas", required_argument, NULL, CLI_OPT_AREAS},
        {"as-of", required_argument, NULL, O_ASOF},
        {"summary", no_argument, NULL, O_SUMMARY},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    a->as_of = FC_NO_DAY;
    a->output = "out";
    cli_model_defaults(&a->m);
    opterr = 0;
    optind = 1;
    int c;
    const char *cmd = "forecast";
    while ((c = getopt_long(argc, argv, ":o:j:qh", longopts, NULL)) != -1) {
        int r = cli_input_option(cmd, c, optarg, &a->in);
        if (r == 0)
            r = cli_model_option(cmd, c, optarg, &a->m);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (c) {
        case O_ASOF:
            if (!fc_date_parse(optarg, &a->as_of))
                return cli_usage_error(cmd, "--as-of wants a date YYYY-MM-DD, not '%s'", optarg);
            break;
        case O_SUMMARY: a->summary_stdout = true; break;
        case 'o': a->output = optarg; break;
        case 'q': a->common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    cli_progress_init(&a->common, &a->in);
    return -1;
}

static void format_day(fc_day d, char buf[11])
{
    if (d == FC_NO_DAY)
        snprintf(buf, 11, "?");
    else
        fc_date_format(d, buf);
}

/* Per zone with an advance: pace and the ETA of the first threshold. */
static void print_summary(FILE *f, const fc_forecast *fc, const fc_zoneset *zs,
                          const forecast_args *a)
{
    char asof[11];
    fc_date_format(fc->as_of, asof);
    fprintf(f, "frontcast forecast as of %s (threshold %g%%, horizon %d days)\n", asof,
            a->m.thresholds[0], a->m.horizon);
    size_t shown = 0;
    for (size_t i = 0; i < fc->neta; i++) {
        const fc_eta_row *e = &fc->eta[i];
        if (e->threshold_pct != a->m.thresholds[0] || e->status == FC_ETA_NO_ADVANCE ||
            e->status == FC_ETA_REACHED)
            continue;
        char eta[11], lo[11], hi[11];
        format_day(e->eta, eta);
        format_day(e->eta_lo80, lo);
        format_day(e->eta_hi80, hi);
        char model[32];
        fprintf(f, "  %-16s %-9s %4dd  %7.2f km2/day %8.0f km2/month  %5.1f%% now  ",
                fc_zone_name(zs, e->zone), fc_row_model_name(e->model, e->automatic, model),
                e->window_days,
                e->pace_km2_per_day, e->pace_km2_per_day * 30.4375, e->controlled_pct);
        if (e->eta != FC_NO_DAY)
            fprintf(f, "%g%% by %s (80%%: %s .. %s)%s\n", e->threshold_pct, eta,
                    e->eta_lo80 == FC_NO_DAY ? "later" : lo,
                    e->eta_hi80 == FC_NO_DAY ? "after 10 years" : hi,
                    e->status == FC_ETA_BEYOND_HORIZON ? ", beyond the horizon" : "");
        else
            fprintf(f, "not within 10 years\n");
        shown++;
    }
    if (!shown)
        fprintf(f, "  no zone advances at the current pace\n");
    /* What the intervals are worth: how often such bands covered before. */
    for (size_t i = 0; i < fc->nreports; i++) {
        const fc_interval_report *r = &fc->reports[i];
        if (r->past.n)
            fprintf(f, "  intervals of %s over %d days: calibrated; on %zu past forecasts up to "
                       "the horizon, the 80%% band covered %.0f%%, the 95%% band %.0f%%\n",
                    fc_model_name(r->model), r->window_days, r->past.n, 100 * r->past.coverage80,
                    100 * r->past.coverage95);
        else
            fprintf(f, "  intervals of %s over %d days: the model's own (too few past forecasts "
                       "to calibrate)\n",
                    fc_model_name(r->model), r->window_days);
    }
}

int cmd_forecast(int argc, char **argv)
{
    forecast_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    fc_zoneset *zs = NULL;
    fc_area_table *table = NULL;
    fc_forecast *fc = NULL;
    fc_error err = {0};
    cli_warnings warn;
    cli_warnings_init(&warn, a.common.quiet);
    fc_status st = cli_load_areas(&a.in, &a.common, &warn, false, &table, &zs, NULL, &err);
    if (st == FC_OK) {
        fc_forecast_options fo = cli_forecast_options(&a.m, a.as_of);
        fo.threads = a.in.threads;
        st = fc_forecast_run(table, zs, &fo, &fc, &err);
    }
    if (st == FC_OK)
        st = fc_write_forecast(fc, zs, a.output, &err);
    if (st == FC_OK && !a.common.quiet)
        print_summary(a.summary_stdout ? stdout : stderr, fc, zs, &a);
    rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    fc_forecast_destroy(fc);
    fc_area_table_destroy(table);
    fc_zones_destroy(NULL, zs);
    return rc;
}
