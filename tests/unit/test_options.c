/* Option parsing, where the user's text comes in: numbers, lists, models,
 * output formats, the option handlers' messages, and the INI file. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "frontcast/export.h"

static char dir[] = "/tmp/fc-options-XXXXXX";
static char errpath[128];

/* What the handlers printed on stderr since the last call. */
static const char *stderr_text(void)
{
    static char buf[1024];
    fflush(stderr);
    FILE *f = fopen(errpath, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    if (n) /* in the test's log, failure messages included */
        printf("stderr: %s", buf);
    if (!freopen(errpath, "w", stderr))
        exit(2);
    return buf;
}

static void ints(void)
{
    static const struct {
        const char *s;
        int min, max;
        bool ok;
        int v;
    } cases[] = {
        {"180", 2, 3650, true, 180},     {"2", 2, 3650, true, 2},
        {"3650", 2, 3650, true, 3650},   {"1", 2, 3650, false, 0},
        {"3651", 2, 3650, false, 0},     {"", 0, 10, false, 0},
        {"5x", 0, 10, false, 0},         {"x5", 0, 10, false, 0},
        {"1.5", 0, 10, false, 0},        {"-1", 0, 10, false, 0},
        {"99999999999", 0, 2147483647, false, 0},
        {"2147483647", 0, 2147483647, true, 2147483647},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int v = -7;
        bool ok = cli_parse_int(cases[i].s, cases[i].min, cases[i].max, &v);
        check_count++;
        if (ok != cases[i].ok || (ok && v != cases[i].v) || (!ok && v != -7)) {
            check_failures++;
            fprintf(stderr, "cli_parse_int(\"%s\") = %d (%d)\n", cases[i].s, ok, v);
        }
    }
}

static void lists(void)
{
    static const struct {
        const char *s;
        size_t n; /* 0: refused */
        int first, last;
    } cases[] = {
        {"30,90,180", 3, 30, 180},
        {"365", 1, 365, 365},
        {"30,,90", 0, 0, 0},
        {",30", 0, 0, 0},
        {"30,", 0, 0, 0},
        {"", 0, 0, 0},
        {"30,1", 0, 0, 0}, /* 1 below the minimum */
        {"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", 0, 0, 0}, /* 1 and 2 < min */
        {"30,30,30,30,30,30,30,30,30,30,30,30,30,30,30,30", 16, 30, 30},
        {"30,30,30,30,30,30,30,30,30,30,30,30,30,30,30,30,30", 0, 0, 0}, /* 17 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int v[CLI_MAX_LIST];
        size_t n = 99;
        bool ok = cli_parse_int_list(cases[i].s, 2, 3650, v, CLI_MAX_LIST, &n);
        check_count++;
        if (ok != (cases[i].n > 0) ||
            (ok && (n != cases[i].n || v[0] != cases[i].first || v[n - 1] != cases[i].last))) {
            check_failures++;
            fprintf(stderr, "cli_parse_int_list(\"%s\") = %d (n %zu)\n", cases[i].s, ok, n);
        }
    }
    /* Longer than the parser holds: refused, not cut into another list. */
    char lng[600] = "30"; /* 452 characters */
    for (int k = 0; k < 90; k++)
        strcat(lng, ",0030");
    int v[CLI_MAX_LIST];
    size_t n;
    CHECK(!cli_parse_int_list(lng, 2, 3650, v, CLI_MAX_LIST, &n));

    double r[CLI_MAX_LIST];
    CHECK(cli_parse_real_list("50,100", 0.001, 100, r, CLI_MAX_LIST, &n) && n == 2 &&
          r[0] == 50 && r[1] == 100);
    CHECK(cli_parse_real_list("99.5", 0.001, 100, r, CLI_MAX_LIST, &n) && n == 1 && r[0] == 99.5);
    CHECK(!cli_parse_real_list("0", 0.001, 100, r, CLI_MAX_LIST, &n));
    CHECK(!cli_parse_real_list("nan", 0.001, 100, r, CLI_MAX_LIST, &n));
    CHECK(!cli_parse_real_list("1e3", 0.001, 100, r, CLI_MAX_LIST, &n));
    CHECK(!cli_parse_real_list("50,,100", 0.001, 100, r, CLI_MAX_LIST, &n));
    CHECK(!cli_parse_real_list("50%", 0.001, 100, r, CLI_MAX_LIST, &n));
}

static void models(void)
{
    fc_model m[FC_MODEL_COUNT];
    size_t n;
    bool automatic;
    CHECK(cli_parse_models("all", m, &n, &automatic) && n == FC_MODEL_NAIVE && !automatic);
    CHECK(cli_parse_models("pace,holt", m, &n, &automatic) && n == 2 && m[0] == FC_MODEL_PACE &&
          m[1] == FC_MODEL_HOLT);
    CHECK(cli_parse_models("auto", m, &n, &automatic) && n == 0 && automatic);
    CHECK(cli_parse_models("pace,auto", m, &n, &automatic) && n == 1 && automatic);
    CHECK(!cli_parse_models("naive", m, &n, &automatic)); /* the baseline, not a model */
    CHECK(!cli_parse_models("pace,bogus", m, &n, &automatic));

    /* The handlers: the value, or exit 2 with the whole message. */
    cli_model_args a;
    cli_model_defaults(&a);
    CHECK(a.nwindows == 1 && a.windows[0] == FC_DEFAULT_WINDOW_DAYS);
    CHECK(a.horizon == FC_DEFAULT_HORIZON_DAYS && a.bootstrap == FC_DEFAULT_BOOTSTRAP);
    stderr_text();
    CHECK(cli_model_option("forecast", CLI_OPT_SEED, "99", &a) == 1 && a.seed == 99);
    CHECK(cli_model_option("forecast", CLI_OPT_WINDOWS, "90,365", &a) == 1 && a.nwindows == 2 &&
          a.windows[1] == 365 && a.windows_given);
    CHECK(cli_model_option("forecast", CLI_OPT_INTERVALS, "model", &a) == 1 && a.model_intervals);
    CHECK(!strcmp(stderr_text(), ""));
    CHECK(cli_model_option("forecast", CLI_OPT_SEED, "-1", &a) == -FC_EXIT_USAGE && a.seed == 99);
    CHECK(!strcmp(stderr_text(), "frontcast: error: --seed wants a non-negative integer, not '-1'\n"
                                 "(see 'frontcast forecast --help')\n"));
    CHECK(cli_model_option("backtest", CLI_OPT_BOOTSTRAP, "10", &a) == -FC_EXIT_USAGE);
    CHECK(!strcmp(stderr_text(), "frontcast: error: --bootstrap wants 50 or more replicates, not "
                                 "'10'\n(see 'frontcast backtest --help')\n"));
    CHECK(cli_model_option("run", CLI_OPT_INTERVALS, "wide", &a) == -FC_EXIT_USAGE);
    CHECK(!strcmp(stderr_text(), "frontcast: error: --intervals wants calibrated or model, not "
                                 "'wide'\n(see 'frontcast run --help')\n"));
    CHECK(cli_model_option("run", 'q', NULL, &a) == 0); /* not one of these */

    fc_advance_options ao = {0};
    CHECK(cli_advance_option("advance", CLI_OPT_CELL, "2.5", &ao) == 1 && ao.cell_m == 2500);
    CHECK(cli_advance_option("advance", CLI_OPT_ASOF, "2026-02-30", &ao) == -FC_EXIT_USAGE);
    CHECK(!strcmp(stderr_text(), "frontcast: error: --as-of wants a date YYYY-MM-DD, not "
                                 "'2026-02-30'\n(see 'frontcast advance --help')\n"));
    ao.horizon_days = 30;
    ao.step_days = 60;
    CHECK(cli_check_steps("advance", &ao) == FC_EXIT_USAGE);
    CHECK(!strcmp(stderr_text(), "frontcast: error: --step (60) is longer than --horizon (30)\n"
                                 "(see 'frontcast advance --help')\n"));
}

static void formats(void)
{
    static const struct {
        const char *s;
        unsigned want; /* 0: refused */
    } cases[] = {
        {"csv", FC_OUT_CSV},
        {"csv,GPKG", FC_OUT_CSV | FC_OUT_GPKG},
        {"geojson,csv,gpkg", FC_OUT_CSV | FC_OUT_GEOJSON | FC_OUT_GPKG},
        {"csv,csv", FC_OUT_CSV},
        {"", 0},
        {"shp", 0},
        {"csv,", 0},
        {"csv,,gpkg", 0},
        {"csvx", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned got = 0;
        bool ok = fc_out_formats_parse(cases[i].s, &got);
        check_count++;
        if (ok != (cases[i].want != 0) || (ok && got != cases[i].want)) {
            check_failures++;
            fprintf(stderr, "fc_out_formats_parse(\"%s\") = %d (%u)\n", cases[i].s, ok, got);
        }
    }
}

/* The INI file: its options first, so that the command line's win;
 * switches as true/false. */
static void config(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/run.ini", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        exit(2);
    fputs("; scheduled run\n[inputs]\nzones = raions\ncontrol = /data/deepstate\n"
          "[run]\nquiet = true\nprogress = false\nformat = csv,gpkg\n",
          f);
    fclose(f);
    char *argv[] = {"run", "--config", path, "--zones", "oblasts", NULL};
    cli_argv out = {0};
    CHECK(cli_expand_config(5, argv, &out) == -1);
    static const char *const want[] = {"run",     "--zones=raions", "--control=/data/deepstate",
                                       "--quiet", "--format=csv,gpkg", "--zones",
                                       "oblasts"};
    CHECK(out.n == 7 && out.v[out.n] == NULL);
    for (int i = 0; i < 7 && i < out.n; i++)
        CHECK(!strcmp(out.v[i], want[i]));
    cli_argv_free(&out);

    f = fopen(path, "w");
    if (!f)
        exit(2);
    fputs("zones = raions\nthis line has no value\n", f);
    fclose(f);
    stderr_text();
    CHECK(cli_expand_config(5, argv, &out) == FC_EXIT_ERROR);
    char msg[512];
    snprintf(msg, sizeof msg, "frontcast: error: %s: line 2: not 'key = value'\n", path);
    CHECK(!strcmp(stderr_text(), msg));
    cli_argv_free(&out);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.ini", dir);
    char *argv2[] = {"run", "--config", missing, NULL};
    CHECK(cli_expand_config(3, argv2, &out) == FC_EXIT_ERROR);
    snprintf(msg, sizeof msg,
             "frontcast: error: %s: cannot read the configuration: No such file or directory\n",
             missing);
    CHECK(!strcmp(stderr_text(), msg));
    cli_argv_free(&out);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    /* The handlers' messages go to stderr: keep them in a file to compare,
     * and report failures on the real one at the end. */
    snprintf(errpath, sizeof errpath, "%s/stderr", dir);
    int saved = dup(2);
    if (saved < 0 || !freopen(errpath, "w", stderr))
        return 2;
    ints();
    lists();
    models();
    formats();
    config();
    stderr_text(); /* the last failures, if any, into the log */
    fflush(stderr);
    dup2(saved, 2);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_options");
}
