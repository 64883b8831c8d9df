/* Outputs of frontcast advance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/export.h"
#include "export/layers.h"
#include "io/ogr_module.h"

#define NODATA -9999.0

static fc_status write_tif(const fc_advance *a, const char *path, int horizon, const char *model_name,
                           int window_days, fc_error *err)
{
    const fc_ogr_api *ogr = fc_ogr(err);
    if (!ogr)
        return err->code;
    const fc_grid *g = &a->arrival->grid;
    float *v = malloc((size_t)g->nx * (size_t)g->ny * sizeof *v);
    if (!v)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    /* GeoTIFF rows run north to south. */
    for (int j = 0; j < g->ny; j++)
        for (int i = 0; i < g->nx; i++) {
            float d = a->arrival->days[(size_t)j * (size_t)g->nx + (size_t)i];
            v[(size_t)(g->ny - 1 - j) * (size_t)g->nx + (size_t)i] =
                isfinite(d) && d <= horizon ? d : (float)NODATA;
        }
    /* What a GIS user sees in the layer's properties (gdalinfo). */
    char asof[11], as_of[32], hz[32], model[96];
    fc_date_format(a->as_of, asof);
    snprintf(as_of, sizeof as_of, "AS_OF=%s", asof);
    snprintf(hz, sizeof hz, "HORIZON_DAYS=%d", horizon);
    snprintf(model, sizeof model, "MODEL=%s over %d days", model_name, window_days);
    const char *const meta[] = {as_of, hz, model, "UNITS=days after AS_OF", NULL};
    fc_ogr_raster r = {g->nx, g->ny, {g->x0, g->cell_m, 0, g->y0 + g->ny * g->cell_m, 0, -g->cell_m},
                       a->arrival->crs, "days after the as-of date until the front arrives", meta};
    fc_atomic at;
    fc_status st = fc_atomic_begin(path, false, &at, err);
    if (st == FC_OK)
        st = ogr->write_raster(at.tmp, &r, v, NODATA, err);
    if (st == FC_OK)
        st = fc_atomic_commit(&at, err);
    fc_atomic_abort(&at);
    free(v);
    return st;
}

static void date_or_empty(FILE *f, fc_day d)
{
    if (d == FC_NO_DAY)
        return;
    char buf[11];
    fc_date_format(d, buf);
    fputs(buf, f);
}

fc_status fc_write_advance(const fc_advance *a, const fc_zoneset *zs, const char *dir,
                           int horizon_days, const char *model, int window_days,
                           unsigned formats, fc_error *err)
{
    fc_status st = fc_ensure_dir(dir, err);
    if (st != FC_OK)
        return st;
    const size_t nz = a->nzones, ns = a->nsteps;
    char *tif = fc_path_join(dir, "arrival.tif"), *pc = fc_path_join(dir, "projected-control.geojson"),
         *pf = fc_path_join(dir, "projected-front.geojson"), *pl = fc_path_join(dir, "places.csv"),
         *cal = fc_path_join(dir, "calibration.csv");
    fc_layer_data layer;
    fc_csv c;
    memset(&c, 0, sizeof c);
    if (!tif || !pc || !pf || !pl || !cal) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    st = write_tif(a, tif, horizon_days, model, window_days, err);
    /* A feature per step and zone with control; the fronts, one per step. */
    const bool geojson = formats & FC_OUT_GEOJSON, csv = formats & FC_OUT_CSV;
    if (st == FC_OK && geojson && (st = fc_layer_projected_control(a, zs, model, window_days, &layer, err)) == FC_OK) {
        layer.layer.lco = fc_geojson_lco;
        st = fc_write_layers(pc, "GeoJSON", &layer.layer, 1, err);
        fc_layer_data_free(&layer);
    }
    if (st == FC_OK && geojson && (st = fc_layer_projected_front(a, model, window_days, &layer, err)) == FC_OK) {
        layer.layer.lco = fc_geojson_lco;
        st = fc_write_layers(pf, "GeoJSON", &layer.layer, 1, err);
        fc_layer_data_free(&layer);
    }
    if (st == FC_OK && !csv)
        goto cleanup;
    if (st == FC_OK)
        st = fc_csv_open(&c, pl,
                         "name,population,zone_id,distance_to_front_km,arrival,arrival_lo80,"
                         "arrival_hi80,interval\n",
                         "\"String\",\"Integer\",\"String\",\"Real\",\"Date\",\"Date\",\"Date\","
                         "\"String\"\n",
                         err);
    for (size_t i = 0; st == FC_OK && i < a->nplaces; i++) {
        const fc_place_row *p = &a->places[i];
        fc_csv_field(c.f, p->name);
        if (isnan(p->population))
            fputs(",", c.f);
        else
            fprintf(c.f, ",%.0f", p->population);
        fputc(',', c.f);
        if (p->zone_id)
            fc_csv_field(c.f, p->zone_id);
        fprintf(c.f, ",%.3f,", p->distance_km);
        date_or_empty(c.f, p->arrival);
        fputc(',', c.f);
        date_or_empty(c.f, p->arrival_lo80);
        fputc(',', c.f);
        date_or_empty(c.f, p->arrival_hi80);
        fputc(',', c.f);
        fc_csv_field(c.f, p->interval);
        fputc('\n', c.f);
    }
    if (st == FC_OK)
        st = fc_csv_commit(&c, err);
    if (st == FC_OK)
        st = fc_csv_open(&c, cal, "zone_id,days,forecast_gain_km2,model_gain_km2,rel_error\n",
                         "\"String\",\"Integer\",\"Real\",\"Real\",\"Real\"\n", err);
    for (size_t s = 0; st == FC_OK && s < ns; s++)
        for (size_t z = 0; z < nz; z++) {
            double f = a->forecast_gain_km2[s * nz + z], m = a->model_gain_km2[s * nz + z];
            if (f <= 0 && m <= 0)
                continue;
            fputs(zs->zones[z].id, c.f);
            fprintf(c.f, ",%d,%.3f,%.3f,", a->step_days[s], f, m);
            if (f > 0)
                fprintf(c.f, "%.5f", (m - f) / f);
            fputc('\n', c.f);
        }
    if (st == FC_OK)
        st = fc_csv_commit(&c, err);
cleanup:
    fc_csv_abort(&c);
    free(tif);
    free(pc);
    free(pf);
    free(pl);
    free(cal);
    return st;
}

