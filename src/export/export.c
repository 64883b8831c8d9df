#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "frontcast/export.h"
#include "export/layers.h"
#include "io/ogr_module.h"

void fc_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The .csvt sidecar QGIS reads beside a.csv is a.csvt. Newly allocated. */
static char *csvt_path(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 6);
    if (!out)
        return NULL;
    if (n > 4 && strcmp(path + n - 4, ".csv") == 0)
        sprintf(out, "%.*s.csvt", (int)(n - 4), path);
    else
        sprintf(out, "%s.csvt", path);
    return out;
}

fc_status fc_csv_open(fc_csv *c, const char *path, const char *header, const char *csvt,
                      fc_error *err)
{
    memset(c, 0, sizeof *c);
    if (!path || strcmp(path, "-") == 0) { /* "-": standard output, as GDAL users expect */
        c->f = stdout;
        fputs(header, c->f);
        return FC_OK;
    }
    char *tpath = csvt_path(path);
    if (!tpath)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = fc_atomic_begin(path, true, &c->data, err);
    if (st == FC_OK)
        st = fc_atomic_begin(tpath, true, &c->types, err);
    free(tpath);
    if (st != FC_OK) {
        fc_csv_abort(c);
        return st;
    }
    c->f = c->data.f;
    fputs(header, c->f);
    fputs(csvt, c->types.f);
    return FC_OK;
}

