/* frontcast fetch deepstate: new snapshots from DeepStateMap's public API. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
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
           "A version that cannot be had (a failed, oversized or unreadable download, an\n"
           "id that is not plain letters, digits, '_' and '-', an implausible date) is\n"
           "quarantined: one line 'frontcast: quarantined: ...', the others are fetched,\n"
           "and it is tried again next time. Dates are UTC dates: a version of\n"
           "2026-08-22T01:30+03:00 is one of 2026-08-21. Redirects are followed at most\n"
           "%d times, to the same scheme, host and port only.\n"
           "\n"
           "  --dir DIR          the snapshot folder (created if missing)\n"
           "  --base-url URL     the API's address (default https://deepstatemap.live;\n"
           "                     for mirrors and tests)\n"
           "  --timeout SECONDS  per request (default 120)\n"
           "  --max-size BYTES   refuse a response larger than this; K, M, G suffixes\n"
           "                     (default %zuM)\n"
           "  -q, --quiet        no per-file lines\n"
           "\n"
           "DeepStateMap states no open licence for its data: check its terms before\n"
           "you publish what you derive from it.\n"
           "\n"
           "Exit status: 0 success, 1 error (the URL and the problem), 2 wrong options,\n"
           "3 done but some versions quarantined.\n",
           FC_FETCH_MAX_REDIRECTS, FC_FETCH_MAX_BYTES >> 20);
}

static void print_line(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "frontcast: %s\n", msg);
}

static void print_quarantined(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "frontcast: quarantined: %s\n", msg);
}

/* "1000", "64K", "256M", "1G" (powers of 1024) as bytes; false if not one. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return false;
    }
    if (*end || v == 0 || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
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
    enum { O_DIR = 256, O_BASE, O_TIMEOUT, O_MAX_SIZE };
    static const struct option longopts[] = {{"dir", required_argument, NULL, O_DIR},
                                             {"base-url", required_argument, NULL, O_BASE},
                                             {"timeout", required_argument, NULL, O_TIMEOUT},
                                             {"max-size", required_argument, NULL, O_MAX_SIZE},
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
        case O_MAX_SIZE:
            if (!parse_size(optarg, &fo.max_bytes))
                return cli_usage_error(cmd, "--max-size wants bytes (K, M, G allowed), not '%s'",
                                       optarg);
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
    /* Quarantined versions are reported even when quiet: the exit says 3. */
    fc_diag qdiag = {print_quarantined, NULL};
    fo.quarantine = &qdiag;
    fc_worker *w = fc_worker_create();
    fc_fetch_stats stats;
    fc_error err = {0};
    fc_status st = w ? fc_fetch_deepstate(w, &fo, &stats, &err)
                     : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    fc_worker_destroy(w);
    if (st != FC_OK)
        return cli_fail(&err);
    if (!quiet)
        fprintf(stderr,
                "frontcast fetch: %zu dates listed, %zu already in %s, %zu fetched, %zu "
                "quarantined\n",
                stats.listed_dates, stats.present, fo.dir, stats.fetched, stats.quarantined);
    return stats.quarantined ? FC_EXIT_QUARANTINED : FC_EXIT_OK;
}
