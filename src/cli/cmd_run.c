/* frontcast run: options (and the INI file) for fc_run, and its messages. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/util.h"
#include "frontcast/pipeline.h"
#include "frontcast/plot.h"

static void help(void)
{
    fc_run_options d;
    fc_run_defaults(&d);
    char formats[64] = "";
    for (size_t k = 0; k < FC_OUT_NFORMATS; k++)
        if (d.formats & fc_out_formats[k].bit)
            snprintf(formats + strlen(formats), sizeof formats - strlen(formats), "%s%s",
                     *formats ? "," : "", fc_out_formats[k].name);
    printf("Usage: frontcast run [--config FILE] [OPTIONS]\n"
           "\n"
           "Runs the whole pipeline into one folder: areas (incrementally: a SQLite store\n"
           "keeps every snapshot's results, keyed by its content, so only new or changed\n"
           "snapshots are overlaid), forecast, advance (whose past predictions of places,\n"
           "the calibration's, the store keeps too) and the pictures. Meant for cron:\n"
           "a second run over unchanged inputs only checks them (well under a second);\n"
           "a lock keeps two runs apart; every output is written to a temporary file and\n"
           "renamed; " FC_RUN_MANIFEST " records inputs (path, date, sha256), parameters,\n"
           "version, timings, warnings and quarantined snapshots.\n"
           "\n"
           "A new snapshot that cannot be read, has no polygon, is dated after today, or\n"
           "gains or loses more than --max-daily-change-km2 a day is quarantined: left\n"
           "out, reported, and the run ends with exit status 3. When the newest snapshot\n"
           "is older than --max-age days, the run says 'stale' and ends with 5 (over 3),\n"
           "also when nothing changed since the last run.\n"
           "\n"
           "Configuration: an INI file whose keys are the long options below, e.g.\n"
           "  [inputs]\n"
           "  control = /srv/deepstate\n"
           "  [forecast]\n"
           "  window = 90,180,365\n"
           "Sections only group; options given on the command line win.\n"
           "\n");
    cli_print_input_help();
    printf("Run:\n"
           "  --config FILE          read options from FILE first\n"
           CLI_PLACES_HELP
           "  -o, --output DIR       the output folder (default " FC_DEFAULT_RUN_OUTPUT "/)\n"
           "  --state PATH           the store (default DIR/" FC_RUN_STATE ")\n"
           "  --wait SECONDS         wait this long for another run's lock (default 0)\n"
           "  --max-daily-change-km2 N  quarantine above this (default %g)\n"
           "  --today DATE           what counts as today (default: the system's, UTC)\n"
           "  --max-age DAYS         stale-data alarm: when the newest snapshot is older, the\n"
           "                         run completes and exits 5 (default %d; 0: off; not for\n"
           "                         the bundled demo series)\n"
           "  --model M[,M]          forecast models (default all)\n"
           "  --window DAYS[,DAYS]   forecast windows (default %d; advance takes the first)\n"
           "  --threshold PCT[,PCT]  ETA thresholds (default 100)\n"
           "  --horizon DAYS         (default %d)\n"
           "  --step DAYS            projection.csv step (default %d)\n"
           "  --bootstrap N, --seed N  bootstrap replicates (default %d) and seed (%d)\n"
           "  --advance-model M      the rate model the arrival model follows (default %s)\n"
           "  --map-step DAYS        projected fronts every ... days (default %d)\n"
           "  --cell KM              the arrival grid (default %g)\n"
           "  --plots yes|no         draw charts and map (default %s)\n"
           "  --format F[,F]         csv, geojson, gpkg (default %s; see below)\n"
           "  --pg CONNECTION        also write the map layers to PostGIS, e.g.\n"
           "                         --pg \"PG:dbname=front host=localhost\" (rows replaced\n"
           "                         in one transaction; styles in its layer_styles)\n"
           "  --source TEXT          names the data in the pictures\n"
           "  --holder TEXT          who holds the mapped area, e.g. \"Russian forces\"\n"
           "  -q, --quiet\n"
           "\n"
           "Outputs in DIR: " FC_REPORT_FILE " (a self-contained page to open after the run:\n"
           "as-of date, what changed, ETAs with their measured coverage, the pictures,\n"
           "places), arrival.tif, chart-*.png/svg, gains.png/svg, map.png/svg,\n"
           "map-front.png/svg, " FC_RUN_MANIFEST ", and by --format\n"
           "  csv      areas.csv, projection.csv, eta.csv, places.csv, calibration.csv\n"
           "           (each with a .csvt, so QGIS types the dates as dates)\n"
           "  geojson  projected-control.geojson, projected-front.geojson (RFC 7946)\n"
           "  gpkg     frontcast.gpkg, one GeoPackage for QGIS: zones, control (observed,\n"
           "           per zone and date), front_line (per date), projected_control,\n"
           "           projected_front, places (with arrival dates), each with its\n"
           "           default style in layer_styles and valid_from/valid_to dates for\n"
           "           the Temporal Controller\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options, 3 completed with\n"
           "quarantined inputs, 4 another run holds the lock, 5 completed on stale data\n"
           "(--max-age).\n",
           d.max_daily_change_km2, d.max_age_days, d.forecast.windows[0], d.forecast.horizon_days,
           d.forecast.step_days, d.forecast.bootstrap, (int)d.forecast.seed,
           fc_model_name(d.advance_model), d.map_step_days, d.cell_m / 1000,
           d.plots ? "yes" : "no", formats);
}

/* ---- options ------------------------------------------------------------ */

