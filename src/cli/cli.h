/* Shared pieces of the frontcast command line (src/cli only). */
#ifndef FRONTCAST_CLI_H
#define FRONTCAST_CLI_H

#include <stdbool.h>

#include <getopt.h>

#include "frontcast/areas.h"
#include "frontcast/spatial.h"
#include "frontcast/frontcast.h"

/* Exit codes of every command. */
enum {
    FC_EXIT_OK = 0,
    FC_EXIT_ERROR = 1, /* bad input or a failed run: see the message */
    FC_EXIT_USAGE = 2, /* wrong options */
    FC_EXIT_QUARANTINED = 3, /* done, but some inputs were left out (FC_RUN_QUARANTINED) */
    FC_EXIT_LOCKED = 4,      /* run: another run holds the lock */
    FC_EXIT_STALE = 5        /* run: done on data older than --max-age (FC_RUN_STALE) */
};

/* Options every command shares. */
typedef struct cli_common {
    bool quiet;
    bool progress; /* not quiet, and stderr a terminal or --progress given */
} cli_common;

/* Prints "frontcast: error: MSG" and returns FC_EXIT_ERROR. */
int cli_fail(const fc_error *err);
/* Prints "frontcast: error: MSG" for a usage problem, a hint, and returns FC_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A diag that prints "frontcast: warning: ..." (counts them; silent if quiet). */
typedef struct cli_warnings {
    fc_diag diag;
    bool quiet;
    unsigned count;
} cli_warnings;
void cli_warnings_init(cli_warnings *w, bool quiet);

/* Progress line on stderr, "\r<what>: done/total", for fc_progress_fn. */
void cli_progress(void *what, size_t done, size_t total);
void cli_progress_end(const cli_common *c);

/* Path of a file in the default data folder: FRONTCAST_GEODATA, else an
 * installation's share/frontcast/geodata, else the source tree's geodata/.
 * Newly allocated. */
char *cli_geodata_path(const char *name);
/* The places file: given, or the bundled default (FC_DEFAULT_PLACES in the
 * geodata folder). Newly allocated (free()); NULL when out of memory. */
char *cli_places_path(const char *given);


/* Parses a positive int option value; false if malformed. */
bool cli_parse_int(const char *s, int min, int max, int *out);
/* Parses "a,b,c" into at most max ints within [min,max_v]; count in *n. */
bool cli_parse_int_list(const char *s, int min, int max_v, int *out, size_t max, size_t *n);
bool cli_parse_real_list(const char *s, double min, double max_v, double *out, size_t max,
                         size_t *n);

/* How many of each of --oo, --lco and --dsco. */
#define CLI_MAX_GDAL_OPTIONS 16

/* Where the area series comes from: zones and control (computed), or an
 * areas CSV written by `frontcast areas`. */
typedef struct cli_inputs {
    const char *zones, *control, *areas;
    fc_zone_options zone_opts;
    fc_series_options series_opts;
    int threads;
    double tile_km;
    bool raw_border; /* --raw-border: held figures without the border sliver */
    bool progress; /* --progress: also when stderr is not a terminal */
    /* --oo, --lco, --dsco: NULL-terminated lists for fc_gdal_options */
    const char *gdal[3][CLI_MAX_GDAL_OPTIONS + 1];
    const char *t_srs; /* --t_srs */
} cli_inputs;

/* Sets c->progress (after -q is parsed): on a terminal a line rewritten in
 * place; with --progress elsewhere (a log file) GDAL's "0...10...100 -
 * done." */
void cli_progress_init(cli_common *c, const cli_inputs *in);

/* The map's credit for the zones: a bundled set's (fc_zone_set.credit) or
 * "Zones: <file name>" in buf. */
const char *cli_zones_credit(const cli_inputs *in, char *buf, size_t size);

