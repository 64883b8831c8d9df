/* frontcast places: when each place was first inside the control area. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/export.h"
#include "frontcast/places.h"

static void help(void)
{
    printf("Usage: frontcast places [OPTIONS]\n"
           "\n"
           "The observed timeline of places (a \"settlement capture\" list): for every\n"
           "place of --places, on every snapshot, whether it lies inside the control\n"
           "area. Writes, per place:\n"
           "  first_held  the first snapshot with the place inside (empty: never)\n"
           "  last_free   the snapshot before it, with the place outside (empty: held\n"
           "              from the first snapshot, or never held)\n"
           "  held_now    on the last snapshot (true/false)\n"
           "  changes     how often it changed side between snapshots\n"
           "A place on a snapshot's gap day keeps the side of the snapshot before.\n"
           "\n");
    cli_print_input_help();
    printf("Places:\n"
           CLI_PLACES_HELP
           "  -o, --output DIR       places-timeline.csv (+.csvt) and\n"
           "                         places-timeline.geojson (default out/)\n"
           "  -q, --quiet            no summary, warnings or progress\n"
           "\n"
           "Example:\n"
           "  frontcast places --control ~/deepstate -o out\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n");
}

/* How many places were ever held, and the latest captures. */
static void print_summary(const fc_places *pl, const fc_place_history *h, const fc_series *s)
{
    size_t ever = 0, now = 0;
    for (size_t i = 0; i < pl->n; i++) {
        ever += h[i].first_held != FC_NO_DAY;
        now += h[i].held_now;
    }
    char first[11], last[11];
    const size_t ns = fc_series_count(s);
    fc_date_format(ns ? fc_series_date(s, 0) : 0, first);
    fc_date_format(ns ? fc_series_date(s, ns - 1) : 0, last);
    fprintf(stderr,
            "frontcast places: %zu places, %zu snapshots (%s to %s): %zu held at some point, "
            "%zu held on %s\n",
            pl->n, ns, first, last, ever, now, last);
    /* The 15 latest captures (a place free on the snapshot before), newest
     * first: a selection, since 15 is small. */
    bool *shown = calloc(pl->n + 1, sizeof *shown);
    for (int k = 0; shown && k < 15; k++) {
        size_t best = pl->n;
        for (size_t i = 0; i < pl->n; i++)
            if (!shown[i] && h[i].last_free != FC_NO_DAY &&
                (best == pl->n || h[i].first_held > h[best].first_held))
                best = i;
        if (best == pl->n)
            break;
        shown[best] = true;
        char d[11], f[11];
        fc_date_format(h[best].first_held, d);
        fc_date_format(h[best].last_free, f);
        fprintf(stderr, "  %-22s %8.0f  first held %s (free on %s)%s\n", pl->p[best].name,
                pl->p[best].population, d, f, h[best].held_now ? "" : ", not held now");
    }
    free(shown);
}

int cmd_places(int argc, char **argv)
{
    enum { O_PLACES = 256 };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        {"places", required_argument, NULL, O_PLACES},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "places", *output = "out", *places_path = NULL;
    cli_inputs in = {0};
    cli_common common = {0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:j:qh", longopts, NULL)) != -1) {
        int r = cli_input_option(cmd, c, optarg, &in);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        switch (c) {
        case O_PLACES: places_path = optarg; break;
        case 'o': output = optarg; break;
        case 'q': common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    cli_progress_init(&common, &in);

    char *places = cli_places_path(places_path);
    cli_warnings warn;
    cli_warnings_init(&warn, common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_places *pl = NULL;
    fc_place_history *hist = NULL;
    fc_status st = places ? fc_places_read(places, &pl, &err)
                               : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = cli_session_open(&ses, &in, &common, &warn, false, &err);
    if (st == FC_OK) {
        fc_places_timeline_options po = {in.threads, &warn.diag,
                                         common.progress ? cli_progress : NULL, "snapshots",
                                         NULL};
        st = fc_places_timeline(ses.w, ses.zs, ses.series, pl, &po, &hist, &err);
        cli_progress_end(&common);
    }
    if (st == FC_OK)
        st = fc_write_places_timeline(pl, hist, output, FC_OUT_CSV | FC_OUT_GEOJSON, &err);
    if (st == FC_OK && !common.quiet)
        print_summary(pl, hist, ses.series);
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    free(hist);
    fc_places_destroy(pl);
    cli_session_close(&ses);
    free(places);
    return rc;
}
