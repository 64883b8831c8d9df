/* frontcast areas: per-zone controlled area, gains and losses. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/util.h"
#include "frontcast/border.h"
#include "frontcast/export.h"

static void help(void)
{
    printf("Usage: frontcast areas [OPTIONS]\n"
           "\n"
           "Measures, for every date of a control series, the controlled area of\n"
           "every zone and what was gained and lost since the previous snapshot.\n"
           "Areas are ellipsoidal (WGS84): computed in a Lambert azimuthal\n"
           "equal-area projection centred on the zones, never in degrees.\n"
           "Invalid polygons are repaired with GEOSMakeValid and reported.\n"
           "\n");
    cli_print_input_help();
    printf("Output:\n"
           "  -o, --output FILE      write to FILE (default: standard output); a CSV gets a\n"
           "                         QGIS .csvt sidecar. Written to a temporary file and\n"
           "                         renamed, so FILE is never left half-written.\n"
           "  -f, --format FMT       csv (default) or geojson (RFC 7946, the controlled\n"
           "                         polygon of each row; default when FILE ends in .geojson)\n"
           "                         or gpkg: a GeoPackage (default for FILE.gpkg) with layers\n"
           "                         zones and control (a feature per zone and date, with\n"
           "                         valid_from/valid_to) and their QGIS styles; FILE may be\n"
           "                         a PostGIS database, -o PG:\"dbname=... host=...\", where\n"
           "                         the tables' rows are replaced in one transaction\n"
           "\n"
           "  Columns: date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,\n"
           "           gained_km2,lost_km2,border_km2 -- one row per date and zone, dates\n"
           "  ascending, plus a row per date with zone_id ALL: the whole control layer\n"
           "  (not clipped to the zones; its controlled_pct is of the zones' total area).\n"
           "  gained and lost are against the previous snapshot, empty on the first date.\n"
           "  border_km2 is the zone's border sliver: uncontrolled ground along the\n"
           "  country's outline, next to control, in strips thinner than %g km (the two\n"
           "  maps drawing a border or coast differently, not contested ground).\n"
           "  controlled_pct counts it as held unless --raw-border. Missing days are\n"
           "  absent rows, never interpolated.\n"
           "\n"
           "Run:\n"
           "  --timings              print where the time went (tiles and strips / read /\n"
           "                         repair / overlay / write)\n"
           "  -q, --quiet            no warnings or progress\n"
           "  -h, --help             this help\n"
           "\n"
           "Examples:\n"
           "  frontcast areas                              # bundled zones, demo series\n"
           "  frontcast areas --control ~/deepstate -o areas.csv\n"
           "  frontcast areas --control ~/deepstate -o areas.geojson\n"
           "  frontcast areas --control ~/deepstate -o areas.gpkg   # open in QGIS\n"
           "  frontcast areas --zones raions.gpkg --zone-id-field ADM2_PCODE \\\n"
           "                  --control control.gpkg --date-field day -o raions.csv\n"
           "\n"
           "Exit status: 0 success, 1 error (one line on stderr names the file and\n"
           "the problem), 2 wrong options.\n",
           FC_BORDER_TOLERANCE_M / 1000);
}

typedef struct areas_args {
    cli_inputs in;
    const char *output, *format;
    bool timings;
    cli_common common;
} areas_args;

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, areas_args *a)
{
    enum { O_TIMINGS = 256 };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"timings", no_argument, NULL, O_TIMINGS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:f:j:qh", longopts, NULL)) != -1) {
        int r = cli_input_option("areas", c, optarg, &a->in);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'f': a->format = optarg; break;
        case O_TIMINGS: a->timings = true; break;
        case 'q': a->common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error("areas", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("areas", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("areas", "unexpected argument '%s'", argv[optind]);
    if (!a->format) {
        size_t n = a->output ? strlen(a->output) : 0;
        a->format = (n > 8 && strcasecmp(a->output + n - 8, ".geojson") == 0) ||
                            (n > 5 && strcasecmp(a->output + n - 5, ".json") == 0)
                        ? "geojson"
                    : (n > 5 && strcasecmp(a->output + n - 5, ".gpkg") == 0) ||
                            (a->output && fc_is_database(a->output))
                        ? "gpkg"
                        : "csv";
    }
    if (strcmp(a->format, "csv") != 0 && strcmp(a->format, "geojson") != 0 &&
        strcmp(a->format, "gpkg") != 0)
        return cli_usage_error("areas", "unknown format '%s' (csv, geojson or gpkg)", a->format);
    if (!strcmp(a->format, "gpkg") && !a->output)
        return cli_usage_error("areas", "--format gpkg needs -o FILE.gpkg (or -o PG:...)");
    if (a->output && fc_is_database(a->output) && strcmp(a->format, "gpkg") != 0)
        return cli_usage_error("areas", "a PG: target takes the layers of --format gpkg, not %s",
                               a->format);
    cli_progress_init(&a->common, &a->in);
    return -1;
}

static void print_timings(const fc_areas_timing *t, double write_s, double load_s)
{
    fprintf(stderr,
            "frontcast: timings: %zu snapshots on %d threads, wall %.3f s "
            "(zones %.3f s, series %.3f s of which tiles and border strips %.3f s, "
            "write %.3f s)\n"
            "frontcast: timings: thread time: read %.3f s, repair+reproject %.3f s, "
            "overlay %.3f s\n"
            "frontcast: timings: tiles changed %zu, reused %zu, overlay operations %zu, "
            "repaired features %zu\n",
            t->snapshots, t->threads, load_s + write_s, load_s - t->wall_s, t->wall_s, t->setup_s,
            write_s,
            t->read_s, t->prepare_s, t->overlay_s, t->overlay.tiles_changed,
            t->overlay.tiles_reused, t->overlay.intersections, t->repaired);
}

int cmd_areas(int argc, char **argv)
{
    areas_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    fc_zoneset *zs = NULL;
    fc_area_table *table = NULL;
    fc_error err = {0};
    cli_warnings warn;
    cli_warnings_init(&warn, a.common.quiet);
    const bool geojson = strcmp(a.format, "geojson") == 0, gpkg = strcmp(a.format, "gpkg") == 0;
    fc_areas_timing timing = {0};
    double t0 = fc_now();
    /* The GeoPackage's zones layer needs the zones' geometry, which lives
     * with a worker; the other formats need only their ids and areas. */
    fc_worker *w = gpkg ? fc_worker_create() : NULL;
    fc_series *series = NULL;
    fc_status st = FC_OK;
    if (gpkg && !w)
        st = fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    else if (gpkg)
        st = cli_open_inputs(&a.in, &a.common, &warn, w, &zs, &series, &err);
    if (st == FC_OK && gpkg)
        st = cli_compute_areas(&a.in, &a.common, &warn, zs, series, true, &timing, &table, &err);
    else if (st == FC_OK)
        st = cli_load_areas(&a.in, &a.common, &warn, geojson, &table, &zs, &timing, &err);
    double load_s = fc_now() - t0;
    if (st == FC_OK) {
        t0 = fc_now();
        fc_map_layers m = {.zones = zs, .observed = table};
        st = gpkg      ? fc_write_map_layers(&m, a.output, &err)
             : geojson ? fc_write_areas_geojson(table, zs, a.output ? a.output : "-", &err)
                       : fc_write_areas_csv(table, zs, a.output, &err);
    }
    if (st == FC_OK && a.timings)
        print_timings(&timing, fc_now() - t0, load_s);
    rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    fc_area_table_destroy(table);
    fc_series_close(w, series);
    fc_zones_destroy(w, zs);
    fc_worker_destroy(w);
    return rc;
}
