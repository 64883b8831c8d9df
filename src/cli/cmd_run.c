/* frontcast run: the whole pipeline, incremental and safe to run from cron. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>
#include <json-c/json.h>

#include "cli/cli.h"
#include "frontcast/places.h"
#include "core/util.h"
#include "frontcast/export.h"
#include "frontcast/plot.h"
#include "frontcast/store.h"


static void help(void)
{
    printf("Usage: frontcast run [--config FILE] [OPTIONS]\n"
           "\n"
           "Runs the whole pipeline into one folder: areas (incrementally: a SQLite store\n"
           "keeps every snapshot's results, keyed by its content, so only new or changed\n"
           "snapshots are overlaid), forecast, advance and the pictures. Meant for cron:\n"
           "a second run over unchanged inputs only checks them (well under a second);\n"
           "a lock keeps two runs apart; every output is written to a temporary file and\n"
           "renamed; manifest.json records inputs (path, date, sha256), parameters,\n"
           "version, timings, warnings and quarantined snapshots.\n"
           "\n"
           "A new snapshot that cannot be read, has no polygon, is dated after today, or\n"
           "gains or loses more than --max-daily-change-km2 a day is quarantined: left\n"
           "out, reported, and the run ends with exit status 3. When the newest snapshot\n"
           "is older than --max-age days, the run says 'stale' and ends with 5 (over 3),\n"
           "also when nothing changed since the last run.\n"
           "\n"
           "Configuration: an INI file whose keys are the long options below, e.g.\n"
           "  [inputs]\n"
           "  control = /srv/deepstate\n"
           "  [forecast]\n"
           "  window = 90,180,365\n"
           "Sections only group; options given on the command line win.\n"
           "\n");
    cli_print_input_help();
    printf("Run:\n"
           "  --config FILE          read options from FILE first\n"
           "  --places PATH          (default geodata/" FC_DEFAULT_PLACES ")\n"
           "  -o, --output DIR       the output folder (default out/)\n"
           "  --state PATH           the store (default DIR/state.sqlite)\n"
           "  --wait SECONDS         wait this long for another run's lock (default 0)\n"
           "  --max-daily-change-km2 N  quarantine above this (default %g)\n"
           "  --today DATE           what counts as today (default: the system's, UTC)\n"
           "  --max-age DAYS         stale-data alarm: when the newest snapshot is older, the\n"
           "                         run completes and exits 5 (default 3; 0: off; not for\n"
           "                         the bundled demo series)\n"
           "  --model M[,M]          forecast models (default all)\n"
           "  --window DAYS[,DAYS]   forecast windows (default %d; advance takes the first)\n"
           "  --threshold PCT[,PCT]  ETA thresholds (default 100)\n"
           "  --horizon DAYS         (default %d)\n"
           "  --step DAYS            projection.csv step (default %d)\n"
           "  --bootstrap N, --seed N  bootstrap replicates (default %d) and seed (%d)\n"
           "  --advance-model M      the rate model the arrival model follows (default pace)\n"
           "  --map-step DAYS        projected fronts every ... days (default %d)\n"
           "  --cell KM              the arrival grid (default %g)\n"
           "  --plots yes|no         draw charts and map (default yes)\n"
           "  --format F[,F]         csv, geojson, gpkg (default csv,geojson; see below)\n"
           "  --pg CONNECTION        also write the map layers to PostGIS, e.g.\n"
           "                         --pg \"PG:dbname=front host=localhost\" (rows replaced\n"
           "                         in one transaction; styles in its layer_styles)\n"
           "  --source TEXT          names the data in the pictures\n"
           "  --holder TEXT          who holds the mapped area, e.g. \"Russian forces\"\n"
           "  -q, --quiet\n"
           "\n"
           "Outputs in DIR: " FC_REPORT_FILE " (a self-contained page to open after the run:\n"
           "as-of date, what changed, ETAs with their measured coverage, the pictures,\n"
           "places), arrival.tif, chart-*.png/svg, gains.png/svg, map.png/svg,\n"
           "map-front.png/svg, manifest.json, and by --format\n"
           "  csv      areas.csv, projection.csv, eta.csv, places.csv, calibration.csv\n"
           "           (each with a .csvt, so QGIS types the dates as dates)\n"
           "  geojson  projected-control.geojson, projected-front.geojson (RFC 7946)\n"
           "  gpkg     frontcast.gpkg, one GeoPackage for QGIS: zones, control (observed,\n"
           "           per zone and date), front_line (per date), projected_control,\n"
           "           projected_front, places (with arrival dates), each with its\n"
           "           default style in layer_styles and valid_from/valid_to dates for\n"
           "           the Temporal Controller\n"
           "\n"
           "Exit status: 0 success, 1 error, 2 wrong options, 3 completed with\n"
           "quarantined inputs, 4 another run holds the lock, 5 completed on stale data\n"
           "(--max-age).\n",
           FC_DEFAULT_MAX_DAILY_CHANGE_KM2, FC_DEFAULT_WINDOW_DAYS, FC_DEFAULT_HORIZON_DAYS, FC_DEFAULT_STEP_DAYS, FC_DEFAULT_BOOTSTRAP, FC_DEFAULT_SEED, FC_DEFAULT_MAP_STEP_DAYS, FC_DEFAULT_CELL_M / 1000);
}

/* ---- configuration: INI keys become long options ----------------------- */