/* getopt_long codes and entries of the input options, for every command. */
enum {
    CLI_OPT_ZONES = 300, CLI_OPT_ZONE_ID, CLI_OPT_ZONE_NAME, CLI_OPT_CONTROL, CLI_OPT_PATTERN,
    CLI_OPT_DATE_FIELD, CLI_OPT_TILE, CLI_OPT_AREAS, CLI_OPT_PROGRESS, CLI_OPT_OO, CLI_OPT_LCO,
    CLI_OPT_DSCO, CLI_OPT_T_SRS, CLI_OPT_RAW_BORDER
};
#define CLI_INPUT_LONGOPTS                                                   \
    {"zones", required_argument, NULL, CLI_OPT_ZONES},                       \
    {"zone-id-field", required_argument, NULL, CLI_OPT_ZONE_ID},             \
    {"zone-name-field", required_argument, NULL, CLI_OPT_ZONE_NAME},         \
    {"control", required_argument, NULL, CLI_OPT_CONTROL},                   \
    {"date-pattern", required_argument, NULL, CLI_OPT_PATTERN},              \
    {"date-field", required_argument, NULL, CLI_OPT_DATE_FIELD},             \
    {"tile-km", required_argument, NULL, CLI_OPT_TILE},                      \
    {"raw-border", no_argument, NULL, CLI_OPT_RAW_BORDER},                   \
    {"progress", no_argument, NULL, CLI_OPT_PROGRESS},                       \
    {"oo", required_argument, NULL, CLI_OPT_OO},                             \
    {"lco", required_argument, NULL, CLI_OPT_LCO},                           \
    {"dsco", required_argument, NULL, CLI_OPT_DSCO},                         \
    {"t_srs", required_argument, NULL, CLI_OPT_T_SRS},                       \
    {"threads", required_argument, NULL, 'j'}
/* The help text of those options. */
void cli_print_input_help(void);

/* Handles an input option (c from getopt_long); returns 0 if c is not one,
 * 1 if handled, or -(exit code) on a bad value. */
int cli_input_option(const char *cmd, int c, const char *arg, cli_inputs *in);

/* The area series: read from in->areas, or computed from zones and control
 * (geodata/ defaults for what is not given; a note says the default series
 * is synthetic). The zones come without geometry: destroy them with
 * fc_zones_destroy(NULL, zones). timing may be NULL. */
fc_status cli_load_areas(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                         bool keep_geometry, fc_area_table **table, fc_zoneset **zones,
                         fc_areas_timing *timing, fc_error *err);

/* "all" or a comma list of model names (naive excluded) into out[*n];
 * "auto" in the list sets *auto_model instead. */
bool cli_parse_models(const char *s, fc_model *out, size_t *n, bool *auto_model);

/* The rate-model options of forecast, backtest and run. */
#define CLI_MAX_LIST 16
typedef struct cli_model_args {
    fc_model models[FC_MODEL_COUNT];
    size_t nmodels;
    int windows[CLI_MAX_LIST];
    size_t nwindows;
    double thresholds[CLI_MAX_LIST];
    size_t nthresholds;
    int horizon, step, bootstrap, seed;
    bool models_given, windows_given;
    bool model_intervals; /* --intervals model */
    bool auto_model;      /* --model auto (in the list) */
} cli_model_args;
/* A NULL-terminated argument vector of owned strings. */
typedef struct cli_argv {
    char **v;
    int n, cap;
} cli_argv;
/* argv with the options of the INI file given by --config FILE first (its
 * keys are long options, sections only group), the command line's after
 * so that they win. -1 to go on, else the exit code after a message. */
int cli_expand_config(int argc, char **argv, cli_argv *out);
void cli_argv_free(cli_argv *a);

/* The forecast's options from the parsed ones (pointing into *m). */
fc_forecast_options cli_forecast_options(const cli_model_args *m, fc_day as_of);
enum {
    CLI_OPT_MODELS = 340, CLI_OPT_WINDOWS, CLI_OPT_BOOTSTRAP, CLI_OPT_SEED, CLI_OPT_INTERVALS,
    CLI_OPT_THRESHOLDS,
    CLI_OPT_PHORIZON, CLI_OPT_PSTEP
};
/* --model LIST, --window LIST, --bootstrap N, --seed N, --intervals KIND */
#define CLI_MODEL_LONGOPTS                                        \
    {"model", required_argument, NULL, CLI_OPT_MODELS},           \
    {"window", required_argument, NULL, CLI_OPT_WINDOWS},         \
    {"bootstrap", required_argument, NULL, CLI_OPT_BOOTSTRAP},    \
    {"seed", required_argument, NULL, CLI_OPT_SEED},              \
    {"intervals", required_argument, NULL, CLI_OPT_INTERVALS}
