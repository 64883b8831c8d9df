#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/util.h"
#include "frontcast/export.h"

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
/* Progress for a log rather than a terminal, and the tens printed so far
 * (-1: none yet). */
static bool progress_dots;
static int dots_tens = -1;

void cli_progress_init(cli_common *c, const cli_inputs *in)
{
    const bool tty = isatty(STDERR_FILENO);
    c->progress = !c->quiet && (tty || in->progress);
    progress_dots = !tty;
}

static void print_warning(void *user, const char *msg)
{
    cli_warnings *w = user;
    pthread_mutex_lock(&out_lock);
    w->count++;
    if (!w->quiet) {
        if (progress_shown) {
            fputs(progress_dots ? "\n" : "\r\033[K", stderr);
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
    pthread_mutex_lock(&out_lock);
    if (progress_dots) { /* "areas: 0...10...20" as the tens are passed */
        const int tens = total ? (int)(done * 10 / total) : 10;
        for (; dots_tens < tens; dots_tens++)
            if (dots_tens < 0)
                fprintf(stderr, "%s: 0", (const char *)what);
            else
                fprintf(stderr, "...%d", 10 * (dots_tens + 1));
        fflush(stderr);
        progress_shown = true;
        pthread_mutex_unlock(&out_lock);
        return;
    }
    /* About a hundred updates a run are enough to watch. */
    size_t step = total / 100 ? total / 100 : 1;
    if (done % step == 0 || done == total) {
        fprintf(stderr, "\r%s: %zu/%zu snapshots", (const char *)what, done, total);
        progress_shown = true;
    }
    pthread_mutex_unlock(&out_lock);
}

void cli_progress_end(const cli_common *c)
{
    pthread_mutex_lock(&out_lock);
    if (c->progress && progress_shown)
        fputs(progress_dots ? " - done.\n" : "\r\033[K", stderr);
    progress_shown = false;
    dots_tens = -1;
    pthread_mutex_unlock(&out_lock);
}

/* An installed frontcast's geodata folder: FRONTCAST_GEODATA_INSTALL
 * (share/frontcast/geodata) beside the bin/ folder the executable is in,
 * wherever the installation was put. False for a build tree's binary. */
static bool installed_geodata(char *dir, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    struct stat sb;
    return (size_t)snprintf(dir, size, "%s/../%s", exe, FRONTCAST_GEODATA_INSTALL) < size &&
           stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

char *cli_geodata_path(const char *name)
{
    char installed[PATH_MAX + 64];
    const char *dir = getenv("FRONTCAST_GEODATA");
    if (!dir || !*dir)
        dir = installed_geodata(installed, sizeof installed) ? installed : FRONTCAST_GEODATA_DIR;
    char *out = malloc(strlen(dir) + strlen(name) + 2);
    if (out)
        sprintf(out, "%s/%s", dir, name);
    return out;
}

/* The bundled set --zones names (none: the default), or NULL for a path.
 * A file called like a set is read as ./raions. */
static const fc_zone_set *named_zone_set(const char *zones)
{
    return zones ? fc_zone_set_find(zones) : &fc_zone_sets[0];
}

const char *cli_zones_credit(const cli_inputs *in, char *buf, size_t size)
{
    const fc_zone_set *set = named_zone_set(in->zones);
    if (!set)
        set = fc_zone_set_of_path(in->zones);
    if (set)
        return set->credit;
    snprintf(buf, size, "Zones: %s", fc_basename(in->zones));
    return buf;
}

char *cli_places_path(const char *given)
{
    return given ? fc_strdup(given) : cli_geodata_path(FC_DEFAULT_PLACES);
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

/* A comma list that fits buf, with no empty element ("30,,90", "30,"):
 * strtok would pass over those, and a typo would go unseen. */
static bool list_well_formed(const char *s, size_t buf_size)
{
    const size_t n = strlen(s);
    return n > 0 && n < buf_size && s[0] != ',' && s[n - 1] != ',' && !strstr(s, ",,");
}

bool cli_parse_int_list(const char *s, int min, int max_v, int *out, size_t max, size_t *n)
{
    *n = 0;
    char buf[256];
    if (!list_well_formed(s, sizeof buf))
        return false;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == max || !cli_parse_int(tok, min, max_v, &out[*n]))
            return false;
        (*n)++;
    }
    return *n > 0;
}

bool cli_parse_real_list(const char *s, double min, double max_v, double *out, size_t max,
                         size_t *n)
{
    *n = 0;
    char buf[256];
    if (!list_well_formed(s, sizeof buf))
        return false;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        double v = strtod(tok, &end);
        if (*n == max || errno || *end || !(v >= min && v <= max_v))
            return false;
        out[(*n)++] = v;
    }
    return *n > 0;
}

void cli_print_input_help(void)
{
    printf("Inputs (any OGR vector format and CRS):\n"
           "  --zones SET|PATH       zone boundaries: a bundled set, %s by default,\n"
           "                         or any polygon layer (a file named like a set: ./NAME)\n",
           fc_zone_sets[0].name);
    for (size_t i = 0; i < fc_zone_sets_count; i++)
        printf("                           %-8s %s\n", fc_zone_sets[i].name, fc_zone_sets[i].about);
    printf("  --zone-id-field F      zone id attribute (default: auto, e.g. zone_id, iso_3166_2,\n"
           "                         adm2_code); adm1_code and adm2_code (or ADMn_PCODE, GID_n)\n"
           "                         go to the outputs as the zone's parent codes, so that\n"
           "                         raions or hromadas roll up\n"
           "  --zone-name-field F    zone name attribute (default: auto, e.g. name)\n"
           "  --control PATH         the control series (default: the synthetic demo series\n"
           "                         geodata/demo-control), either\n"
           "                           a folder of snapshot files with the date in each name\n"
           "                           (YYYYMMDD or YYYY-MM-DD), or\n"
           "                           one layer with a date field (features of one date are\n"
           "                           unioned), or a GeoPackage with one dated layer per date\n"
           "  --date-pattern P       date in file/layer names, with %%Y %%m %%d, e.g. "
           "'snap_%%d.%%m.%%Y'\n"
           "  --date-field F         date attribute of a single-layer series (default: auto)\n"
           "  -j, --threads N        worker threads (default: all cores)\n"
           "  --progress             show progress also when stderr is not a terminal (a\n"
           "                         log): GDAL's \"0...10...20...100 - done.\"\n"
           "  --tile-km K            overlay tile size in km (default 40; a speed knob only)\n");
    printf("  --raw-border           shares, forecasts and charts count the control area\n"
           "                         alone; by default they add the border sliver\n"
           "                         (border_km2: uncontrolled strips thinner than %g km\n"
           "                         between control and the country's outline, where the\n"
           "                         two maps draw the border or coast differently)\n",
           FC_BORDER_TOLERANCE_M / 1000);
    printf("  --oo NAME=VALUE        a GDAL open option for every input read through GDAL\n"
           "                         (GeoJSON too, then), as ogr2ogr's -oo; repeatable\n"
           "  --lco NAME=VALUE       a GDAL layer creation option for the vector outputs\n"
           "                         (GeoJSON, GeoPackage), winning over frontcast's own,\n"
           "                         e.g. COORDINATE_PRECISION=5; repeatable\n"
           "  --dsco NAME=VALUE      a GDAL dataset creation option, e.g. VERSION=1.2 for a\n"
           "                         GeoPackage; repeatable\n"
           "  --t_srs CRS            the vector outputs in this CRS (default WGS84 lon/lat),\n"
           "                         e.g. EPSG:32637 for a GeoPackage; GeoJSON stays lon/lat\n"
           "                         (RFC 7946) unless also --lco RFC7946=NO\n"
           "\n");
}

/* Hands the GDAL options given so far to the library (fc_gdal_options),
 * before anything is read. When it refuses them, *slot (the option just
 * set) is taken back, and the refusal is a usage error when it is of kind
 * usage (the option's own mistake: "FLAG wants WANTS, not 'ARG'"). */
static int tell_gdal(const char *cmd, cli_inputs *in, const char **slot, const char *flag,
                     fc_status usage, const char *wants)
{
    fc_error err;
    if (fc_gdal_options(in->gdal[0], in->gdal[1], in->gdal[2], in->t_srs, &err) == FC_OK)
        return 1;
    const char *arg = *slot;
    *slot = NULL;
    return err.code == usage ? -cli_usage_error(cmd, "%s wants %s, not '%s'", flag, wants, arg)
                             : -cli_fail(&err);
}

int cli_input_option(const char *cmd, int c, const char *arg, cli_inputs *in)
{
    switch (c) {
    case CLI_OPT_ZONES: in->zones = arg; return 1;
    case CLI_OPT_ZONE_ID: in->zone_opts.id_field = arg; return 1;
    case CLI_OPT_ZONE_NAME: in->zone_opts.name_field = arg; return 1;
    case CLI_OPT_CONTROL: in->control = arg; return 1;
    case CLI_OPT_PATTERN: in->series_opts.date_pattern = arg; return 1;
    case CLI_OPT_DATE_FIELD: in->series_opts.date_field = arg; return 1;
    case CLI_OPT_AREAS: in->areas = arg; return 1;
    case CLI_OPT_PROGRESS: in->progress = true; return 1;
    case CLI_OPT_RAW_BORDER: in->raw_border = true; return 1;
    case CLI_OPT_OO:
    case CLI_OPT_LCO:
    case CLI_OPT_DSCO: {
        static const char *const flag[] = {"--oo", "--lco", "--dsco"};
        const int k = c - CLI_OPT_OO;
        size_t n = 0;
        while (in->gdal[k][n])
            n++;
        if (n == CLI_MAX_GDAL_OPTIONS)
            return -cli_usage_error(cmd, "%s: at most %d of them", flag[k], CLI_MAX_GDAL_OPTIONS);
        in->gdal[k][n] = arg;
        return tell_gdal(cmd, in, &in->gdal[k][n], flag[k], FC_ERR_ARG, "NAME=VALUE");
    }
    case CLI_OPT_T_SRS:
        in->t_srs = arg;
        return tell_gdal(cmd, in, &in->t_srs, "--t_srs", FC_ERR_CRS,
                         "a CRS GDAL knows (EPSG:32637, a WKT or PROJ string)");
    case 'j':
        if (!cli_parse_int(arg, 1, 1024, &in->threads))
            return -cli_usage_error(cmd, "-j wants a number of threads, not '%s'", arg);
        return 1;
    case CLI_OPT_TILE: {
        char *end;
        in->tile_km = strtod(arg, &end);
        if (*end || !(in->tile_km >= 1 && in->tile_km <= 10000))
            return -cli_usage_error(cmd, "--tile-km wants a size from 1 to 10000 km, not '%s'", arg);
        return 1;
    }
    default:
        return 0;
    }
}

fc_status cli_load_areas(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                         bool keep_geometry, fc_area_table **table, fc_zoneset **zones,
                         fc_areas_timing *timing, fc_error *err)
{
    *table = NULL;
    *zones = NULL;
    if (in->areas) {
        if (in->zones || in->control)
            return fc_error_set(err, FC_ERR_ARG, "give either --areas or --zones/--control, not both");
        fc_status st = fc_read_areas_csv(in->areas, table, zones, err);
        if (st == FC_OK)
            (*table)->raw_border = in->raw_border;
        return st;
    }
    fc_series *series = NULL;
    fc_worker *w = fc_worker_create();
    if (!w)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = cli_open_inputs(in, common, warn, w, zones, &series, err);
    if (st == FC_OK)
        st = cli_compute_areas(in, common, warn, *zones, series, keep_geometry, timing, table, err);
    /* The commands need the zones' ids, names and areas from here on, not
     * their geometry: drop it while its worker is alive. */
    for (size_t z = 0; st == FC_OK && z < (*zones)->n; z++) {
        GEOSGeom_destroy_r(fc_worker_geos(w), (*zones)->zones[z].geom);
        (*zones)->zones[z].geom = NULL;
    }
    if (st != FC_OK) {
        fc_zones_destroy(w, *zones);
        *zones = NULL;
    }
    fc_series_close(w, series);
    fc_worker_destroy(w);
    return st;
}

fc_status cli_open_inputs(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                          fc_worker *w, fc_zoneset **zones, fc_series **series, fc_error *err)
{
    *zones = NULL;
    *series = NULL;
    char *def_zones = NULL, *def_control = NULL;
    const char *zpath = in->zones, *cpath = in->control;
    fc_status st = FC_OK;
    const fc_zone_set *set = named_zone_set(zpath);
    if (set)
        zpath = def_zones = cli_geodata_path(set->file);
    if (!cpath) {
        cpath = def_control = cli_geodata_path("demo-control");
        if (!common->quiet)
            fprintf(stderr, "frontcast: note: using the SYNTHETIC demo series %s "
                            "(not real data); pass --control for real snapshots\n",
                    cpath);
    }
    if (!zpath || !cpath)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_zones_load(w, zpath, &in->zone_opts, &warn->diag, zones, err);
    if (st == FC_OK)
        st = fc_series_open(w, cpath, &in->series_opts, series, err);
    if (st != FC_OK) {
        fc_zones_destroy(w, *zones);
        *zones = NULL;
    }
    free(def_zones);
    free(def_control);
    return st;
}

bool cli_parse_models(const char *s, fc_model *out, size_t *n, bool *auto_model)
{
    *n = 0;
    *auto_model = false;
    if (strcmp(s, "all") == 0) {
        memcpy(out, fc_models_all, sizeof fc_models_all);
        *n = FC_NMODELS;
        return true;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        fc_model m;
        if (strcmp(tok, "auto") == 0) {
            *auto_model = true;
            continue;
        }
        if (*n == FC_MODEL_COUNT || !fc_model_parse(tok, &m) || m == FC_MODEL_NAIVE)
            return false;
        out[(*n)++] = m;
    }
    return *n > 0 || *auto_model;
}

bool cli_parse_intervals(const char *cmd, const char *arg, bool *model_intervals)
{
    if (strcmp(arg, "calibrated") != 0 && strcmp(arg, "model") != 0) {
        cli_usage_error(cmd, "--intervals wants calibrated or model, not '%s'", arg);
        return false;
    }
    *model_intervals = strcmp(arg, "model") == 0;
    return true;
}

int cli_cell_option(const char *cmd, const char *arg, double *cell_m)
{
    char *end;
    double km = strtod(arg, &end);
    if (end == arg || *end || !(km >= 0.1 && km <= 100))
        return -cli_usage_error(cmd, "--cell wants km from 0.1 to 100, not '%s'", arg);
    *cell_m = km * 1000;
    return 1;
}

int cli_rate_model_option(const char *cmd, const char *flag, const char *arg, fc_model *model)
{
    if (!fc_model_parse(arg, model) || *model == FC_MODEL_NAIVE)
        return -cli_usage_error(cmd, "%s wants pace, ols, theilsen, holt or ensemble, not '%s'",
                                flag, arg);
    return 1;
}

int cli_advance_option(const char *cmd, int c, const char *arg, fc_advance_options *ao)
{
    switch (c) {
    case CLI_OPT_ASOF:
        if (!fc_date_parse(arg, &ao->as_of))
            return -cli_usage_error(cmd, "--as-of wants a date YYYY-MM-DD, not '%s'", arg);
        return 1;
    case CLI_OPT_WINDOW:
        if (!cli_parse_int(arg, 2, 3650, &ao->window_days))
            return -cli_usage_error(cmd, "--window wants days from 2 to 3650, not '%s'", arg);
        return 1;
    case CLI_OPT_HORIZON:
        if (!cli_parse_int(arg, 1, 3650, &ao->horizon_days))
            return -cli_usage_error(cmd, "--horizon wants days from 1 to 3650, not '%s'", arg);
        return 1;
    case CLI_OPT_STEP:
        if (!cli_parse_int(arg, 1, 3650, &ao->step_days))
            return -cli_usage_error(cmd, "--step wants days from 1 to 3650, not '%s'", arg);
        return 1;
    case CLI_OPT_MODEL:
        return cli_rate_model_option(cmd, "--model", arg, &ao->model);
    case CLI_OPT_INTERVALS:
        if (!cli_parse_intervals(cmd, arg, &ao->model_intervals))
            return -FC_EXIT_USAGE;
        return 1;
    case CLI_OPT_CELL:
        return cli_cell_option(cmd, arg, &ao->cell_m);
    default:
        return 0;
    }
}

fc_status cli_compute_areas(const cli_inputs *in, const cli_common *common, cli_warnings *warn,
                            const fc_zoneset *zs, const fc_series *series, bool keep_geometry,
                            fc_areas_timing *timing, fc_area_table **table, fc_error *err)
{
    fc_areas_options opts = {.threads = in->threads, .tile_m = in->tile_km * 1000,
                             .keep_geometry = keep_geometry, .diag = &warn->diag,
                             .progress = common->progress ? cli_progress : NULL,
                             .progress_user = "areas", .raw_border = in->raw_border};
    fc_status st = fc_areas_compute(zs, series, &opts, table, timing, err);
    cli_progress_end(common);
    return st;
}

fc_status cli_session_open(cli_session *s, const cli_inputs *in, const cli_common *common,
                           cli_warnings *warn, bool measure, fc_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(s->w = fc_worker_create()))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = cli_open_inputs(in, common, warn, s->w, &s->zs, &s->series, err);
    /* The spatial commands read the series again after the areas (the
     * places' timeline, past origins): each file once. */
    if (st == FC_OK && measure)
        st = fc_series_keep_reads(s->series, s->zs->crs, err);
    if (st == FC_OK && measure)
        st = cli_compute_areas(in, common, warn, s->zs, s->series, false, NULL, &s->table, err);
    return st;
}