typedef struct run_args {
    cli_inputs in;
    cli_common common;
    cli_model_args m;
    fc_run_options o;
} run_args;

static int parse(int argc, char **argv, run_args *a)
{
    enum { O_PLACES = 256, O_STATE, O_WAIT, O_MAXCHANGE, O_TODAY, O_AMODEL, O_MAPSTEP, O_CELL,
           O_PLOTS, O_SOURCE, O_HOLDER, O_FORMAT, O_PG, O_MAXAGE };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_MODEL_LONGOPTS,
        CLI_PROJECTION_LONGOPTS,
        {"places", required_argument, NULL, O_PLACES},
        {"state", required_argument, NULL, O_STATE},
        {"wait", required_argument, NULL, O_WAIT},
        {"max-daily-change-km2", required_argument, NULL, O_MAXCHANGE},
        {"today", required_argument, NULL, O_TODAY},
        {"max-age", required_argument, NULL, O_MAXAGE},
        {"advance-model", required_argument, NULL, O_AMODEL},
        {"map-step", required_argument, NULL, O_MAPSTEP},
        {"cell", required_argument, NULL, O_CELL},
        {"plots", required_argument, NULL, O_PLOTS},
        {"source", required_argument, NULL, O_SOURCE},
        {"holder", required_argument, NULL, O_HOLDER},
        {"format", required_argument, NULL, O_FORMAT},
        {"pg", required_argument, NULL, O_PG},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "run";
    fc_run_options *o = &a->o;
    fc_run_defaults(o);
    cli_model_defaults(&a->m);
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
        char *end;
        switch (c) {
        case O_PLACES: o->places = optarg; break;
        case O_STATE: o->state = optarg; break;
        case O_SOURCE: o->source = optarg; break;
        case O_HOLDER: o->holder = optarg; break;
        case O_WAIT:
            o->wait_s = strtod(optarg, &end);
            if (*end || !(o->wait_s >= 0 && o->wait_s <= 86400))
                return cli_usage_error(cmd, "--wait wants seconds from 0 to 86400, not '%s'", optarg);
            break;
        case O_MAXAGE:
            if (!cli_parse_int(optarg, 0, 36500, &o->max_age_days))
                return cli_usage_error(cmd, "--max-age wants days (0: no alarm), not '%s'", optarg);
            break;
        case O_MAXCHANGE:
            o->max_daily_change_km2 = strtod(optarg, &end);
            if (*end || !(o->max_daily_change_km2 > 0))
                return cli_usage_error(cmd, "--max-daily-change-km2 wants a positive number, not '%s'", optarg);
            break;
        case O_TODAY:
            if (!fc_date_parse(optarg, &o->today))
                return cli_usage_error(cmd, "--today wants a date YYYY-MM-DD, not '%s'", optarg);
            break;
        case O_MAPSTEP:
            if (!cli_parse_int(optarg, 1, 3650, &o->map_step_days))
                return cli_usage_error(cmd, "--map-step wants days from 1 to 3650, not '%s'", optarg);
            break;
        case O_AMODEL:
            if ((r = cli_rate_model_option(cmd, "--advance-model", optarg, &o->advance_model)) < 0)
                return -r;
            break;
        case O_CELL:
            if ((r = cli_cell_option(cmd, optarg, &o->cell_m)) < 0)
                return -r;
            break;
        case O_PLOTS:
            if (strcasecmp(optarg, "yes") && strcasecmp(optarg, "no") && strcasecmp(optarg, "true") &&
                strcasecmp(optarg, "false"))
                return cli_usage_error(cmd, "--plots wants yes or no, not '%s'", optarg);
            o->plots = !strcasecmp(optarg, "yes") || !strcasecmp(optarg, "true");
            break;
        case O_FORMAT:
            if (!fc_out_formats_parse(optarg, &o->formats))
                return cli_usage_error(cmd, "--format wants csv, geojson or gpkg (or a list, "
                                            "e.g. csv,gpkg), not '%s'", optarg);
            break;
        case O_PG: o->pg = optarg; break;
        case 'o':
            if (fc_is_database(optarg))
                return cli_usage_error(cmd, "run writes a folder (store, manifest, pictures): give it "
                                            "with -o DIR and the database with --pg '%s'", optarg);
            o->output = optarg;
            break;
        case 'q': a->common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->m.nmodels == 0)
        return cli_usage_error(cmd, "--model auto needs a model beside it for the charts, "
                                    "e.g. --model pace,auto");
    if (o->map_step_days > a->m.horizon)
        return cli_usage_error(cmd, "--map-step (%d) is longer than --horizon (%d)", o->map_step_days, a->m.horizon);
    if (o->pg && !fc_is_database(o->pg))
        return cli_usage_error(cmd, "--pg wants a connection like 'PG:dbname=front host=localhost', "
                                    "not '%s'", o->pg);
    cli_progress_init(&a->common, &a->in);
    o->forecast = cli_forecast_options(&a->m, FC_NO_DAY);
    o->threads = a->in.threads;
    o->tile_m = a->in.tile_km * 1000;
    o->raw_border = a->in.raw_border;
    if (!a->in.control) /* the bundled demo series is never fresh */
        o->max_age_days = 0;
    return -1;
}