typedef struct argvec {
    char **v;
    int n, cap;
} argvec;

static bool push_arg(argvec *a, const char *s)
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
    argvec *a = user;
    char buf[2048];
    if (!strcasecmp(value, "true") || !strcasecmp(value, "on")) {
        snprintf(buf, sizeof buf, "--%s", name);
        if (!strcmp(name, "quiet"))
            return push_arg(a, buf);
    }
    if (!strcasecmp(value, "false") || !strcasecmp(value, "off")) {
        if (!strcmp(name, "quiet"))
            return 1; /* not quiet: nothing to add */
    }
    snprintf(buf, sizeof buf, "--%s=%s", name, value);
    return push_arg(a, buf);
}

/* argv with the config file's options first (the command line's after, so
 * that they win). */
static int expand_config(int argc, char **argv, argvec *out)
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

/* ---- warnings, printed and kept for the manifest ----------------------- */

typedef struct kept_warnings {
    fc_diag diag;
    bool quiet;
    pthread_mutex_t lock;
    json_object *list;
} kept_warnings;

static void keep_warning(void *user, const char *msg)
{
    kept_warnings *k = user;
    pthread_mutex_lock(&k->lock);
    json_object_array_add(k->list, json_object_new_string(msg));
    if (!k->quiet)
        fprintf(stderr, "frontcast: warning: %s\n", msg);
    pthread_mutex_unlock(&k->lock);
}

/* ---- the run ----------------------------------------------------------- */

typedef struct run_args {
    cli_inputs in;
    cli_common common;
    const char *output, *state, *places, *source, *holder;
    double wait_s, max_change;
    int max_age;       /* --max-age, days; 0: no alarm */
    fc_day today;
    cli_model_args m;
    int map_step;
    fc_model advance_model;
    double cell_km;
    bool plots;
    unsigned formats;  /* FC_OUT_* */
    const char *pg;    /* a PostGIS target, or NULL */
    char *canonical; /* the options that decide the outputs, for the signature */
} run_args;

/* "csv,gpkg" -> FC_OUT_CSV | FC_OUT_GPKG; false on an unknown name. */
static bool parse_formats(const char *list, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"csv", FC_OUT_CSV}, {"geojson", FC_OUT_GEOJSON}, {"gpkg", FC_OUT_GPKG}};
    *out = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (n == strlen(names[k].name) && !strncasecmp(p, names[k].name, n)) {
                *out |= names[k].bit;
                known = true;
            }
        if (!known)
            return false;
        p += n + (p[n] == ',');
    }
    return *out != 0;
}

