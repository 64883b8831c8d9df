#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_fail(const fc_error *err)
{
    fprintf(stderr, "frontcast: error: %s\n", err->msg);
    return FC_EXIT_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("frontcast: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'frontcast %s --help')\n", cmd);
    return FC_EXIT_USAGE;
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static bool progress_shown;

static void print_warning(void *user, const char *msg)
{
    cli_warnings *w = user;
    pthread_mutex_lock(&out_lock);
    w->count++;
    if (!w->quiet) {
        if (progress_shown) {
            fputs("\r\033[K", stderr);
            progress_shown = false;
        }
        fprintf(stderr, "frontcast: warning: %s\n", msg);
    }
    pthread_mutex_unlock(&out_lock);
}

void cli_warnings_init(cli_warnings *w, bool quiet)
{
    w->diag.fn = print_warning;
    w->diag.user = w;
    w->quiet = quiet;
    w->count = 0;
}

void cli_progress(void *what, size_t done, size_t total)
{
    /* About a hundred updates a run are enough to watch. */
    size_t step = total / 100 ? total / 100 : 1;
    if (done % step != 0 && done != total)
        return;
    pthread_mutex_lock(&out_lock);
    fprintf(stderr, "\r%s: %zu/%zu snapshots", (const char *)what, done, total);
    progress_shown = true;
    pthread_mutex_unlock(&out_lock);
}

void cli_progress_end(const cli_common *c)
{
    pthread_mutex_lock(&out_lock);
    if (c->progress && progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = false;
    pthread_mutex_unlock(&out_lock);
}

char *cli_geodata_path(const char *name)
{
    const char *dir = getenv("FRONTCAST_GEODATA");
    if (!dir || !*dir)
        dir = FRONTCAST_GEODATA_DIR;
    char *out = malloc(strlen(dir) + strlen(name) + 2);
    if (out)
        sprintf(out, "%s/%s", dir, name);
    return out;
}

bool cli_parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}