static void progress_end(void *common)
{
    cli_progress_end(common);
}

int cmd_run(int argc, char **argv)
{
    cli_argv av = {0};
    int rc = cli_expand_config(argc, argv, &av);
    run_args a = {0};
    if (rc < 0)
        rc = parse(av.n, av.v, &a);
    if (rc >= 0) {
        cli_argv_free(&av);
        return rc;
    }
    cli_warnings printer;
    cli_warnings_init(&printer, a.common.quiet);
    /* Every warning is printed and kept for the manifest, the zones' too. */
    fc_warning_log *log = fc_warning_log_create(&printer.diag);
    cli_warnings open_warn = printer;
    if (log)
        open_warn.diag = *fc_warning_log_diag(log);
    char credit[256];
    char *places = cli_places_path(a.o.places);
    fc_worker *w = fc_worker_create();
    fc_zoneset *zs = NULL;
    fc_series *series = NULL;
    fc_run_result r = {0};
    fc_error err = {0};
    fc_status st = log && places && w ? FC_OK : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = cli_open_inputs(&a.in, &a.common, &open_warn, w, &zs, &series, &err);
    if (st == FC_OK) {
        a.o.places = places;
        a.o.warnings = log;
        a.o.zones_credit = cli_zones_credit(&a.in, credit, sizeof credit);
        a.o.progress = a.common.progress ? cli_progress : NULL;
        a.o.progress_end = progress_end;
        a.o.progress_ctx = &a.common;
        st = fc_run(w, zs, series, &a.o, &r, &err);
    }
    for (size_t i = 0; i < r.nquarantined; i++) {
        char d[11];
        fc_date_format(r.quarantined[i].date, d);
        fprintf(stderr, "frontcast: quarantined: %s (%s): %s\n", r.quarantined[i].path, d,
                r.quarantined[i].reason);
    }
    if (st == FC_OK && r.up_to_date && !a.common.quiet)
        fprintf(stderr, "frontcast run: up to date (snapshots: %zu reused, 0 computed); %.2f s\n",
                fc_series_count(series), r.seconds);
    if (st == FC_OK && r.outcome == FC_RUN_STALE) {
        char d[11];
        fc_date_format(r.newest, d);
        fprintf(stderr, "frontcast: stale: newest snapshot %s is %d days old\n", d, r.age_days);
    }
    if (st == FC_OK && !r.up_to_date && !a.common.quiet)
        fprintf(stderr, "frontcast run: snapshots: %zu reused, %zu computed, %zu quarantined; "
                        "outputs in %s/; %.1f s\n",
                r.stats.reused, r.stats.computed, r.stats.quarantined, a.o.output, r.seconds);
    int exit_code = (int)r.outcome;
    if (st != FC_OK) {
        cli_fail(&err);
        exit_code = r.lock_busy ? FC_EXIT_LOCKED : FC_EXIT_ERROR;
    }
    fc_run_result_clear(&r);
    fc_series_close(w, series);
    fc_zones_destroy(w, zs);
    fc_worker_destroy(w);
    fc_warning_log_destroy(log);
    free(places);
    cli_argv_free(&av);
    return exit_code;
}
