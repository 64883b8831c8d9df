/* The options of an INI file (--config FILE): its keys become long options. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "cli/cli.h"
#include "core/util.h"

static bool push_arg(cli_argv *a, const char *s)
{
    if (a->n + 1 >= a->cap) {
        int nc = a->cap ? 2 * a->cap : 32;
        char **nv = realloc(a->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return false;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n] = fc_strdup(s);
    if (!a->v[a->n])
        return false;
    a->v[++a->n] = NULL;
    return true;
}

static int ini_entry(void *user, const char *section, const char *name, const char *value)
{
    (void)section;
    cli_argv *a = user;
    char buf[2048];
    /* A switch: "key = true" is --key, "key = false" leaves it out. */
    if (!strcasecmp(value, "true") || !strcasecmp(value, "on")) {
        snprintf(buf, sizeof buf, "--%s", name);
        return push_arg(a, buf);
    }
    if (!strcasecmp(value, "false") || !strcasecmp(value, "off"))
        return 1;
    snprintf(buf, sizeof buf, "--%s=%s", name, value);
    return push_arg(a, buf);
}

/* argv with the config file's options first (the command line's after, so
 * that they win). */
int cli_expand_config(int argc, char **argv, cli_argv *out)
{
    push_arg(out, argv[0]);
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            config = argv[i] + 9;
    }
    if (config) {
        int rc = ini_parse(config, ini_entry, out);
        if (rc < 0) {
            fprintf(stderr, "frontcast: error: %s: cannot read the configuration: %s\n", config,
                    strerror(errno ? errno : ENOENT));
            return FC_EXIT_ERROR;
        }
        if (rc > 0) {
            fprintf(stderr, "frontcast: error: %s: line %d: not 'key = value'\n", config, rc);
            return FC_EXIT_ERROR;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--config=", 9))
            continue;
        push_arg(out, argv[i]);
    }
    return -1;
}

void cli_argv_free(cli_argv *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}
