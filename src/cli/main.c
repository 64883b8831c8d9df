/* frontcast command line: the command table and global help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "frontcast/frontcast.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", cmd_run, "everything, incrementally, into one folder (for cron; --config FILE)"},
    {"fetch", cmd_fetch, "new DeepStateMap snapshots into a folder (fetch deepstate --dir DIR)"},
    {"areas", cmd_areas, "controlled area, gains and losses per zone and date"},
    {"forecast", cmd_forecast, "rates, projections with intervals, dates at the current pace"},
    {"backtest", cmd_backtest, "how good each forecast model has been (rolling origins)"},
    {"frontline", cmd_frontline, "the front line of every snapshot, its length and shift"},
    {"advance", cmd_advance, "where the front will be: arrival times, projected control, places"},
    {"places", cmd_places, "when each place was first held: the observed timeline"},
    {"plot", cmd_plot, "charts of the advance and a map of where the front is going"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: frontcast COMMAND [OPTIONS]\n"
            "\n"
            "Measures how a front line moves: the area each side controls in every\n"
            "zone (oblast, district...) on every date of a series of control maps,\n"
            "measured on the WGS84 ellipsoid.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Run 'frontcast COMMAND --help' for a command's options and examples.\n"
            "With no options, a command runs on the bundled data: the Ukrainian\n"
            "oblasts and a synthetic demo series (geodata/README.md).\n"
            "\n"
            "  frontcast run                                    # everything, demo series, into out/\n"
            "  frontcast fetch deepstate --dir snapshots/\n"
            "  frontcast run --control snapshots/ --source DeepStateMap\n"
           "  frontcast run --control snapshots/ --format gpkg   # one styled GeoPackage for QGIS\n"
            "  frontcast areas --control snapshots/ -o areas.csv\n"
            "  frontcast forecast --areas areas.csv --window 90,180,365\n"
            "  frontcast backtest --areas areas.csv\n"
            "\n"
            "Exit status: 0 success, 1 error (one line on stderr names the file and\n"
            "the problem; no output file is left half-written), 2 wrong options;\n"
            "run also: 3 completed with quarantined inputs, 4 another run holds the lock,\n"
            "5 completed on stale data (the newest snapshot older than --max-age).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return FC_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        char deps[256];
        printf("frontcast %s (%s)\n", fc_version(), fc_dependency_versions(deps, sizeof deps));
        return FC_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "frontcast: error: unknown command '%s'\n", cmd);
    usage(stderr);
    return FC_EXIT_USAGE;
}