/* --threshold LIST, --horizon DAYS, --step DAYS (projections) */
#define CLI_PROJECTION_LONGOPTS                                   \
    {"threshold", required_argument, NULL, CLI_OPT_THRESHOLDS},   \
    {"horizon", required_argument, NULL, CLI_OPT_PHORIZON},       \
    {"step", required_argument, NULL, CLI_OPT_PSTEP}
/* All models, window 180, threshold 100, horizon 730, step 7, 1000
 * bootstrap replicates, seed 1. */
void cli_model_defaults(cli_model_args *m);
/* Like cli_input_option, for the two tables above. */
int cli_model_option(const char *cmd, int c, const char *arg, cli_model_args *m);

/* The options of the commands that run the arrival model (advance, plot). */
enum {
    CLI_OPT_ASOF = 320, CLI_OPT_WINDOW, CLI_OPT_HORIZON, CLI_OPT_STEP, CLI_OPT_MODEL, CLI_OPT_CELL
};
#define CLI_ADVANCE_LONGOPTS                                  \
    {"as-of", required_argument, NULL, CLI_OPT_ASOF},         \
    {"window", required_argument, NULL, CLI_OPT_WINDOW},      \
    {"horizon", required_argument, NULL, CLI_OPT_HORIZON},    \
    {"step", required_argument, NULL, CLI_OPT_STEP},          \
    {"model", required_argument, NULL, CLI_OPT_MODEL},        \
    {"cell", required_argument, NULL, CLI_OPT_CELL},          \
    {"intervals", required_argument, NULL, CLI_OPT_INTERVALS}
/* --intervals calibrated|model; false after a usage message. */
bool cli_parse_intervals(const char *cmd, const char *arg, bool *model_intervals);
/* The --places line of every command's --help. */
#define CLI_PLACES_HELP                                                             \
    "  --places PATH          places: points with name and population, in any OGR\n" \
    "                         format (GeoJSON, GeoPackage, Shapefile, a CSV with\n"  \
    "                         lon,lat columns; default geodata/" FC_DEFAULT_PLACES ")\n"

/* One rate model (the arrival model's: not naive, not a list) for option
 * flag; 1, or minus the exit code after a message. */
int cli_rate_model_option(const char *cmd, const char *flag, const char *arg, fc_model *model);
/* --cell KM (the arrival grid) into *cell_m; like cli_input_option's
 * result: 1, or minus the exit code after a message. */
int cli_cell_option(const char *cmd, const char *arg, double *cell_m);
/* Like cli_input_option, for CLI_ADVANCE_LONGOPTS. */
int cli_advance_option(const char *cmd, int c, const char *arg, fc_advance_options *ao);
/* --step must fit in --horizon: -1 to go on, else the exit code after a
 * usage message. */
int cli_check_steps(const char *cmd, const fc_advance_options *ao);

/* The areas of opened inputs, with the threads, tiles, warnings and
 * progress the options ask for. */
fc_status cli_compute_areas(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                            const fc_zoneset *zs, const fc_series *series, bool keep_geometry,
                            fc_areas_timing *timing, fc_area_table **table, fc_error *err);

/* Opens the zones (with geometry, for w) and the control series of in,
 * with the geodata/ defaults; a note says the default series is synthetic. */
fc_status cli_open_inputs(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                          fc_worker *w, fc_zoneset **zones, fc_series **series, fc_error *err);

/* What a command works on: a worker, the zones, the series and (when
 * measured) the area table. */
typedef struct cli_session {
    fc_worker *w;
    fc_zoneset *zs;
    fc_series *series;
    fc_area_table *table; /* NULL unless measured */
} cli_session;
/* A worker, then cli_open_inputs and, with measure, the areas, into *s
 * (zeroed first). On failure *s holds what was opened: cli_session_close
 * it either way. */
fc_status cli_session_open(cli_session *s, const cli_inputs *in, const cli_common *common,
                           cli_warnings *warn, bool measure, fc_error *err);
/* Frees what *s holds; accepts a zeroed one. */
void cli_session_close(cli_session *s);

int cmd_areas(int argc, char **argv);
int cmd_frontline(int argc, char **argv);
int cmd_advance(int argc, char **argv);
int cmd_places(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_backtest(int argc, char **argv);

#endif