static int parse(int argc, char **argv, run_args *a)
{
    enum { O_PLACES = 256, O_STATE, O_WAIT, O_MAXCHANGE, O_TODAY, O_AMODEL, O_MAPSTEP, O_CELL,
           O_PLOTS, O_SOURCE, O_HOLDER, O_FORMAT, O_PG, O_MAXAGE };
    static const struct option longopts[] = {
        CLI_INPUT_LONGOPTS,
        CLI_MODEL_LONGOPTS,
        CLI_PROJECTION_LONGOPTS,
        {"places", required_argument, NULL, O_PLACES},
        {"state", required_argument, NULL, O_STATE},
        {"wait", required_argument, NULL, O_WAIT},
        {"max-daily-change-km2", required_argument, NULL, O_MAXCHANGE},
        {"today", required_argument, NULL, O_TODAY},
        {"max-age", required_argument, NULL, O_MAXAGE},
        {"advance-model", required_argument, NULL, O_AMODEL},
        {"map-step", required_argument, NULL, O_MAPSTEP},
        {"cell", required_argument, NULL, O_CELL},
        {"plots", required_argument, NULL, O_PLOTS},
        {"source", required_argument, NULL, O_SOURCE},
        {"holder", required_argument, NULL, O_HOLDER},
        {"format", required_argument, NULL, O_FORMAT},
        {"pg", required_argument, NULL, O_PG},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "run";
    a->output = "out";
    a->max_change = FC_DEFAULT_MAX_DAILY_CHANGE_KM2;
    a->max_age = 3;
    cli_model_defaults(&a->m);
    a->map_step = FC_DEFAULT_MAP_STEP_DAYS;
    a->advance_model = FC_MODEL_PACE;
    a->cell_km = FC_DEFAULT_CELL_M / 1000;
    a->plots = true;
    a->formats = FC_OUT_CSV | FC_OUT_GEOJSON;
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    fc_date_from_ymd(utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, &a->today);
    /* Room for every option as "name=value\n" (names are at most 32 bytes). */
    size_t canon_len = 1;
    for (int i = 1; i < argc; i++)
        canon_len += strlen(argv[i]) + 40;
    a->canonical = calloc(canon_len, 1);
    opterr = 0;
    optind = 1;
    int c, li;
    while ((li = -1, c = getopt_long(argc, argv, ":o:j:qh", longopts, &li)) != -1) {
        /* Everything but how long to wait and how much to say decides the
         * outputs: the option's name and value, however it was spelt. */
        if (a->canonical && c != O_WAIT && c != 'q' && c != 'j' && c != ':' && c != '?') {
            size_t used = strlen(a->canonical);
            char shortname[2] = {(char)c, '\0'};
            snprintf(a->canonical + used, canon_len - used, "%s=%s\n",
                     li >= 0 ? longopts[li].name : shortname, optarg ? optarg : "");
            if (c == O_PG) /* the manifest shows these: no password there */
                fc_mask_passwords(a->canonical + used);
        }
        int r = cli_input_option(cmd, c, optarg, &a->in);
        if (r == 0)
            r = cli_model_option(cmd, c, optarg, &a->m);
        if (r < 0)
            return -r;
        if (r > 0)
            continue;
        char *end;
        switch (c) {
        case O_PLACES: a->places = optarg; break;
        case O_STATE: a->state = optarg; break;
        case O_SOURCE: a->source = optarg; break;
        case O_HOLDER: a->holder = optarg; break;
        case O_WAIT:
            a->wait_s = strtod(optarg, &end);
            if (*end || !(a->wait_s >= 0 && a->wait_s <= 86400))
                return cli_usage_error(cmd, "--wait wants seconds from 0 to 86400, not '%s'", optarg);
            break;
        case O_MAXAGE:
            if (!cli_parse_int(optarg, 0, 36500, &a->max_age))
                return cli_usage_error(cmd, "--max-age wants days (0: no alarm), not '%s'", optarg);
            break;
        case O_MAXCHANGE:
            a->max_change = strtod(optarg, &end);
            if (*end || !(a->max_change > 0))
                return cli_usage_error(cmd, "--max-daily-change-km2 wants a positive number, not '%s'", optarg);
            break;
        case O_TODAY:
            if (!fc_date_parse(optarg, &a->today))
                return cli_usage_error(cmd, "--today wants a date YYYY-MM-DD, not '%s'", optarg);
            break;
        case O_MAPSTEP:
            if (!cli_parse_int(optarg, 1, 3650, &a->map_step))
                return cli_usage_error(cmd, "--map-step wants days from 1 to 3650, not '%s'", optarg);
            break;
        case O_AMODEL:
            if (!fc_model_parse(optarg, &a->advance_model) || a->advance_model == FC_MODEL_NAIVE)
                return cli_usage_error(cmd, "--advance-model wants pace, ols, theilsen, holt or ensemble, not '%s'", optarg);
            break;
        case O_CELL:
            a->cell_km = strtod(optarg, &end);
            if (*end || !(a->cell_km >= 0.1 && a->cell_km <= 100))
                return cli_usage_error(cmd, "--cell wants km from 0.1 to 100, not '%s'", optarg);
            break;
        case O_PLOTS:
            if (strcasecmp(optarg, "yes") && strcasecmp(optarg, "no") && strcasecmp(optarg, "true") &&
                strcasecmp(optarg, "false"))
                return cli_usage_error(cmd, "--plots wants yes or no, not '%s'", optarg);
            a->plots = !strcasecmp(optarg, "yes") || !strcasecmp(optarg, "true");
            break;
        case O_FORMAT:
            if (!parse_formats(optarg, &a->formats))
                return cli_usage_error(cmd, "--format wants csv, geojson or gpkg (or a list, "
                                            "e.g. csv,gpkg), not '%s'", optarg);
            break;
        case O_PG: a->pg = optarg; break;
        case 'o':
            if (fc_is_database(optarg))
                return cli_usage_error(cmd, "run writes a folder (store, manifest, pictures): give it "
                                            "with -o DIR and the database with --pg '%s'", optarg);
            a->output = optarg;
            break;
        case 'q': a->common.quiet = true; break;
        case 'h': help(); return FC_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->m.nmodels == 0)
        return cli_usage_error(cmd, "--model auto needs a model beside it for the charts, "
                                    "e.g. --model pace,auto");
    if (a->map_step > a->m.horizon)
        return cli_usage_error(cmd, "--map-step (%d) is longer than --horizon (%d)", a->map_step, a->m.horizon);
    if (a->pg && !fc_is_database(a->pg))
        return cli_usage_error(cmd, "--pg wants a connection like 'PG:dbname=front host=localhost', "
                                    "not '%s'", a->pg);
    cli_progress_init(&a->common, &a->in);
    return -1;
}

/* The files a run writes, by format. */
static const struct {
    const char *name;
    unsigned formats; /* written when any of these is asked for; 0: always */
} outputs[] = {{"areas.csv", FC_OUT_CSV},
               {"projection.csv", FC_OUT_CSV},
               {"eta.csv", FC_OUT_CSV},
               {"places.csv", FC_OUT_CSV},
               {"calibration.csv", FC_OUT_CSV},
               {"places-timeline.csv", FC_OUT_CSV},
               {"places-timeline.geojson", FC_OUT_GEOJSON},
               {"projected-control.geojson", FC_OUT_GEOJSON},
               {"projected-front.geojson", FC_OUT_GEOJSON},
               {"frontcast.gpkg", FC_OUT_GPKG},
               {"arrival.tif", 0},
               {FC_REPORT_FILE, 0}};

/* Whether the previous manifest's signature is this one and every output
 * is there; then whether it quarantined snapshots and its newest snapshot. */
static bool up_to_date(const char *dir, const char *signature, unsigned formats, bool plots,
                       bool *quarantined, fc_day *newest)
{
    char path[1024];
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i].name);
        if ((!outputs[i].formats || (outputs[i].formats & formats)) && access(path, R_OK) != 0)
            return false;
    }
    snprintf(path, sizeof path, "%s/map.png", dir);
    if (plots && access(path, R_OK) != 0)
        return false;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_object *m = json_object_from_file(path), *sig, *q, *nw;
    /* A damaged manifest (a field of another type) is simply not a match. */
    bool same = m && json_object_object_get_ex(m, "signature", &sig) &&
                json_object_is_type(sig, json_type_string) &&
                !strcmp(json_object_get_string(sig), signature) &&
                json_object_object_get_ex(m, "quarantined", &q) &&
                json_object_is_type(q, json_type_array) &&
                json_object_object_get_ex(m, "newest_snapshot", &nw) &&
                json_object_is_type(nw, json_type_string) &&
                fc_date_parse(json_object_get_string(nw), newest);
    if (same)
        *quarantined = json_object_array_length(q) > 0;
    json_object_put(m);
    return same;
}

