/* Shared pieces of the frontcast command line (src/cli only). */
#ifndef FRONTCAST_CLI_H
#define FRONTCAST_CLI_H

#include <stdbool.h>

#include "frontcast/frontcast.h"

/* Exit codes of every command. */
enum {
    FC_EXIT_OK = 0,
    FC_EXIT_ERROR = 1, /* bad input or a failed run: see the message */
    FC_EXIT_USAGE = 2  /* wrong options */
};

/* Options every command shares. */
typedef struct cli_common {
    bool quiet;
    bool progress; /* stderr is a terminal and not quiet */
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

/* Path of a file in the default data folder (FRONTCAST_GEODATA or the
 * build's geodata/). Newly allocated. */
char *cli_geodata_path(const char *name);

/* Parses a positive int option value; false if malformed. */
bool cli_parse_int(const char *s, int min, int max, int *out);

int cmd_areas(int argc, char **argv);

#endif
