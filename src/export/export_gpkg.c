/* Every map layer in one GeoPackage or PostGIS database, styled for QGIS. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontcast/geodesy.h"
#include "export/layers.h"

/* The style of a layer, from src/export/styles/NAME.qml (generated/styles.c). */
const char *fc_style_qml(const char *layer);

void fc_layer_data_free(fc_layer_data *d)
{
    if (d->owns_wkb)
        for (size_t r = 0; d->wkb && r < d->layer.nrows; r++)
            free(d->wkb[r]);
    free(d->values);
    free(d->wkb);
    free(d->wkb_size);
    memset(d, 0, sizeof *d);
}

/* Room for nrows rows of fields. */
static fc_status layer_alloc(fc_layer_data *d, const char *name, fc_geometry_kind geometry,
                             const fc_field *fields, int nfields, size_t nrows, fc_error *err)
{
    memset(d, 0, sizeof *d);
    d->values = calloc((nrows + 1) * (size_t)nfields, sizeof *d->values);
    d->wkb = calloc(nrows + 1, sizeof *d->wkb);
    d->wkb_size = calloc(nrows + 1, sizeof *d->wkb_size);
    if (!d->values || !d->wkb || !d->wkb_size) {
        fc_layer_data_free(d);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    d->layer = (fc_vector_layer){name, NULL, geometry, fields, nfields, d->values,
                                 d->wkb, d->wkb_size, 0, NULL};
    return FC_OK;
}

/* ---- projections (also written as GeoJSON by fc_write_advance) -------- */

static const fc_field projected_fields[] = {
    {"zone_id", FC_FIELD_STRING},      {"valid_from", FC_FIELD_DATE},
    {"valid_to", FC_FIELD_DATE},       {"days_ahead", FC_FIELD_INTEGER},
    {"projected_km2", FC_FIELD_REAL},  {"model", FC_FIELD_STRING},
    {"window_days", FC_FIELD_INTEGER}};
enum { NPROJ = sizeof projected_fields / sizeof projected_fields[0] };

/* A step is drawn until the next one: steps are evenly spaced. */
static void projected_row(fc_value *r, const fc_advance *a, size_t s, const char *zone_id,
                          double km2, const char *model, int window_days)
{
    r[0].text = zone_id;
    r[1].date = a->as_of + a->step_days[s];
    r[2].date = a->as_of + a->step_days[s] + a->step_days[0];
    r[3].real = a->step_days[s];
    r[4].real = round(km2 * 1000) / 1000;
    r[5].text = model;
    r[6].real = window_days;
}

fc_status fc_layer_projected_control(const fc_advance *a, const fc_zoneset *zs, const char *model,
                                     int window_days, fc_layer_data *out, fc_error *err)
{
    const size_t nz = a->nzones;
    fc_status st = layer_alloc(out, "projected_control", FC_GEOM_POLYGONS, projected_fields, NPROJ,
                               a->nsteps * nz, err);
    size_t n = 0;
    for (size_t s = 0; st == FC_OK && s < a->nsteps; s++)
        for (size_t z = 0; z < nz; z++) {
            if (!a->control_wkb[s * nz + z])
                continue;
            projected_row(&out->values[n * NPROJ], a, s, zs->zones[z].id,
                          a->projected_km2[s * nz + z], model, window_days);
            out->wkb[n] = a->control_wkb[s * nz + z];
            out->wkb_size[n] = a->control_size[s * nz + z];
            n++;
        }
    out->layer.nrows = n;
    return st;
}

fc_status fc_layer_projected_front(const fc_advance *a, const char *model, int window_days,
                                   fc_layer_data *out, fc_error *err)
{
    const size_t nz = a->nzones;
    fc_status st = layer_alloc(out, "projected_front", FC_GEOM_LINES, projected_fields, NPROJ,
                               a->nsteps, err);
    for (size_t s = 0; st == FC_OK && s < a->nsteps; s++) {
        double total = 0;
        for (size_t z = 0; z < nz; z++)
            total += a->projected_km2[s * nz + z];
        projected_row(&out->values[s * NPROJ], a, s, FC_ALL_ZONE_ID, total, model, window_days);
        out->wkb[s] = a->front_wkb[s];
        out->wkb_size[s] = a->front_size[s];
    }
    out->layer.nrows = st == FC_OK ? a->nsteps : 0;
    return st;
}

/* ---- places' timeline (also written as GeoJSON) ------------------------ */

fc_status fc_layer_places_observed(const fc_places *places, const fc_place_history *hist,
                                   fc_layer_data *out, fc_error *err)
{
    static const fc_field fields[] = {
        {"name", FC_FIELD_STRING},       {"population", FC_FIELD_INTEGER},
        {"zone_id", FC_FIELD_STRING},    {"first_held", FC_FIELD_DATE},
        {"last_free", FC_FIELD_DATE},    {"held_now", FC_FIELD_BOOLEAN},
        {"changes", FC_FIELD_INTEGER}};
    enum { NF = sizeof fields / sizeof fields[0] };
    fc_status st = layer_alloc(out, "places_observed", FC_GEOM_POINTS, fields, NF, places->n, err);
    if (st != FC_OK)
        return st;
    out->owns_wkb = true;
    out->layer.nrows = places->n;
    for (size_t i = 0; i < places->n; i++) {
        const fc_place *p = &places->p[i];
        const fc_place_history *hh = &hist[i];
        fc_value *r = &out->values[i * NF];
        r[0].text = p->name;
        r[1].real = p->population;
        r[1].null = isnan(p->population);
        r[2].text = hh->zone_id;
        r[2].null = !hh->zone_id;
        r[3].date = hh->first_held;
        r[3].null = hh->first_held == FC_NO_DAY;
        r[4].date = hh->last_free;
        r[4].null = hh->last_free == FC_NO_DAY;
        r[5].real = hh->held_now;
        r[6].real = hh->changes;
        /* A point's WKB (byte order, type 1, x, y) in the host's byte
         * order, which the first byte names (1: little-endian). */
        unsigned char *b = malloc(21);
        if (!b) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        const uint32_t type = 1;
        const uint16_t probe = 1;
        memcpy(b, &probe, 1);
        memcpy(b + 1, &type, 4);
        memcpy(b + 5, &p->lon, 8);
        memcpy(b + 13, &p->lat, 8);
        out->wkb[i] = b;
        out->wkb_size[i] = 21;
    }
    return st;
}

/* ---- the other layers -------------------------------------------------- */

/* g (working CRS) as lon/lat WKB, newly allocated; NULL for an empty g. */
static fc_status lonlat_wkb(fc_worker *w, const GEOSGeometry *g, const char *crs,
                            unsigned char **wkb, size_t *size, fc_error *err)
{
    GEOSContextHandle_t h = fc_worker_geos(w);
    *wkb = NULL;
    *size = 0;
    if (!g || GEOSisEmpty_r(h, g))
        return FC_OK;
    GEOSGeometry *ll = NULL;
    fc_status st = fc_reproject(w, g, crs, "OGC:CRS84", &ll, err);
    if (st != FC_OK)
        return st;
    *wkb = GEOSGeomToWKB_buf_r(h, ll, size);
    GEOSGeom_destroy_r(h, ll);
    return *wkb ? FC_OK : fc_error_set(err, FC_ERR_GEOM, "cannot encode a geometry");
}

/* A zone layer's room: fields, then a column per parent level zs carries
 * (fc_zone_parent_columns), as d's own fields; their count in *nfields. */
static fc_status zoned_alloc(fc_layer_data *d, const char *name, const fc_field *fields, int n,
                             const fc_zoneset *zs, size_t nrows, int *nfields, fc_error *err)
{
    int k = n;
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        k += zs->parent_field[l] != NULL;
    fc_status st = layer_alloc(d, name, FC_GEOM_POLYGONS, fields, k, nrows, err);
    if (st != FC_OK)
        return st;
    memcpy(d->own_fields, fields, (size_t)n * sizeof *fields);
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if (zs->parent_field[l])
            d->own_fields[n++] = (fc_field){fc_zone_parent_columns[l], FC_FIELD_STRING};
    d->layer.fields = d->own_fields;
    *nfields = k;
    return FC_OK;
}

/* Zone z's parent codes into r, in zoned_alloc's columns. */
static void parent_values(fc_value *r, const fc_zoneset *zs, size_t z)
{
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if (zs->parent_field[l]) {
            r->text = fc_zone_parent(zs, z, l);
            r->null = !*r->text;
            r++;
        }
}

static fc_status layer_zones(fc_worker *w, const fc_zoneset *zs, fc_layer_data *out, fc_error *err)
{
    static const fc_field fields[] = {
        {"zone_id", FC_FIELD_STRING}, {"name", FC_FIELD_STRING}, {"area_km2", FC_FIELD_REAL}};
    int nf;
    fc_status st = zoned_alloc(out, "zones", fields, 3, zs, zs->n, &nf, err);
    if (st != FC_OK)
        return st;
    out->owns_wkb = true;
    out->layer.nrows = zs->n;
    for (size_t z = 0; z < zs->n && st == FC_OK; z++) {
        fc_value *r = &out->values[z * (size_t)nf];
        r[0].text = zs->zones[z].id;
        r[1].text = zs->zones[z].name;
        r[2].real = round(zs->zones[z].area_m2 / 1e3) / 1e3;
        parent_values(&r[3], zs, z);
        st = lonlat_wkb(w, zs->zones[z].geom, zs->crs, &out->wkb[z], &out->wkb_size[z], err);
    }
    return st;
}

/* Observed control: a feature per date and zone holding any, valid until
 * the next snapshot (so that a missing day shows the last known map). */
static fc_status layer_control(const fc_area_table *t, const fc_zoneset *zs, fc_day from,
                               fc_layer_data *out, fc_error *err)
{
    static const fc_field fields[] = {
        {"date", FC_FIELD_DATE},          {"valid_from", FC_FIELD_DATE},
        {"valid_to", FC_FIELD_DATE},      {"zone_id", FC_FIELD_STRING},
        {"zone_name", FC_FIELD_STRING},   {"controlled_km2", FC_FIELD_REAL},
        {"zone_km2", FC_FIELD_REAL},      {"controlled_pct", FC_FIELD_REAL},
        {"gained_km2", FC_FIELD_REAL},    {"lost_km2", FC_FIELD_REAL},
        {"border_km2", FC_FIELD_REAL}};
    enum { NF = sizeof fields / sizeof fields[0] };
    if (!t->wkb)
        return fc_error_set(err, FC_ERR_ARG, "areas were computed without geometry");
    int nf;
    fc_status st = zoned_alloc(out, "control", fields, NF, zs, t->ndates * zs->n, &nf, err);
    size_t n = 0;
    for (size_t d = 0; st == FC_OK && d < t->ndates; d++)
        for (size_t z = 0; z < zs->n && t->dates[d] >= from; z++) {
            size_t k = d * (zs->n + 1) + z;
            if (!t->wkb[k])
                continue;
            const fc_measure *m = fc_area_row(t, d, z);
            double zone_m2 = fc_zone_area_m2(zs, z);
            fc_value *r = &out->values[n * (size_t)nf];
            r[0].date = r[1].date = t->dates[d];
            r[2].date = d + 1 < t->ndates ? t->dates[d + 1] : t->dates[d] + 1;
            r[3].text = zs->zones[z].id;
            r[4].text = zs->zones[z].name;
            r[5].real = round(m->controlled_m2 / 1e3) / 1e3;
            r[6].real = round(zone_m2 / 1e3) / 1e3;
            r[7].real = zone_m2 > 0 ? round(1e6 * fc_held_m2(t, d, z) / zone_m2) / 1e4 : 0;
            r[8].real = round(m->gained_m2 / 1e3) / 1e3;
            r[9].real = round(m->lost_m2 / 1e3) / 1e3;
            r[8].null = r[9].null = isnan(m->gained_m2);
            r[10].real = round(m->border_m2 / 1e3) / 1e3;
            parent_values(&r[NF], zs, z);
            out->wkb[n] = t->wkb[k];
            out->wkb_size[n] = t->wkb_size[k];
            n++;
        }
    out->layer.nrows = n;
    return st;
}

static fc_status layer_fronts(const fc_frontlines *f, fc_day from, fc_layer_data *out,
                              fc_error *err)
{
    static const fc_field fields[] = {
        {"date", FC_FIELD_DATE},        {"valid_from", FC_FIELD_DATE},
        {"valid_to", FC_FIELD_DATE},    {"length_km", FC_FIELD_REAL},
        {"shift_mean_km", FC_FIELD_REAL}, {"shift_p90_km", FC_FIELD_REAL}};
    enum { NF = sizeof fields / sizeof fields[0] };
    fc_status st = layer_alloc(out, "front_line", FC_GEOM_LINES, fields, NF, f->n, err);
    size_t n = 0;
    for (size_t i = 0; st == FC_OK && i < f->n; i++) {
        const fc_frontline_row *row = &f->rows[i];
        if (row->date < from)
            continue;
        fc_value *r = &out->values[n * NF];
        r[0].date = r[1].date = row->date;
        r[2].date = i + 1 < f->n ? f->rows[i + 1].date : row->date + 1;
        r[3].real = round(row->length_km * 1000) / 1000;
        r[4].real = round(row->shift_mean_km * 1000) / 1000;
        r[5].real = round(row->shift_p90_km * 1000) / 1000;
        r[4].null = r[5].null = isnan(row->shift_mean_km);
        out->wkb[n] = row->wkb;
        out->wkb_size[n++] = row->wkb_size;
    }
    out->layer.nrows = st == FC_OK ? n : 0;
    return st;
}

static fc_status layer_places(fc_worker *w, const fc_advance *a, fc_layer_data *out, fc_error *err)
{
    static const fc_field fields[] = {
        {"name", FC_FIELD_STRING},        {"population", FC_FIELD_INTEGER},
        {"zone_id", FC_FIELD_STRING},     {"distance_to_front_km", FC_FIELD_REAL},
        {"arrival", FC_FIELD_DATE},       {"arrival_lo80", FC_FIELD_DATE},
        {"arrival_hi80", FC_FIELD_DATE},  {"days_to_arrival", FC_FIELD_INTEGER},
        {"interval", FC_FIELD_STRING}};
    enum { NF = sizeof fields / sizeof fields[0] };
    fc_status st = layer_alloc(out, "places", FC_GEOM_POINTS, fields, NF, a->nplaces, err);
    if (st != FC_OK)
        return st;
    out->owns_wkb = true;
    out->layer.nrows = a->nplaces;
    GEOSContextHandle_t h = fc_worker_geos(w);
    for (size_t i = 0; i < a->nplaces && st == FC_OK; i++) {
        const fc_place_row *p = &a->places[i];
        fc_value *r = &out->values[i * NF];
        r[0].text = p->name;
        r[1].real = p->population;
        r[1].null = isnan(p->population);
        r[2].text = p->zone_id;
        r[2].null = !p->zone_id;
        r[3].real = round(p->distance_km * 1000) / 1000;
        const fc_day days[] = {p->arrival, p->arrival_lo80, p->arrival_hi80};
        for (int k = 0; k < 3; k++) {
            r[4 + k].date = days[k];
            r[4 + k].null = days[k] == FC_NO_DAY;
        }
        r[7].null = p->arrival == FC_NO_DAY;
        if (!r[7].null)
            r[7].real = p->arrival - a->as_of;
        r[8].text = p->interval;
        r[8].null = !p->interval[0];
        double xy[2] = {p->x, p->y};
        st = fc_reproject_xy(w, a->arrival->crs, "OGC:CRS84", xy, 1, err);
        GEOSGeometry *pt = st == FC_OK ? GEOSGeom_createPointFromXY_r(h, xy[0], xy[1]) : NULL;
        if (st == FC_OK && (!pt || !(out->wkb[i] = GEOSGeomToWKB_buf_r(h, pt, &out->wkb_size[i]))))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    return st;
}

/* ---- styles ------------------------------------------------------------ */

/* The database name of a "PG:" connection string (QGIS matches a style to
 * its table by catalog, schema and name); "" when not given. */
static void pg_dbname(const char *conn, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(conn, "dbname=");
    if (!p)
        return;
    p += 7;
    char quote = *p == '\'' || *p == '"' ? *p++ : '\0';
    size_t n = 0;
    while (p[n] && n + 1 < size && (quote ? p[n] != quote : p[n] != ' '))
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

/*
 * layer_styles as QGIS itself makes it in a GeoPackage or PostGIS database,
 * one default style per layer. An existing table keeps other tables'
 * styles: only the rows of these layers are replaced.
 */
enum { NSTYLE_FIELDS = 11 };
static const fc_field style_fields[NSTYLE_FIELDS] = {
    {"f_table_catalog", FC_FIELD_STRING}, {"f_table_schema", FC_FIELD_STRING},
    {"f_table_name", FC_FIELD_STRING},    {"f_geometry_column", FC_FIELD_STRING},
    {"styleName", FC_FIELD_STRING},       {"styleQML", FC_FIELD_STRING},
    {"styleSLD", FC_FIELD_STRING},        {"useAsDefault", FC_FIELD_BOOLEAN},
    {"description", FC_FIELD_STRING},     {"owner", FC_FIELD_STRING},
    {"update_time", FC_FIELD_DATETIME}};

static fc_status layer_styles(const fc_layer_data *layers, size_t n, const char *path,
                              char *dbname, size_t dbname_size, char *where, size_t where_size,
                              fc_layer_data *out, fc_error *err)
{
    fc_status st = layer_alloc(out, "layer_styles", FC_GEOM_NONE, style_fields, NSTYLE_FIELDS, n, err);
    if (st != FC_OK)
        return st;
    const bool pg = fc_is_database(path);
    if (pg)
        pg_dbname(path, dbname, dbname_size);
    else
        dbname[0] = '\0';
    size_t used = (size_t)snprintf(where, where_size, "f_table_schema = '%s' AND f_table_name IN (",
                                   pg ? "public" : "");
    const double now = (double)time(NULL);
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        const char *qml = fc_style_qml(layers[i].layer.name);
        if (!qml)
            continue;
        fc_value *r = &out->values[rows * NSTYLE_FIELDS];
        r[0].text = dbname;
        r[1].text = pg ? "public" : "";
        r[2].text = layers[i].layer.name;
        r[3].text = "geom";
        r[4].text = layers[i].layer.name;
        r[5].text = qml;
        r[6].text = "";
        r[7].real = 1;
        r[8].text = "frontcast default style";
        r[9].text = "";
        r[10].real = now;
        used += (size_t)snprintf(where + used, used < where_size ? where_size - used : 0, "%s'%s'",
                                 rows ? ", " : "", layers[i].layer.name);
        rows++;
    }
    snprintf(where + used, used < where_size ? where_size - used : 0, ")");
    out->layer.nrows = rows;
    out->layer.replace_where = where;
    return FC_OK;
}

/* ---- the whole set ----------------------------------------------------- */

fc_status fc_write_map_layers(const fc_map_layers *m, const char *path, fc_error *err)
{
    enum { MAXL = 8 };
    fc_layer_data d[MAXL];
    memset(d, 0, sizeof d);
    size_t n = 0;
    fc_status st = FC_OK;
    fc_worker *w = fc_worker_create();
    if (!w)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (m->zones && m->zones->n > 0 && m->zones->zones[0].geom)
        st = layer_zones(w, m->zones, &d[n++], err);
    /* An update replaces the dated rows from update_from on. */
    const bool update = m->update && !fc_is_database(path);
    char since[64] = "";
    if (update) {
        char day[11];
        fc_date_format(m->update_from, day);
        snprintf(since, sizeof since, "date >= '%s'", day);
    }
    const fc_day from = update ? m->update_from : FC_NO_DAY;
    if (st == FC_OK && m->observed) {
        st = layer_control(m->observed, m->zones, from, &d[n], err);
        d[n++].layer.replace_where = update ? since : NULL;
    }
    if (st == FC_OK && m->fronts) {
        st = layer_fronts(m->fronts, from, &d[n], err);
        d[n++].layer.replace_where = update ? since : NULL;
    }
    if (st == FC_OK && m->advance) {
        st = fc_layer_projected_control(m->advance, m->zones, m->model, m->window_days, &d[n++], err);
        if (st == FC_OK)
            st = fc_layer_projected_front(m->advance, m->model, m->window_days, &d[n++], err);
        if (st == FC_OK)
            st = layer_places(w, m->advance, &d[n++], err);
    }
    if (st == FC_OK && m->places && m->places_history)
        st = fc_layer_places_observed(m->places, m->places_history, &d[n++], err);
    char dbname[256], where[512];
    if (st == FC_OK) {
        st = layer_styles(d, n, path, dbname, sizeof dbname, where, sizeof where, &d[n], err);
        n++;
    }
    /* One geometry column name in both formats, as the styles say. */
    static const char *const lco[] = {"GEOMETRY_NAME=geom", NULL};
    fc_vector_layer layers[MAXL];
    for (size_t i = 0; i < n; i++) {
        layers[i] = d[i].layer;
        if (layers[i].geometry != FC_GEOM_NONE)
            layers[i].lco = lco;
    }
    if (st == FC_OK && update)
        st = fc_update_layers(path, "GPKG", layers, n, err);
    else if (st == FC_OK)
        st = fc_write_layers(path, fc_is_database(path) ? "PostgreSQL" : "GPKG", layers, n, err);
    for (size_t i = 0; i < n; i++)
        fc_layer_data_free(&d[i]);
    fc_worker_destroy(w);
    return st;
}