fc_status fc_write_spatial_backtest(const fc_spatial_score *s, size_t n, const char *path,
                                    fc_error *err)
{
    fc_csv c;
    fc_status st = fc_csv_open(&c, path, "model,horizon_days,n,precision,recall,iou\n",
                               "\"String\",\"Integer\",\"Integer\",\"Real\",\"Real\",\"Real\"\n", err);
    for (size_t i = 0; st == FC_OK && i < n; i++)
        fprintf(c.f, "%s,%d,%zu,%.4f,%.4f,%.4f\n", s[i].model, s[i].horizon_days, s[i].n,
                s[i].precision, s[i].recall, s[i].iou);
    return st == FC_OK ? fc_csv_commit(&c, err) : st;
}

fc_status fc_write_places_backtest(const fc_place_score *s, size_t n, const char *path,
                                   fc_error *err)
{
    fc_csv c;
    fc_status st = fc_csv_open(&c, path,
                               "model,horizon_days,origins,candidates,captured,hits,misses,"
                               "false_alarms,median_abs_error_days,coverage80,covered80,"
                               "covered80_free,calibrated,median_hi_lo_ratio,cal_captured,"
                               "cal_coverage80\n",
                               "\"String\",\"Integer\",\"Integer\",\"Integer\",\"Integer\","
                               "\"Integer\",\"Integer\",\"Integer\",\"Real\",\"Real\",\"Integer\","
                               "\"Integer\",\"Integer\",\"Real\",\"Integer\",\"Real\"\n",
                               err);
    for (size_t i = 0; st == FC_OK && i < n; i++) {
        const fc_place_score *r = &s[i];
        fprintf(c.f, "%s,%d,%zu,%zu,%zu,%zu,%zu,%zu,", r->model, r->horizon_days, r->origins,
                r->candidates, r->captured, r->hits, r->misses, r->false_alarms);
        if (!isnan(r->median_abs_error_days))
            fprintf(c.f, "%.1f", r->median_abs_error_days);
        fputc(',', c.f);
        if (r->captured)
            fprintf(c.f, "%.4f", (double)r->covered / (double)r->captured);
        fprintf(c.f, ",%zu,%zu,%zu,", r->covered, r->covered_free, r->calibrated);
        if (!isnan(r->median_hi_lo_ratio))
            fprintf(c.f, "%.2f", r->median_hi_lo_ratio);
        fprintf(c.f, ",%zu,", r->cal_captured);
        if (r->cal_captured)
            fprintf(c.f, "%.4f", (double)r->cal_covered / (double)r->cal_captured);
        fputc('\n', c.f);
    }
    return st == FC_OK ? fc_csv_commit(&c, err) : st;
}

fc_status fc_write_places_timeline(const fc_places *places, const fc_place_history *hist,
                                   const char *dir, unsigned formats, fc_error *err)
{
    fc_status st = fc_ensure_dir(dir, err);
    if (st != FC_OK)
        return st;
    char *gpath = fc_path_join(dir, "places-timeline.geojson"),
         *cpath = fc_path_join(dir, "places-timeline.csv");
    fc_layer_data layer;
    memset(&layer, 0, sizeof layer);
    fc_csv c;
    memset(&c, 0, sizeof c);
    if (!gpath || !cpath) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (formats & FC_OUT_GEOJSON) {
        st = fc_layer_places_observed(places, hist, &layer, err);
        if (st == FC_OK) {
            layer.layer.lco = fc_geojson_lco;
            st = fc_write_layers(gpath, "GeoJSON", &layer.layer, 1, err);
        }
    }
    if (st == FC_OK && !(formats & FC_OUT_CSV))
        goto cleanup;
    if (st == FC_OK)
        st = fc_csv_open(&c, cpath,
                         "name,population,zone_id,first_held,last_free,held_now,changes,lon,lat\n",
                         "\"String\",\"Integer\",\"String\",\"Date\",\"Date\",\"String\",\"Integer\","
                         "\"Real\",\"Real\"\n",
                         err);
    for (size_t i = 0; st == FC_OK && i < places->n; i++) {
        const fc_place *p = &places->p[i];
        const fc_place_history *h = &hist[i];
        fc_csv_field(c.f, p->name);
        fputc(',', c.f);
        if (!isnan(p->population))
            fprintf(c.f, "%.0f", p->population);
        fputc(',', c.f);
        if (h->zone_id)
            fc_csv_field(c.f, h->zone_id);
        fputc(',', c.f);
        date_or_empty(c.f, h->first_held);
        fputc(',', c.f);
        date_or_empty(c.f, h->last_free);
        fprintf(c.f, ",%s,%d,%.6f,%.6f\n", h->held_now ? "true" : "false", h->changes, p->lon,
                p->lat);
    }
    if (st == FC_OK)
        st = fc_csv_commit(&c, err);
cleanup:
    fc_csv_abort(&c);
    fc_layer_data_free(&layer);
    free(gpath);
    free(cpath);
    return st;
}
