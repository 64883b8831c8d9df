/* frontcast areas: per-zone controlled area, gains and losses. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/util.h"
#include "frontcast/areas.h"
#include "frontcast/export.h"

static void help(void)
{
    printf(
        "Usage: frontcast areas [OPTIONS]\n"
        "\n"
        "Measures, for every date of a control series, the controlled area of\n"
        "every zone and what was gained and lost since the previous snapshot.\n"
        "Areas are ellipsoidal (WGS84): computed in a Lambert azimuthal\n"
        "equal-area projection centred on the zones, never in degrees.\n"
        "Invalid polygons are repaired with GEOSMakeValid and reported.\n"
        "\n"
        "Inputs (any OGR vector format and CRS):\n"
        "  --zones PATH           zone boundaries (default: geodata/ukraine-oblasts.geojson)\n"
        "  --zone-id-field F      zone id attribute (default: auto, e.g. zone_id, iso_3166_2)\n"
        "  --zone-name-field F    zone name attribute (default: auto, e.g. name)\n"
        "  --control PATH         the control series (default: the synthetic demo series\n"
        "                         geodata/demo-control), either\n"
        "                           a folder of snapshot files with the date in each name\n"
        "                           (YYYYMMDD or YYYY-MM-DD), or\n"
        "                           one layer with a date field (features of one date are\n"
        "                           unioned), or a GeoPackage with one dated layer per date\n"
        "  --date-pattern P       date in file/layer names, with %%Y %%m %%d, e.g. 'snap_%%d.%%m.%%Y'\n"
        "  --date-field F         date attribute of a single-layer series (default: auto)\n"
        "\n"
        "Output:\n"
        "  -o, --output FILE      write to FILE (default: standard output); a CSV gets a\n"
        "                         QGIS .csvt sidecar. Written to a temporary file and\n"
        "                         renamed, so FILE is never left half-written.\n"
        "  -f, --format FMT       csv (default) or geojson (RFC 7946, the controlled\n"
        "                         polygon of each row; default when FILE ends in .geojson)\n"
        "\n"
        "  Columns: date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,\n"
        "           gained_km2,lost_km2 -- one row per date and zone, dates ascending,\n"
        "  plus a row per date with zone_id ALL: the whole control layer (not clipped\n"
        "  to the zones; its controlled_pct is of the zones' total area). gained and\n"
        "  lost are against the previous snapshot, empty on the first date. Missing\n"
        "  days are absent rows, never interpolated.\n"
        "\n"
        "Run:\n"
        "  -j, --threads N        worker threads (default: all cores)\n"
        "  --tile-km K            overlay tile size in km (default 40; a speed knob only)\n"
        "  --timings              print where the time went (read / repair / overlay / write)\n"
        "  -q, --quiet            no warnings or progress\n"
        "  -h, --help             this help\n"
        "\n"
        "Examples:\n"
        "  frontcast areas                              # bundled zones, demo series\n"
        "  frontcast areas --control ~/deepstate -o areas.csv\n"
        "  frontcast areas --control ~/deepstate -o areas.geojson\n"
        "  frontcast areas --zones raions.gpkg --zone-id-field ADM2_PCODE \\\n"
        "                  --control control.gpkg --date-field day -o raions.csv\n"
        "\n"
        "Exit status: 0 success, 1 error (one line on stderr names the file and\n"
        "the problem), 2 wrong options.\n");
}

typedef struct areas_args {
    const char *zones, *control, *output, *format;
    fc_zone_options zone_opts;
    fc_series_options series_opts;
    int threads;
    double tile_km;
    bool timings;
    cli_common common;
} areas_args;

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, areas_args *a)
{
    enum { O_ZONES = 256, O_ZID, O_ZNAME, O_CONTROL, O_PATTERN, O_DFIELD, O_TIMINGS, O_TILE };
    static const struct option longopts[] = {
        {"zones", required_argument, NULL, O_ZONES},
        {"zone-id-field", required_argument, NULL, O_ZID},
        {"zone-name-field", required_argument, NULL, O_ZNAME},
        {"control", required_argument, NULL, O_CONTROL},
        {"date-pattern", required_argument, NULL, O_PATTERN},
        {"date-field", required_argument, NULL, O_DFIELD},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 'j'},
        {"tile-km", required_argument, NULL, O_TILE},
        {"timings", no_argument, NULL, O_TIMINGS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:f:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case O_ZONES: a->zones = optarg; break;
        case O_ZID: a->zone_opts.id_field = optarg; break;
        case O_ZNAME: a->zone_opts.name_field = optarg; break;
        case O_CONTROL: a->control = optarg; break;
        case O_PATTERN: a->series_opts.date_pattern = optarg; break;
        case O_DFIELD: a->series_opts.date_field = optarg; break;
        case 'o': a->output = optarg; break;
        case 'f': a->format = optarg; break;
        case 'j':
            if (!cli_parse_int(optarg, 1, 1024, &a->threads))
                return cli_usage_error("areas", "-j wants a number of threads, not '%s'", optarg);
            break;
        case O_TILE: {
            char *end;
            a->tile_km = strtod(optarg, &end);
            if (*end || !(a->tile_km >= 1 && a->tile_km <= 10000))
                return cli_usage_error("areas", "--tile-km wants a size from 1 to 10000 km, not '%s'", optarg);
            break;
        }
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
                        : "csv";
    }
    if (strcmp(a->format, "csv") != 0 && strcmp(a->format, "geojson") != 0)
        return cli_usage_error("areas", "unknown format '%s' (csv or geojson)", a->format);
    a->common.progress = !a->common.quiet && isatty(STDERR_FILENO);
    return -1;
}

static void print_timings(const fc_areas_timing *t, double write_s, double load_s)
{
    fprintf(stderr,
            "frontcast: timings: %zu snapshots on %d threads, wall %.3f s "
            "(zones %.3f s, series %.3f s, write %.3f s)\n"
            "frontcast: timings: thread time: read %.3f s, repair+reproject %.3f s, "
            "overlay %.3f s\n"
            "frontcast: timings: tiles changed %zu, reused %zu, overlay operations %zu, "
            "repaired features %zu\n",
            t->snapshots, t->threads, t->wall_s + write_s + load_s, load_s, t->wall_s, write_s,
            t->read_s, t->prepare_s, t->overlay_s, t->overlay.tiles_changed,
            t->overlay.tiles_reused, t->overlay.intersections, t->repaired);
}

int cmd_areas(int argc, char **argv)
{
    areas_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0)
        return rc;

    char *def_zones = NULL, *def_control = NULL;
    fc_worker *w = fc_worker_create();
    fc_zoneset *zs = NULL;
    fc_series *series = NULL;
    fc_area_table *table = NULL;
    fc_error err = {0};
    cli_warnings warn;
    cli_warnings_init(&warn, a.common.quiet);
    rc = FC_EXIT_ERROR;
    if (!w) {
        fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!a.zones)
        a.zones = def_zones = cli_geodata_path("ukraine-oblasts.geojson");
    if (!a.control) {
        a.control = def_control = cli_geodata_path("demo-control");
        if (!a.common.quiet)
            fprintf(stderr, "frontcast: note: using the SYNTHETIC demo series %s "
                            "(not real data); pass --control for real snapshots\n",
                    a.control);
    }
    double t0 = fc_now();
    if (fc_zones_load(w, a.zones, &a.zone_opts, &warn.diag, &zs, &err) != FC_OK ||
        fc_series_open(w, a.control, &a.series_opts, &series, &err) != FC_OK)
        goto fail;
    double load_s = fc_now() - t0;

    fc_areas_options opts = {
        .threads = a.threads,
        .tile_m = a.tile_km * 1000,
        .keep_geometry = strcmp(a.format, "geojson") == 0,
        .diag = &warn.diag,
        .progress = a.common.progress ? cli_progress : NULL,
        .progress_user = "areas",
    };
    fc_areas_timing timing;
    fc_status st = fc_areas_compute(zs, series, &opts, &table, &timing, &err);
    cli_progress_end(&a.common);
    if (st != FC_OK)
        goto fail;

    t0 = fc_now();
    if (opts.keep_geometry)
        st = fc_write_areas_geojson(table, zs, a.output ? a.output : "-", &err);
    else
        st = fc_write_areas_csv(table, zs, a.output, a.output ? NULL : stdout, &err);
    if (st != FC_OK)
        goto fail;
    if (a.timings)
        print_timings(&timing, fc_now() - t0, load_s);
    rc = FC_EXIT_OK;
    goto cleanup;
fail:
    rc = cli_fail(&err);
cleanup:
    fc_area_table_destroy(table);
    fc_series_close(w, series);
    fc_zones_destroy(w, zs);
    fc_worker_destroy(w);
    free(def_zones);
    free(def_control);
    return rc;
}