void cli_session_close(cli_session *s)
{
    fc_area_table_destroy(s->table);
    fc_series_close(s->w, s->series);
    fc_zones_destroy(s->w, s->zs);
    fc_worker_destroy(s->w);
    memset(s, 0, sizeof *s);
}

fc_forecast_options cli_forecast_options(const cli_model_args *m, fc_day as_of)
{
    return (fc_forecast_options){
        .as_of = as_of, .horizon_days = m->horizon, .step_days = m->step, .models = m->models,
        .nmodels = m->nmodels, .windows = m->windows, .nwindows = m->nwindows,
        .thresholds = m->thresholds, .nthresholds = m->nthresholds, .bootstrap = m->bootstrap,
        .seed = (uint64_t)m->seed, .model_intervals = m->model_intervals,
        .auto_model = m->auto_model};
}

void cli_model_defaults(cli_model_args *m)
{
    memset(m, 0, sizeof *m);
    cli_parse_models("all", m->models, &m->nmodels, &m->auto_model);
    m->windows[0] = FC_DEFAULT_WINDOW_DAYS;
    m->nwindows = 1;
    m->thresholds[0] = 100;
    m->nthresholds = 1;
    m->horizon = FC_DEFAULT_HORIZON_DAYS;
    m->step = FC_DEFAULT_STEP_DAYS;
    m->bootstrap = FC_DEFAULT_BOOTSTRAP;
    m->seed = FC_DEFAULT_SEED;
}