/* The stale-data alarm: one line when the newest snapshot is older than
 * --max-age days (0: off; never for the bundled demo series). */
static bool stale(const run_args *a, fc_day newest)
{
    if (a->max_age <= 0 || !a->in.control || newest + a->max_age >= a->today)
        return false;
    char d[11];
    fc_date_format(newest, d);
    fprintf(stderr, "frontcast: stale: newest snapshot %s is %d days old\n", d,
            (int)(a->today - newest));
    return true;
}

static json_object *jstr(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static fc_status drop_manifest(const char *dir, fc_error *err)
{
    char *path = fc_path_join(dir, "manifest.json");
    if (!path)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = FC_OK;
    if (unlink(path) != 0 && errno != ENOENT)
        st = fc_error_set(err, FC_ERR_IO, "%s: cannot remove the old manifest: %s", path,
                          strerror(errno));
    free(path);
    return st;
}

static fc_status write_manifest(const char *dir, json_object *m, fc_error *err)
{
    char *path = fc_path_join(dir, "manifest.json");
    if (!path)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_atomic a;
    fc_status st = fc_atomic_begin(path, true, &a, err);
    if (st == FC_OK) {
        fputs(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), a.f);
        fputc('\n', a.f);
        st = fc_atomic_commit(&a, err);
    }
    fc_atomic_abort(&a);
    free(path);
    return st;
}

