/* frontcast plot: charts of the advance and a map of where the front is going. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/places.h"
#include "core/util.h"
#include "frontcast/pipeline.h"
#include "frontcast/plot.h"

static void help(void)
{
    printf("Usage: frontcast plot [OPTIONS]\n"
           "\n"
           "Draws, as PNG and SVG (cairo), into the output folder:\n"
           "  chart-<zone_id>   for each zone whose controlled area moved (1 km2 or more):\n"
           "                    its share over time on an axis fitted to it, the projection\n"
           "                    of the chosen model with its 80%% and 95%% bands (and how\n"
           "                    often such bands covered), the as-of date and the ETA\n"
           "  chart-advancing   the same, small multiples of the zones with an advance\n"
           "  gains             monthly gained (up) and lost (down) km2 of the whole layer,\n"
           "                    and the net\n"
           "  map               zones, the control area at as-of, the projected fronts at\n"
           "                    each step, places with their arrival month, labels placed\n"
           "                    without overlaps (equal-area projection, scale bar, legend,\n"
           "                    attribution)\n"
           "  map-front         the same, zoomed on where the front is expected to move\n"
           "  " FC_ANIMATION_FILE "         with --animate: the control area and its front line, a\n"
           "                    frame every --every days over the series, dated\n"
           "  " FC_ANIMATION_VIDEO "         the same as an H.264 video, when ffmpeg is on the PATH\n"
           "Pictures of the synthetic demo series are stamped as such.\n"
           "\n");
    cli_print_input_help();
    printf("Plot:\n"
           "  --as-of DATE           (default: the last snapshot)\n"
           "  --model M              pace (default), ols, theilsen or holt\n"
           "  --window DAYS          (default %d)\n"
           "  --horizon DAYS         (default %d); --step DAYS for the map's fronts (default %d)\n"
           "  --cell KM              the map's arrival grid (default %g)\n"
           "  --source TEXT          names the data in titles (default: the control folder)\n"
           "  --holder TEXT          who holds the mapped area, for the map's legend, e.g.\n"
           "                         --holder \"Russian forces\" (default: from the source\n"
           "                         where known, a DeepStateMap folder's; else \"controlled\")\n"
           "  --width PX, --height PX  at 96 dpi (default 1200 x 700); --dpi N scales the PNGs\n"
           "  --all-charts           a chart for every zone, also those that did not move\n"
           "  --animate              also " FC_ANIMATION_FILE " (%d x %d), a frame every --every DAYS\n"
           "                         (default %d)\n"
           "  -o, --output DIR       (default out/)\n"
           "  -q, --quiet\n"
           "\n"
           "Example:\n"
           "  frontcast plot --control ~/deepstate --source DeepStateMap \\\n"
           "      --holder \"Russian forces\" --as-of 2025-11-26\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n",
           FC_DEFAULT_WINDOW_DAYS, FC_DEFAULT_HORIZON_DAYS, FC_DEFAULT_MAP_STEP_DAYS,
           FC_DEFAULT_CELL_M / 1000, FC_ANIMATION_WIDTH, FC_ANIMATION_HEIGHT,
           FC_DEFAULT_ANIMATION_EVERY_DAYS);
}

int cmd_plot(int argc, char **argv)
{
    enum { O_SOURCE = 256, O_HOLDER, O_WIDTH, O_HEIGHT, O_DPI, O_ALL_CHARTS, O_ANIMATE, O_EVERY };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_ADVANCE_LONGOPTS,
        {"source", required_argument, NULL, O_SOURCE},
        {"holder", required_argument, NULL, O_HOLDER},
        {"width", required_argument, NULL, O_WIDTH},
        {"height", required_argument, NULL, O_HEIGHT},
        {"dpi", required_argument, NULL, O_DPI},
        {"all-charts", no_argument, NULL, O_ALL_CHARTS},
        {"animate", no_argument, NULL, O_ANIMATE},
        {"every", required_argument, NULL, O_EVERY},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "plot", *output = "out";
    cli_inputs in = {0};
    cli_common common = {0};
    fc_plot_options po = {1200, 700, 96, NULL, NULL, false, NULL, false};
    fc_advance_options ao = fc_advance_defaults();
    int dpi = 96, every = FC_DEFAULT_ANIMATION_EVERY_DAYS;
    bool animate = false;
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
        case O_SOURCE: po.source = optarg; break;
        case O_HOLDER: po.holder = optarg; break;
        case O_ALL_CHARTS: po.all_charts = true; break;
        case O_ANIMATE: animate = true; break;
        case O_EVERY:
            if (!cli_parse_int(optarg, 1, 3650, &every))
                return cli_usage_error(cmd, "--every wants days from 1 to 3650, not '%s'", optarg);
            break;
        case O_WIDTH:
            if (!cli_parse_int(optarg, 200, 10000, &po.width))
                return cli_usage_error(cmd, "--width wants 200 to 10000 pixels, not '%s'", optarg);
            break;
        case O_HEIGHT:
            if (!cli_parse_int(optarg, 150, 10000, &po.height))
                return cli_usage_error(cmd, "--height wants 150 to 10000 pixels, not '%s'", optarg);
            break;
        case O_DPI:
            if (!cli_parse_int(optarg, 24, 1200, &dpi))
                return cli_usage_error(cmd, "--dpi wants 24 to 1200, not '%s'", optarg);
            po.dpi = dpi;
            break;
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
    char credit[256];
    po.zones_credit = cli_zones_credit(&in, credit, sizeof credit);
    char *places_path = cli_places_path(NULL);
    ao.places = places_path;
    ao.threads = in.threads;

    cli_warnings warn;
    cli_warnings_init(&warn, common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_status st = cli_session_open(&ses, &in, &common, &warn, true, &err);
    if (st == FC_OK)
        st = fc_pictures_run(ses.w, ses.zs, ses.series, ses.table, &ao, &po, &warn.diag, output,
                             &err);
    fc_animation anim = {0};
    if (st == FC_OK && animate)
        st = fc_plot_animation(ses.w, ses.zs, ses.series, &po, every, output, &anim, &err);
    if (st == FC_OK && !common.quiet)
        fprintf(stderr, "frontcast: charts, gains and map in %s/ (PNG and SVG)\n", output);
    if (st == FC_OK && animate && !common.quiet)
        fprintf(stderr, "frontcast: %s/" FC_ANIMATION_FILE ": %zu frames; %s\n", output,
                anim.frames,
                anim.video ? FC_ANIMATION_VIDEO " too"
                           : "no " FC_ANIMATION_VIDEO " (no ffmpeg on the PATH)");
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    cli_session_close(&ses);
    free(places_path);
    return rc;
}
