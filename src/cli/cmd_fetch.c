/* frontcast fetch deepstate: new snapshots from DeepStateMap's public API. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "frontcast/fetch.h"

static void help(void)
{
    printf("Usage: frontcast fetch deepstate --dir DIR [--base-url URL] [-q]\n"
           "\n"
           "Brings from DeepStateMap's public API the snapshots of the dates not yet in\n"
           "DIR (for each UTC date, the latest version): the occupied categories\n"
           "(status.occupied, territories.crimea, territories.ordlo) dissolved into\n"
           "DIR/deepstatemap_YYYYMMDD.geojson, the grey zone (status.unknown) into\n"
           "DIR/grey/, the rest dropped. Files are written to temporary names and renamed;\n"
           "a failed download leaves no file. Then 'frontcast run --control DIR'.\n"
           "\n"
           "  --dir DIR          the snapshot folder (created if missing)\n"
           "  --base-url URL     the API's address (default https://deepstatemap.live;\n"
           "                     for mirrors and tests)\n"
           "  --timeout SECONDS  per request (default 120)\n"
           "  -q, --quiet        no per-file lines\n"
           "\n"
           "DeepStateMap states no open licence for its data: check its terms before\n"
           "you publish what you derive from it.\n"
           "\n"
           "Exit status: 0 success, 1 error (the URL and the problem), 2 wrong options.\n");
}

static void print_line(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "frontcast: %s\n", msg);
}

int cmd_fetch(int argc, char **argv)
{
    const char *cmd = "fetch";
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return FC_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "deepstate") != 0)
        return cli_usage_error(cmd, "fetch what? the one source is 'deepstate'");
    enum { O_DIR = 256, O_BASE, O_TIMEOUT };
    static const struct option longopts[] = {{"dir", required_argument, NULL, O_DIR},
                                             {"base-url", required_argument, NULL, O_BASE},
                                             {"timeout", required_argument, NULL, O_TIMEOUT},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    fc_fetch_options fo = {0};
    bool quiet = false;
    int timeout = 120;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, ":qh", longopts, NULL)) != -1) {
        switch (c) {
        case O_DIR: fo.dir = optarg; break;
        case O_BASE: fo.base_url = optarg; break;
        case O_TIMEOUT:
            if (!cli_parse_int(optarg, 1, 86400, &timeout))
                return cli_usage_error(cmd, "--timeout wants seconds, not '%s'", optarg);
            break;
        case 'q': quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind]);
        }
    }
    if (!fo.dir)
        return cli_usage_error(cmd, "--dir is required");
    fo.timeout_s = timeout;
    fc_diag diag = {print_line, NULL};
    fo.diag = quiet ? NULL : &diag;
    fc_worker *w = fc_worker_create();
    fc_fetch_stats stats;
    fc_error err = {0};
    fc_status st = w ? fc_fetch_deepstate(w, &fo, &stats, &err)
                     : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    fc_worker_destroy(w);
    if (st != FC_OK)
        return cli_fail(&err);
    if (!quiet)
        fprintf(stderr, "frontcast fetch: %zu dates listed, %zu already in %s, %zu fetched\n",
                stats.listed_dates, stats.present, fo.dir, stats.fetched);
    return FC_EXIT_OK;
}