fc_status fc_csv_open_zoned(fc_csv *c, const char *path, const fc_zoneset *zs, const char *lead,
                            const char *lead_types, const char *rest, const char *rest_types,
                            fc_error *err)
{
    size_t n = strlen(lead) + strlen(lead_types) + strlen(rest) + strlen(rest_types) + 64;
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        n += strlen(fc_zone_parent_columns[l]) + 12;
    char *header = malloc(n), *types = malloc(n);
    if (!header || !types) {
        free(header);
        free(types);
        memset(c, 0, sizeof *c);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    size_t h = (size_t)sprintf(header, "%szone_id,zone_name", lead);
    size_t k = (size_t)sprintf(types, "%s\"String\",\"String\"", lead_types);
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if (zs->parent_field[l]) {
            h += (size_t)sprintf(header + h, ",%s", fc_zone_parent_columns[l]);
            k += (size_t)sprintf(types + k, ",\"String\"");
        }
    sprintf(header + h, "%s", rest);
    sprintf(types + k, "%s", rest_types);
    fc_status st = fc_csv_open(c, path, header, types, err);
    free(header);
    free(types);
    return st;
}

void fc_csv_zone(FILE *f, const fc_zoneset *zs, size_t z)
{
    fc_csv_field(f, fc_zone_id(zs, z));
    fputc(',', f);
    fc_csv_field(f, fc_zone_name(zs, z));
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if (zs->parent_field[l]) {
            fputc(',', f);
            fc_csv_field(f, fc_zone_parent(zs, z, l));
        }
}

fc_status fc_csv_commit(fc_csv *c, fc_error *err)
{
    fc_status st = FC_OK;
    if (!c->data.path) { /* standard output */
        if (fflush(c->f) != 0 || ferror(c->f))
            st = fc_error_set(err, FC_ERR_IO, "cannot write to standard output");
        memset(c, 0, sizeof *c);
        return st;
    }
    /* Both written in full before either takes its name (a full disk must
     * not leave a new sidecar beside the old CSV); then the sidecar first:
     * a reader that finds the new CSV finds its types. */
    st = fc_atomic_finish(&c->data, err);
    if (st == FC_OK)
        st = fc_atomic_finish(&c->types, err);
    if (st == FC_OK)
        st = fc_atomic_commit(&c->types, err);
    if (st == FC_OK)
        st = fc_atomic_commit(&c->data, err);
    fc_csv_abort(c);
    return st;
}

void fc_csv_abort(fc_csv *c)
{
    fc_atomic_abort(&c->types);
    fc_atomic_abort(&c->data);
    memset(c, 0, sizeof *c);
}

/* Values of one output row, shared by the CSV and GeoJSON writers. */
typedef struct row_view {
    const char *zone_id, *zone_name;
    double controlled_m2, zone_m2, pct, gained_m2, lost_m2, border_m2;
} row_view;

/* The percentage is of what is held (fc_held_m2: with the border sliver
 * unless the table is raw). The whole-layer row's is of the zones' total
 * area, counting only what the zones hold, so that it reads like theirs. */
static row_view view(const fc_area_table *t, const fc_zoneset *zs, size_t d, size_t z)
{
    const fc_measure *m = fc_area_row(t, d, z);
    row_view v = {0};
    v.controlled_m2 = m->controlled_m2;
    v.gained_m2 = m->gained_m2;
    v.lost_m2 = m->lost_m2;
    v.border_m2 = m->border_m2;
    v.zone_id = fc_zone_id(zs, z);
    v.zone_name = fc_zone_name(zs, z);
    v.zone_m2 = fc_zone_area_m2(zs, z);
    double inside = fc_held_m2(t, d, z);
    if (z == zs->n) {
        inside = 0;
        for (size_t k = 0; k < zs->n; k++)
            inside += fc_held_m2(t, d, k);
    }
    v.pct = v.zone_m2 > 0 ? 100 * inside / v.zone_m2 : 0;
    return v;
}

fc_status fc_write_areas_csv(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                             fc_error *err)
{
    fc_csv c;
    fc_status st = fc_csv_open_zoned(
        &c, path, zs, "date,", "\"Date\",",
        ",controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2,border_km2\n",
        ",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\"\n", err);
    if (st != FC_OK)
        return st;
    /* A zone's columns are the same on every date: quoted once. With rows
     * put together in a buffer and numbers formatted without printf, a
     * million rows (1,466 hromadas) take a third of the time printf took. */
    char **ztext = calloc(zs->n + 1, sizeof *ztext);
    size_t *zlen = calloc(zs->n + 1, sizeof *zlen);
    for (size_t z = 0; ztext && zlen && z <= zs->n; z++) {
        FILE *m = open_memstream(&ztext[z], &zlen[z]);
        if (!m)
            break;
        fc_csv_zone(m, zs, z);
        if (fclose(m) != 0) {
            free(ztext[z]);
            ztext[z] = NULL;
            break;
        }
    }
    if (!ztext || !zlen || !ztext[zs->n]) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        fc_csv_abort(&c);
    }
    /* A date's rows are put together in buf and written at once: three
     * writes a row through stdio's locks cost more than the formatting. */
    size_t zmax = 0;
    for (size_t z = 0; st == FC_OK && z <= zs->n; z++)
        zmax = zlen[z] > zmax ? zlen[z] : zmax;
    const size_t row_max = 11 + zmax + 6 * FC_FIXED_MAX + 8;
    char *buf = st == FC_OK ? malloc(64 * row_max) : NULL;
    if (st == FC_OK && !buf) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        fc_csv_abort(&c);
    }
    for (size_t d = 0; st == FC_OK && d < t->ndates; d++) {
        char date[12];
        fc_date_format(t->dates[d], date);
        date[10] = ',';
        size_t k = 0;
        for (size_t z = 0; z <= zs->n; z++) {
            const row_view v = view(t, zs, d, z);
            memcpy(buf + k, date, 11);
            memcpy(buf + k + 11, ztext[z], zlen[z]);
            k += 11 + zlen[z];
            buf[k++] = ',';
            k += fc_format_fixed(buf + k, v.controlled_m2 / 1e6, 3);
            buf[k++] = ',';
            k += fc_format_fixed(buf + k, v.zone_m2 / 1e6, 3);
            buf[k++] = ',';
            k += fc_format_fixed(buf + k, v.pct, 4);
            buf[k++] = ',';
            if (!isnan(v.gained_m2))
                k += fc_format_fixed(buf + k, v.gained_m2 / 1e6, 3);
            buf[k++] = ',';
            if (!isnan(v.lost_m2))
                k += fc_format_fixed(buf + k, v.lost_m2 / 1e6, 3);
            buf[k++] = ',';
            k += fc_format_fixed(buf + k, v.border_m2 / 1e6, 3);
            buf[k++] = '\n';
            if (k > 63 * row_max || z == zs->n) { /* room for one more row, or the date's last */
                fwrite(buf, 1, k, c.f);
                k = 0;
            }
        }
    }
    free(buf);
    for (size_t z = 0; ztext && z <= zs->n; z++)
        free(ztext[z]);
    free(ztext);
    free(zlen);
    return st == FC_OK ? fc_csv_commit(&c, err) : st;
}

const fc_out_format fc_out_formats[FC_OUT_NFORMATS] = {
    {"csv", FC_OUT_CSV}, {"geojson", FC_OUT_GEOJSON}, {"gpkg", FC_OUT_GPKG}};

bool fc_out_formats_parse(const char *list, unsigned *out)
{
    *out = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (size_t k = 0; k < FC_OUT_NFORMATS; k++)
            if (n == strlen(fc_out_formats[k].name) && !strncasecmp(p, fc_out_formats[k].name, n)) {
                *out |= fc_out_formats[k].bit;
                known = true;
            }
        if (!known || (p[n] == ',' && !p[n + 1])) /* "csv," */
            return false;
        p += n + (p[n] == ',');
    }
    return *out != 0;
}

const char *const fc_geojson_lco[] = {"RFC7946=YES", "WRITE_NAME=NO", NULL};

bool fc_is_database(const char *path)
{
    return strncmp(path, "PG:", 3) == 0;
}

/* A file written whole (update false) or updated (a copy of it changed),
 * under a temporary name until complete. */