int cli_model_option(const char *cmd, int c, const char *arg, cli_model_args *m)
{
    switch (c) {
    case CLI_OPT_MODELS:
        m->models_given = true;
        if (!cli_parse_models(arg, m->models, &m->nmodels, &m->auto_model))
            return -cli_usage_error(cmd, "--model wants pace, ols, theilsen, holt, ensemble, auto or all (or a list), not '%s'", arg);
        return 1;
    case CLI_OPT_WINDOWS:
        m->windows_given = true;
        if (!cli_parse_int_list(arg, 2, 3650, m->windows, CLI_MAX_LIST, &m->nwindows))
            return -cli_usage_error(cmd, "--window wants days (a list like 30,90,180), not '%s'", arg);
        return 1;
    case CLI_OPT_BOOTSTRAP:
        if (!cli_parse_int(arg, 50, 1000000, &m->bootstrap))
            return -cli_usage_error(cmd, "--bootstrap wants 50 or more replicates, not '%s'", arg);
        return 1;
    case CLI_OPT_INTERVALS:
        if (!cli_parse_intervals(cmd, arg, &m->model_intervals))
            return -FC_EXIT_USAGE;
        return 1;
    case CLI_OPT_SEED:
        if (!cli_parse_int(arg, 0, 2147483647, &m->seed))
            return -cli_usage_error(cmd, "--seed wants a non-negative integer, not '%s'", arg);
        return 1;
    case CLI_OPT_THRESHOLDS:
        if (!cli_parse_real_list(arg, 0.001, 100, m->thresholds, CLI_MAX_LIST, &m->nthresholds))
            return -cli_usage_error(cmd, "--threshold wants percentages in (0, 100], not '%s'", arg);
        return 1;
    case CLI_OPT_PHORIZON:
        if (!cli_parse_int(arg, 1, 3650, &m->horizon))
            return -cli_usage_error(cmd, "--horizon wants days from 1 to 3650, not '%s'", arg);
        return 1;
    case CLI_OPT_PSTEP:
        if (!cli_parse_int(arg, 1, 3650, &m->step))
            return -cli_usage_error(cmd, "--step wants days from 1 to 3650, not '%s'", arg);
        return 1;
    default:
        return 0;
    }
}

int cli_check_steps(const char *cmd, const fc_advance_options *ao)
{
    if (ao->step_days > ao->horizon_days)
        return cli_usage_error(cmd, "--step (%d) is longer than --horizon (%d)", ao->step_days,
                               ao->horizon_days);
    return -1;
}
