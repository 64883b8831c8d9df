/* frontcast advance: where the front will be, and when it reaches places. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/places.h"
#include "core/util.h"
#include "frontcast/export.h"
#include "frontcast/spatial.h"

static void help(void)
{
    printf("Usage: frontcast advance [OPTIONS]\n"
           "\n"
           "Projects the front in space. From the control area at --as-of and --window\n"
           "days earlier it estimates the local speed of advance along the front,\n"
           "spreads it into the uncontrolled area, and computes on a grid (--cell km, in\n"
           "the equal-area CRS) the days until the front arrives (fast marching).\n"
           "Zone by zone the arrival times are calibrated so that the area reached by\n"
           "day h equals the rate model's (--model, default pace) projection at h.\n"
           "\n");
    cli_print_input_help();
    printf("Advance:\n"
           "  --as-of DATE           the snapshot to start from (default: the last)\n"
           "  --window DAYS          speed and rate window (default %d)\n"
           "  --horizon DAYS         how far ahead (default %d)\n"
           "  --step DAYS            projected control and fronts every ... days (default %d)\n"
           "  --model M              pace, ols, theilsen or holt (default pace)\n"
           "  --cell KM              grid cell (default %g)\n"
           CLI_PLACES_HELP
           "  --uniform              the baseline: the same speed everywhere (a buffer)\n"
           "  -o, --output DIR       outputs (default out/):\n"
           "      arrival.tif               days from as-of (Float32; NoData where held or\n"
           "                                not reached within the horizon)\n"
           "      projected-control.geojson per step and zone, valid_from/valid_to dates\n"
           "      projected-front.geojson   per step\n"
           "      places.csv                places not yet held, by arrival date\n"
           "      calibration.csv           model vs forecast gain per zone and step\n"
           "  -q, --quiet            no warnings, progress or summary\n"
           "\n"
           "Example:\n"
           "  frontcast advance --control ~/deepstate --as-of 2026-02-22 --horizon 180\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n",
           FC_DEFAULT_WINDOW_DAYS, FC_DEFAULT_HORIZON_DAYS, FC_DEFAULT_MAP_STEP_DAYS, FC_DEFAULT_CELL_M / 1000);
}

int cmd_advance(int argc, char **argv)
{
    enum { O_PLACES = 256, O_UNIFORM };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_ADVANCE_LONGOPTS,
        {"places", required_argument, NULL, O_PLACES},
        {"uniform", no_argument, NULL, O_UNIFORM},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "advance", *output = "out", *places = NULL;
    cli_inputs in = {0};
    cli_common common = {0};
    fc_advance_options ao = fc_advance_defaults();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:j:qh", longopts, NULL)) != -1) {
        int r = cli_input_option(cmd, c, optarg, &in);
        if (r == 0)
            r = cli_advance_option(cmd, c, optarg, &ao);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (c) {
        case O_PLACES: places = optarg; break;
        case O_UNIFORM: ao.uniform_speed = true; break;
        case 'o': output = optarg; break;
        case 'q': common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    int bad = cli_check_steps(cmd, &ao);
    if (bad >= 0)
        return bad;
    cli_progress_init(&common, &in);

    char *places_path = cli_places_path(places);
    ao.places = places_path;
    cli_warnings warn;
    cli_warnings_init(&warn, common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_advance *adv = NULL;
    double t0 = fc_now();
    ao.threads = in.threads;
    fc_status st = cli_session_open(&ses, &in, &common, &warn, true, &err);
    if (st == FC_OK)
        st = fc_advance_run(ses.w, ses.zs, ses.series, ses.table, &ao, &warn.diag, &adv, &err);
    if (st == FC_OK)
        st = fc_write_advance(adv, ses.zs, output, ao.horizon_days, fc_model_name(ao.model),
                              ao.window_days, FC_OUT_CSV | FC_OUT_GEOJSON, &err);
    if (st == FC_OK && !common.quiet) {
        char d[11];
        fc_date_format(adv->as_of, d);
        double worst = 0;
        for (size_t i = 0; i < adv->nsteps * adv->nzones; i++)
            if (adv->forecast_gain_km2[i] >= 100)
                worst = fmax(worst, fabs(adv->model_gain_km2[i] / adv->forecast_gain_km2[i] - 1));
        fprintf(stderr,
                "frontcast advance as of %s: %zu front samples, mean speed %.3f km/day; "
                "calibration within %.2f%% (zone gains of 100 km2 or more); %.1f s\n",
                d, adv->arrival->nsamples, adv->arrival->mean_speed_km_per_day, 100 * worst,
                fc_now() - t0);
        size_t shown = 0;
        for (size_t i = 0; i < adv->nplaces && shown < 10; i++) {
            const fc_place_row *p = &adv->places[i];
            if (p->arrival == FC_NO_DAY)
                break;
            char a[11], lo[11], hi[11];
            fc_date_format(p->arrival, a);
            snprintf(lo, sizeof lo, "?");
            snprintf(hi, sizeof hi, "?");
            if (p->arrival_lo80 != FC_NO_DAY)
                fc_date_format(p->arrival_lo80, lo);
            if (p->arrival_hi80 != FC_NO_DAY)
                fc_date_format(p->arrival_hi80, hi);
            fprintf(stderr, "  %-20s %8.0f  %5.1f km from the front  %s (80%%: %s .. %s)\n",
                    p->name, p->population, p->distance_km, a, lo, hi);
            shown++;
        }
    }
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    fc_advance_destroy(adv);
    cli_session_close(&ses);
    free(places_path);
    return rc;
}
