/* frontcast backtest's options, shared by its two files: cmd_backtest.c
 * (options, the areas backtest) and cmd_backtest_ground.c (the arrival
 * model's backtests, --spatial and --places). */
#ifndef FRONTCAST_CLI_BACKTEST_H
#define FRONTCAST_CLI_BACKTEST_H

#include "cli/cli.h"

typedef struct backtest_args {
    cli_inputs in;
    cli_model_args m; /* models, windows, bootstrap, seed */
    const char *output;
    bool spatial, places, every_given, horizons_given;
    const char *places_path;
    double cell_m;
    int every;
    int horizons[CLI_MAX_LIST];
    size_t nhorizons;
    cli_common common;
} backtest_args;

/* Creates the output's folder when it is the default out/. */
fc_status cli_ensure_parent(const char *path, fc_error *err);
/* The --spatial and --places backtests: exit codes. */
int cli_backtest_spatial(const backtest_args *a);
int cli_backtest_places(const backtest_args *a);

#endif