static fc_status write_file(const char *path, const char *driver, const fc_vector_layer *layers,
                            size_t nlayers, bool update, fc_error *err)
{
    const fc_ogr_api *ogr = fc_ogr(err);
    if (!ogr)
        return err->code;
    fc_atomic a;
    fc_status st = update ? fc_atomic_begin_copy(path, &a, err) : fc_atomic_begin(path, false, &a, err);
    if (st == FC_OK)
        st = ogr->write(a.tmp, driver, update, layers, nlayers, err);
    /* The message names the file the user asked for, not its temporary. */
    const size_t nt = a.tmp ? strlen(a.tmp) : 0;
    if (st != FC_OK && nt && strncmp(err->msg, a.tmp, nt) == 0) {
        char rest[sizeof err->msg];
        snprintf(rest, sizeof rest, "%s", err->msg + nt);
        fc_error_set(err, st, "%s%s", path, rest);
    }
    if (st == FC_OK)
        st = fc_atomic_commit(&a, err);
    fc_atomic_abort(&a);
    return st;
}

fc_status fc_write_layers(const char *path, const char *driver, const fc_vector_layer *layers,
                          size_t nlayers, fc_error *err)
{
    const fc_ogr_api *ogr = fc_ogr(err);
    if (!ogr)
        return err->code;
    if (strcmp(path, "-") == 0)
        return ogr->write("/vsistdout/", driver, false, layers, nlayers, err);
    if (fc_is_database(path)) /* the database's transaction makes it atomic */
        return ogr->write(path, driver, true, layers, nlayers, err);
    return write_file(path, driver, layers, nlayers, false, err);
}

fc_status fc_update_layers(const char *path, const char *driver, const fc_vector_layer *layers,
                           size_t nlayers, fc_error *err)
{
    return write_file(path, driver, layers, nlayers, true, err);
}

fc_status fc_write_vector(const char *path, const char *driver, const char *layer,
                          const char *const *lco, fc_geometry_kind geometry,
                          const fc_field *fields, int nfields, const fc_value *values,
                          unsigned char *const *wkb, const size_t *wkb_size, size_t nrows,
                          fc_error *err)
{
    fc_vector_layer l = {layer, lco, geometry, fields, nfields, values, wkb, wkb_size, nrows, NULL};
    return fc_write_layers(path, driver, &l, 1, err);
}

fc_status fc_write_areas_geojson(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                                 fc_error *err)
{
    if (!t->wkb)
        return fc_error_set(err, FC_ERR_ARG, "areas were computed without geometry");
    /* The parent codes' columns (fc_csv_open_zoned) after zone_name. */
    fc_field fields[9 + FC_ZONE_LEVELS] = {
        {"date", FC_FIELD_DATE}, {"zone_id", FC_FIELD_STRING}, {"zone_name", FC_FIELD_STRING}};
    int nf = 3, parent_col[FC_ZONE_LEVELS];
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if ((parent_col[l] = zs->parent_field[l] ? nf : -1) >= 0)
            fields[nf++] = (fc_field){fc_zone_parent_columns[l], FC_FIELD_STRING};
    const int first_real = nf;
    static const char *const reals[] = {"controlled_km2", "zone_km2", "controlled_pct",
                                        "gained_km2", "lost_km2", "border_km2"};
    for (int i = 0; i < 6; i++)
        fields[nf++] = (fc_field){reals[i], FC_FIELD_REAL};
    const size_t nrows = t->ndates * (zs->n + 1);
    fc_value *values = calloc(nrows * (size_t)nf + 1, sizeof *values);
    if (!values)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    /* Rounded like the CSV, so both say the same. */
    for (size_t d = 0; d < t->ndates; d++)
        for (size_t z = 0; z <= zs->n; z++) {
            row_view v = view(t, zs, d, z);
            fc_value *r = &values[(d * (zs->n + 1) + z) * (size_t)nf];
            r[0].date = t->dates[d];
            r[1].text = v.zone_id;
            r[2].text = v.zone_name;
            for (int l = 0; l < FC_ZONE_LEVELS; l++)
                if (parent_col[l] >= 0) {
                    r[parent_col[l]].text = fc_zone_parent(zs, z, l);
                    r[parent_col[l]].null = !*r[parent_col[l]].text;
                }
            fc_value *q = &r[first_real];
            q[0].real = round(v.controlled_m2 / 1e3) / 1e3;
            q[1].real = round(v.zone_m2 / 1e3) / 1e3;
            q[2].real = round(v.pct * 1e4) / 1e4;
            q[3].real = round(v.gained_m2 / 1e3) / 1e3;
            q[4].real = round(v.lost_m2 / 1e3) / 1e3;
            q[3].null = q[4].null = isnan(v.gained_m2);
            q[5].real = round(v.border_m2 / 1e3) / 1e3;
        }
    fc_status st = fc_write_vector(path, "GeoJSON", "areas", fc_geojson_lco, FC_GEOM_POLYGONS,
                                   fields, nf, values, t->wkb, t->wkb_size, nrows, err);
    free(values);
    return st;
}