int cmd_run(int argc, char **argv)
{
    argvec av = {0};
    int rc = expand_config(argc, argv, &av);
    run_args a = {0};
    if (rc < 0)
        rc = parse(av.n, av.v, &a);
    if (rc >= 0) {
        for (int i = 0; i < av.n; i++)
            free(av.v[i]);
        free(av.v);
        free(a.canonical);
        return rc;
    }
    const double t_start = fc_now();
    kept_warnings warn = {{keep_warning, NULL}, a.common.quiet, PTHREAD_MUTEX_INITIALIZER,
                          json_object_new_array()};
    warn.diag.user = &warn;
    cli_warnings quiet_warn; /* for cli_open_inputs' zone warnings */
    cli_warnings_init(&quiet_warn, a.common.quiet);
    quiet_warn.diag = warn.diag;
    fc_error err = {0};
    fc_status st = fc_ensure_dir(a.output, &err);
    char *lock_path = fc_path_join(a.output, ".frontcast.lock");
    char *state = a.state ? fc_strdup(a.state) : fc_path_join(a.output, "state.sqlite");
    char *places = cli_places_path(a.places);
    int lock = -1;
    bool busy = false;
    fc_worker *w = fc_worker_create();
    fc_store *store = NULL;
    fc_zoneset *zs = NULL;
    fc_series *series = NULL;
    fc_area_table *table = NULL;
    fc_forecast *fc = NULL;
    fc_advance *adv = NULL;
    fc_frontlines *fronts = NULL;
    fc_places *pl = NULL;
    fc_place_history *pl_hist = NULL;
    fc_update_stats layer_stats = {0};
    GEOSGeometry *now = NULL;
    fc_quarantined *q = NULL;
    size_t nq = 0;
    fc_update_stats stats = {0};
    json_object *manifest = json_object_new_object(), *timings = json_object_new_object();
    char zones_key[65] = "", signature[65] = "";
    int exit_code = FC_EXIT_OK;

    if (st == FC_OK && (!lock_path || !state || !places || !w))
        st = fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_lock_acquire(lock_path, a.wait_s, &lock, &busy, &err);
    /* Holding the lock, no other run writes here: what a killed run left
     * half-written can go. */
    if (st == FC_OK)
        fc_atomic_sweep(a.output);
    char moved[4200] = "";
    if (st == FC_OK)
        st = fc_store_open_recover(state, &store, moved, sizeof moved, &err);
    if (st == FC_OK && moved[0])
        fc_warn(&warn.diag, "%s: the state store was damaged: moved to %s; rebuilt from the inputs",
                state, moved);
    if (st == FC_OK)
        st = cli_open_inputs(&a.in, &a.common, &quiet_warn, w, &zs, &series, &err);
    double t = fc_now();
    /* What decides the outputs: the zones, every snapshot's content and
     * date, the places, the options and the version. */
    if (st == FC_OK) {
        char zh[65], ph[65] = "", buf[256];
        st = fc_store_file_hash(store, zs->path, zh, &err);
        if (st == FC_OK && access(places, R_OK) == 0)
            st = fc_store_file_hash(store, places, ph, &err);
        snprintf(buf, sizeof buf, "areas-v1\n%s\n%s\n%s\n", zh, zs->id_field, zs->name_field);
        fc_sha256_hex(buf, strlen(buf), zones_key);
        size_t n = fc_series_count(series), len = 0, cap = 4096 + 96 * n + strlen(a.canonical);
        char *sig = malloc(cap);
        if (!sig && st == FC_OK)
            st = fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        if (sig)
            len += (size_t)snprintf(sig + len, cap - len, "%s\n%s\n%s\n%s", fc_version(), zones_key, ph,
                                    a.canonical);
        bool future = false;
        for (size_t i = 0; st == FC_OK && i < n; i++) {
            char k[65];
            if (fc_series_get_kind(series) == FC_SERIES_FOLDER)
                st = fc_store_file_hash(store, fc_series_source(series, i), k, &err);
            else
                st = fc_store_file_hash(store, fc_series_path(series), k, &err);
            if (st == FC_ERR_IO && fc_series_get_kind(series) == FC_SERIES_FOLDER) {
                /* Unreadable: the update quarantines it; the signature says so. */
                snprintf(k, sizeof k, "unreadable");
                st = FC_OK;
            }
            future |= fc_series_date(series, i) > a.today;
            len += (size_t)snprintf(sig + len, cap - len, "%d %s\n", (int)fc_series_date(series, i), k);
        }
        if (future && sig)
            len += (size_t)snprintf(sig + len, cap - len, "today %d\n", (int)a.today);
        if (sig)
            fc_sha256_hex(sig, len, signature);
        free(sig);
    }
    json_object_object_add(timings, "check_s", json_object_new_double(fc_now() - t));
    bool was_quarantined = false;
    fc_day newest = FC_NO_DAY;
    if (st == FC_OK && up_to_date(a.output, signature, a.formats, a.plots, &was_quarantined, &newest)) {
        if (!a.common.quiet)
            fprintf(stderr, "frontcast run: up to date (snapshots: %zu reused, 0 computed); %.2f s\n",
                    fc_series_count(series), fc_now() - t_start);
        /* Nothing new is no news for cron only while the data are fresh. */
        exit_code = stale(&a, newest) ? FC_EXIT_STALE
                    : was_quarantined ? FC_EXIT_QUARANTINED
                                      : FC_EXIT_OK;
        goto cleanup;
    }
    /* From the first output on, the folder no longer matches the old
     * manifest: remove it, so that a run failing part-way (after rewriting
     * some outputs) cannot leave a signature that claims "up to date". */
    if (st == FC_OK)
        st = drop_manifest(a.output, &err);
    /* Areas, incrementally. */
    t = fc_now();
    fc_update_options uo = {
        .areas = {.threads = a.in.threads, .tile_m = a.in.tile_km * 1000, .diag = &warn.diag,
                  .progress = a.common.progress ? cli_progress : NULL, .progress_user = "areas"},
        .max_daily_change_km2 = a.max_change, .today = a.today, .zones_key = zones_key};
    /* The map layers want the polygons of what is overlaid now: keep them
     * rather than overlay those snapshots twice. */
    uo.areas.keep_geometry = (a.formats & FC_OUT_GPKG) || a.pg;
    if (st == FC_OK) {
        st = fc_update_areas(store, zs, series, &uo, &table, &stats, &q, &nq, &err);
        cli_progress_end(&a.common);
    }
    if (st == FC_OK && fc_series_count(series) < 2)
        st = fc_error_set(&err, FC_ERR_EMPTY, "%s: fewer than two usable snapshots", fc_series_path(series));
    for (size_t i = 0; st == FC_OK && i < nq; i++) {
        char d[11];
        fc_date_format(q[i].date, d);
        fprintf(stderr, "frontcast: quarantined: %s (%s): %s\n", q[i].path, d, q[i].reason);
    }
    if (st == FC_OK && (a.formats & FC_OUT_CSV)) {
        char *p = fc_path_join(a.output, "areas.csv");
        st = p ? fc_write_areas_csv(table, zs, p, &err) : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        free(p);
    }
    json_object_object_add(timings, "areas_s", json_object_new_double(fc_now() - t));
    /* Forecast. */
    t = fc_now();
    if (st == FC_OK) {
        fc_forecast_options fo = {.as_of = FC_NO_DAY, .horizon_days = a.m.horizon, .step_days = a.m.step,
                                  .models = a.m.models, .nmodels = a.m.nmodels, .windows = a.m.windows,
                                  .nwindows = a.m.nwindows, .thresholds = a.m.thresholds,
                                  .nthresholds = a.m.nthresholds, .bootstrap = a.m.bootstrap, .seed = (uint64_t)a.m.seed,
                                  .model_intervals = a.m.model_intervals,
                                  .auto_model = a.m.auto_model};
        st = fc_forecast_run(table, zs, &fo, &fc, &err);
    }
    if (st == FC_OK && (a.formats & FC_OUT_CSV))
        st = fc_write_forecast(fc, zs, a.output, &err);
    json_object_object_add(timings, "forecast_s", json_object_new_double(fc_now() - t));
    /* The observed timeline of the places (advance calibrates on it too). */
    t = fc_now();
    if (st == FC_OK)
        st = fc_places_read(places, &pl, &err);
    if (st == FC_OK)
        st = fc_places_timeline(w, zs, series, pl,
                                &(fc_places_timeline_options){a.in.threads, &warn.diag, NULL, NULL},
                                &pl_hist, &err);
    if (st == FC_OK && (a.formats & (FC_OUT_CSV | FC_OUT_GEOJSON)))
        st = fc_write_places_timeline(pl, pl_hist, a.output, a.formats, &err);
    json_object_object_add(timings, "places_s", json_object_new_double(fc_now() - t));
    /* Advance. */
    t = fc_now();
    fc_advance_options ao = fc_advance_defaults();
    ao.window_days = a.m.windows[0];
    ao.horizon_days = a.m.horizon;
    ao.step_days = a.map_step;
    ao.model = a.advance_model;
    ao.model_intervals = a.m.model_intervals;
    ao.bootstrap = a.m.bootstrap; /* run's --bootstrap/--seed reach advance too */
    ao.seed = (uint64_t)a.m.seed;
    ao.cell_m = a.cell_km * 1000;
    ao.places = places;
    ao.places_history = pl_hist;
    if (st == FC_OK)
        st = fc_advance_run(w, zs, series, table, &ao, &warn.diag, &adv, &err);
    if (st == FC_OK)
        st = fc_write_advance(adv, zs, a.output, a.m.horizon, fc_model_name(ao.model), ao.window_days,
                              a.formats, &err);
    json_object_object_add(timings, "advance_s", json_object_new_double(fc_now() - t));
    /* The map layers for QGIS and PostGIS: observed polygons and front
     * lines of every snapshot, again only what the store lacks. */
    t = fc_now();
    if (st == FC_OK && ((a.formats & FC_OUT_GPKG) || a.pg)) {
        fc_update_options lo = uo;
        lo.areas.progress_user = "map layers";
        st = fc_update_observed(store, zs, series, &lo, table, &fronts, &layer_stats, &err);
        cli_progress_end(&a.common);
        fc_map_layers m = {zs,         table, fronts, adv, fc_model_name(ao.model), ao.window_days,
                           pl,         pl_hist};
        char *p = fc_path_join(a.output, "frontcast.gpkg");
        if (!p && st == FC_OK)
            st = fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        if (st == FC_OK && (a.formats & FC_OUT_GPKG))
            st = fc_write_map_layers(&m, p, &err);
        if (st == FC_OK && a.pg)
            st = fc_write_map_layers(&m, a.pg, &err);
        free(p);
    }
    json_object_object_add(timings, "layers_s", json_object_new_double(fc_now() - t));
    /* Pictures, of the first forecast model and window, and the page a
     * person opens after the run (with the pictures when drawn). */
    t = fc_now();
    if (st == FC_OK) {
        char credit[256], source[256];
        fc_plot_options po = {1200, 700, 96, cli_source_name(a.source, series, source, sizeof source),
                              cli_zones_credit(&a.in, credit, sizeof credit), false, a.holder,
                              fc_series_synthetic(series)};
        size_t inow = 0;
        if (a.plots)
            st = fc_series_control_at(series, fc->as_of, w, zs->crs, NULL, &inow, &now, &err);
        fc_plot_data pd = {zs, table, fc, a.m.models[0], a.m.windows[0], now, adv};
        if (st == FC_OK && a.plots)
            st = fc_plot_all(w, &pd, &po, a.output, &err);
        fc_report_data rd = {&pd, &po, pl, pl_hist, a.today, a.plots ? a.output : NULL};
        char *p = fc_path_join(a.output, FC_REPORT_FILE);
        if (st == FC_OK)
            st = p ? fc_write_report(&rd, p, &err) : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
        free(p);
    }
    json_object_object_add(timings, "plots_s", json_object_new_double(fc_now() - t));
    if (st == FC_OK && nq > 0)
        exit_code = FC_EXIT_QUARANTINED;
    if (st == FC_OK)
        newest = fc_series_date(series, fc_series_count(series) - 1);
    const bool is_stale = st == FC_OK && stale(&a, newest);
    if (is_stale)
        exit_code = FC_EXIT_STALE;
    /* The manifest, last: its signature says the outputs are complete. */
    if (st == FC_OK) {
        json_object *inputs = json_object_new_object(), *snaps = json_object_new_array(),
                    *quar = json_object_new_array(), *js = json_object_new_object();
        json_object_object_add(manifest, "frontcast_version", jstr(fc_version()));
        json_object_object_add(manifest, "signature", jstr(signature));
        json_object_object_add(manifest, "exit_code", json_object_new_int(exit_code));
        char today[11];
        fc_date_format(a.today, today);
        json_object_object_add(manifest, "today", jstr(today));
        char nd[11];
        fc_date_format(newest, nd);
        json_object_object_add(manifest, "newest_snapshot", jstr(nd));
        json_object *js_stale = NULL;
        if (is_stale) {
            js_stale = json_object_new_object();
            json_object_object_add(js_stale, "age_days", json_object_new_int((int)(a.today - newest)));
            json_object_object_add(js_stale, "max_age_days", json_object_new_int(a.max_age));
        }
        json_object_object_add(manifest, "stale", js_stale);
        json_object_object_add(manifest, "parameters", jstr(a.canonical));
        json_object_object_add(inputs, "zones", jstr(zs->path));
        json_object_object_add(inputs, "control", jstr(fc_series_path(series)));
        /* Whoever reads the outputs' provenance learns they are not real. */
        json_object_object_add(inputs, "control_is_synthetic_demo",
                               json_object_new_boolean(fc_series_synthetic(series)));
        json_object_object_add(inputs, "places", jstr(places));
        for (size_t i = 0; i < fc_series_count(series); i++) {
            json_object *o = json_object_new_object();
            char d[11], k[65] = "";
            fc_date_format(fc_series_date(series, i), d);
            if (fc_series_get_kind(series) == FC_SERIES_FOLDER)
                fc_store_file_hash(store, fc_series_source(series, i), k, NULL);
            json_object_object_add(o, "path", jstr(fc_series_source(series, i)));
            json_object_object_add(o, "date", jstr(d));
            json_object_object_add(o, "sha256", jstr(k));
            json_object_array_add(snaps, o);
        }
        json_object_object_add(inputs, "snapshots", snaps);
        json_object_object_add(manifest, "inputs", inputs);
        for (size_t i = 0; i < nq; i++) {
            json_object *o = json_object_new_object();
            char d[11];
            fc_date_format(q[i].date, d);
            json_object_object_add(o, "path", jstr(q[i].path));
            json_object_object_add(o, "date", jstr(d));
            json_object_object_add(o, "reason", jstr(q[i].reason));
            json_object_array_add(quar, o);
        }
        json_object_object_add(manifest, "quarantined", quar);
        json_object_object_add(js, "reused", json_object_new_int64((int64_t)stats.reused));
        json_object_object_add(js, "computed", json_object_new_int64((int64_t)stats.computed));
        json_object_object_add(js, "quarantined", json_object_new_int64((int64_t)stats.quarantined));
        if ((a.formats & FC_OUT_GPKG) || a.pg) {
            json_object_object_add(js, "map_layers_reused", json_object_new_int64((int64_t)layer_stats.reused));
            json_object_object_add(js, "map_layers_computed", json_object_new_int64((int64_t)layer_stats.computed));
        }
        json_object_object_add(manifest, "snapshots", js);
        json_object_object_add(timings, "total_s", json_object_new_double(fc_now() - t_start));
        json_object_object_add(manifest, "timings_s", json_object_get(timings));
        json_object_object_add(manifest, "warnings", json_object_get(warn.list));
        st = write_manifest(a.output, manifest, &err);
    }
    if (st == FC_OK && !a.common.quiet)
        fprintf(stderr, "frontcast run: snapshots: %zu reused, %zu computed, %zu quarantined; "
                        "outputs in %s/; %.1f s\n",
                stats.reused, stats.computed, stats.quarantined, a.output, fc_now() - t_start);
cleanup:
    if (st != FC_OK) {
        cli_fail(&err);
        exit_code = busy ? FC_EXIT_LOCKED : FC_EXIT_ERROR;
    }
    if (now)
        GEOSGeom_destroy_r(fc_worker_geos(w), now);
    fc_quarantined_free(q, nq);
    fc_advance_destroy(adv);
    fc_places_destroy(pl);
    free(pl_hist);
    fc_frontlines_destroy(fronts);
    fc_forecast_destroy(fc);
    fc_area_table_destroy(table);
    fc_series_close(w, series);
    fc_zones_destroy(w, zs);
    fc_store_close(store);
    fc_worker_destroy(w);
    fc_lock_release(lock);
    json_object_put(manifest);
    json_object_put(timings);
    json_object_put(warn.list);
    free(lock_path);
    free(state);
    free(places);
    free(a.canonical);
    for (int i = 0; i < av.n; i++)
        free(av.v[i]);
    free(av.v);
    return exit_code;
}
