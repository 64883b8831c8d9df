/* frontcast frontline: the front line of every snapshot. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/export.h"
#include "frontcast/spatial.h"

static void help(void)
{
    printf("Usage: frontcast frontline [OPTIONS]\n"
           "\n"
           "Extracts the front line of every snapshot: the part of the control area's\n"
           "boundary inside the country (the union of the zones), not along the\n"
           "international border or the coast, without slivers shorter than\n"
           "--min-length; its geodesic length, and how far it moved since the previous\n"
           "snapshot (mean and 90th percentile of the distance from points every 1 km\n"
           "of the new line to the old one).\n"
           "\n");
    cli_print_input_help();
    printf("Front line:\n"
           "  --min-length KM        drop pieces shorter than this (default %g)\n"
           "  --border-tolerance KM  control edges closer than this to the country's own\n"
           "                         boundary are border or coast, not front (default %g)\n"
           "  -o, --output DIR       frontline.geojson and frontline.csv (+.csvt) (default out/)\n"
           "  -q, --quiet            no warnings or progress\n"
           "\n"
           "Example:\n"
           "  frontcast frontline --control ~/deepstate -o out\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options.\n",
           FC_FRONT_MIN_LENGTH_M / 1000, FC_BORDER_TOLERANCE_M / 1000);
}

static bool parse_km(const char *s, double min, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= min && v <= 1000))
        return false;
    *out = v;
    return true;
}

int cmd_frontline(int argc, char **argv)
{
    enum { O_MINLEN = 256, O_TOL };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        {"min-length", required_argument, NULL, O_MINLEN},
        {"border-tolerance", required_argument, NULL, O_TOL},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "frontline", *output = "out";
    cli_inputs in = {0};
    cli_common common = {0};
    double min_km = FC_FRONT_MIN_LENGTH_M / 1000, tol_km = FC_BORDER_TOLERANCE_M / 1000;
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
        case O_MINLEN:
            if (!parse_km(optarg, 0, &min_km))
                return cli_usage_error(cmd, "--min-length wants km from 0 to 1000, not '%s'", optarg);
            break;
        case O_TOL:
            if (!parse_km(optarg, 0.001, &tol_km))
                return cli_usage_error(cmd, "--border-tolerance wants km from 0.001 to 1000, not '%s'", optarg);
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
    cli_progress_init(&common, &in);

    cli_warnings warn;
    cli_warnings_init(&warn, common.quiet);
    fc_error err = {0};
    cli_session ses = {0};
    fc_frontlines *lines = NULL;
    fc_status st = cli_session_open(&ses, &in, &common, &warn, false, &err);
    if (st == FC_OK) {
        fc_frontline_options fo = {.tolerance_m = tol_km * 1000, .min_length_m = min_km * 1000,
                                   .threads = in.threads, .diag = &warn.diag,
                                   .progress = common.progress ? cli_progress : NULL,
                                   .progress_user = "frontline"};
        st = fc_frontlines_compute(ses.zs, ses.series, &fo, &lines, &err);
        cli_progress_end(&common);
    }
    if (st == FC_OK)
        st = fc_write_frontlines(lines, output, &err);
    if (st == FC_OK && !common.quiet && lines->n > 0) {
        const fc_frontline_row *last = &lines->rows[lines->n - 1];
        char d[11];
        fc_date_format(last->date, d);
        fprintf(stderr, "frontcast: %zu front lines in %s/; on %s the front is %.1f km long\n",
                lines->n, output, d, last->length_km);
    }
    int rc = st == FC_OK ? FC_EXIT_OK : cli_fail(&err);
    fc_frontlines_destroy(lines);
    cli_session_close(&ses);
    return rc;
}
