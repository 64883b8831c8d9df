/* CSV outputs of forecast and backtest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/calibrate.h"
#include "frontcast/export.h"

static void date_field(FILE *f, fc_day d)
{
    if (d == FC_NO_DAY)
        return;
    char buf[11];
    fc_date_format(d, buf);
    fputs(buf, f);
}

void fc_csv_interval(FILE *f, size_t cal_n)
{
    char buf[FC_INTERVAL_LABEL];
    fputs(fc_interval_label(cal_n, buf), f);
}

/* zone_id,zone_name[,parent codes],model,window_days,as_of, */
static void key_fields(FILE *f, const fc_zoneset *zs, size_t z, fc_model m, bool automatic,
                       int window, fc_day as_of)
{
    char name[32];
    fc_csv_zone(f, zs, z);
    fprintf(f, ",%s,%d,", fc_row_model_name(m, automatic, name), window);
    date_field(f, as_of);
    fputc(',', f);
}

fc_status fc_write_forecast(const fc_forecast *fc, const fc_zoneset *zs, const char *dir,
                            fc_error *err)
{
    fc_status st = fc_ensure_dir(dir, err);
    if (st != FC_OK)
        return st;
    char *ppath = fc_path_join(dir, "projection.csv"), *epath = fc_path_join(dir, "eta.csv");
    fc_csv p, e;
    memset(&p, 0, sizeof p);
    memset(&e, 0, sizeof e);
    if (!ppath || !epath) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    st = fc_csv_open_zoned(&p, ppath, zs, "", "",
                           ",model,window_days,as_of,date,projected_km2,lo80_km2,"
                           "hi80_km2,lo95_km2,hi95_km2,projected_pct,interval\n",
                           ",\"String\",\"Integer\",\"Date\",\"Date\",\"Real\","
                           "\"Real\",\"Real\",\"Real\",\"Real\",\"Real\",\"String\"\n",
                           err);
    if (st != FC_OK)
        goto cleanup;
    for (size_t i = 0; i < fc->nproj; i++) {
        const fc_projection_row *r = &fc->proj[i];
        double area_km2 = fc_zone_area_m2(zs, r->zone) / 1e6;
        key_fields(p.f, zs, r->zone, r->model, r->automatic, r->window_days, fc->as_of);
        date_field(p.f, r->date);
        fprintf(p.f, ",%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,", r->km2.value, r->km2.lo80, r->km2.hi80,
                r->km2.lo95, r->km2.hi95, area_km2 > 0 ? 100 * r->km2.value / area_km2 : 0);
        fc_csv_interval(p.f, r->cal_n);
        fputc('\n', p.f);
    }
    st = fc_csv_open_zoned(&e, epath, zs, "", "",
                           ",model,window_days,as_of,controlled_pct,pace_km2_per_day,"
                           "threshold_pct,eta,eta_lo80,eta_hi80,status,interval\n",
                           ",\"String\",\"Integer\",\"Date\",\"Real\",\"Real\","
                           "\"Real\",\"Date\",\"Date\",\"Date\",\"String\",\"String\"\n",
                           err);
    if (st != FC_OK)
        goto cleanup;
    for (size_t i = 0; i < fc->neta; i++) {
        const fc_eta_row *r = &fc->eta[i];
        key_fields(e.f, zs, r->zone, r->model, r->automatic, r->window_days, fc->as_of);
        fprintf(e.f, "%.4f,%.3f,%g,", r->controlled_pct, r->pace_km2_per_day, r->threshold_pct);
        date_field(e.f, r->eta);
        fputc(',', e.f);
        date_field(e.f, r->eta_lo80);
        fputc(',', e.f);
        date_field(e.f, r->eta_hi80);
        fprintf(e.f, ",%s,", fc_eta_status_name(r->status));
        if (r->status != FC_ETA_REACHED && r->status != FC_ETA_NO_ADVANCE)
            fc_csv_interval(e.f, r->cal_n); /* else no date, no interval */
        fputc('\n', e.f);
    }
    /* Both complete before either replaces an older one. */
    st = fc_csv_commit(&p, err);
    if (st == FC_OK)
        st = fc_csv_commit(&e, err);
cleanup:
    fc_csv_abort(&p);
    fc_csv_abort(&e);
    free(ppath);
    free(epath);
    return st;
}

static void real_or_empty(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

fc_status fc_write_backtest(const fc_backtest *b, const char *path, fc_error *err)
{
    fc_csv c;
    fc_status st = fc_csv_open(&c, path,
                               "zone_id,model,window_days,horizon_days,n,mae_km2,rmse_km2,"
                               "bias_km2,coverage80,coverage95,skill_vs_naive,is80_km2,is95_km2,"
                               "wis_km2,cal_n,cal_coverage80,cal_coverage95,cal_is80_km2,"
                               "cal_is95_km2,cal_wis_km2,cal_model_is80_km2\n",
                               "\"String\",\"String\",\"Integer\",\"Integer\",\"Integer\",\"Real\","
                               "\"Real\",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\","
                               "\"Real\",\"Integer\",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\","
                               "\"Real\"\n",
                               err);
    if (st != FC_OK)
        return st;
    for (size_t i = 0; i < b->n; i++) {
        const fc_backtest_row *r = &b->rows[i];
        fc_csv_field(c.f, r->zone_id);
        fprintf(c.f, ",%s,%d,%d,%zu,%.3f,%.3f,%.3f", r->automatic ? "auto" : fc_model_name(r->model),
                r->window_days, r->horizon_days, r->n, r->mae_km2, r->rmse_km2, r->bias_km2);
        real_or_empty(c.f, "%.3f", r->coverage80);
        real_or_empty(c.f, "%.3f", r->coverage95);
        real_or_empty(c.f, "%.3f", r->skill_vs_naive);
        real_or_empty(c.f, "%.3f", r->is80);
        real_or_empty(c.f, "%.3f", r->is95);
        real_or_empty(c.f, "%.3f", r->wis);
        fprintf(c.f, ",%zu", r->cal_n);
        real_or_empty(c.f, "%.3f", r->cal_coverage80);
        real_or_empty(c.f, "%.3f", r->cal_coverage95);
        real_or_empty(c.f, "%.3f", r->cal_is80);
        real_or_empty(c.f, "%.3f", r->cal_is95);
        real_or_empty(c.f, "%.3f", r->cal_wis);
        real_or_empty(c.f, "%.3f", r->cal_model_is80);
        fputc('\n', c.f);
    }
    return fc_csv_commit(&c, err);
}

fc_status fc_write_frontlines(const fc_frontlines *f, const char *dir, fc_error *err)
{
    fc_status st = fc_ensure_dir(dir, err);
    if (st != FC_OK)
        return st;
    static const fc_field fields[] = {{"date", FC_FIELD_DATE},
                                      {"length_km", FC_FIELD_REAL},
                                      {"shift_mean_km", FC_FIELD_REAL},
                                      {"shift_p90_km", FC_FIELD_REAL}};
    enum { NF = 4 };
    char *gpath = fc_path_join(dir, "frontline.geojson"), *cpath = fc_path_join(dir, "frontline.csv");
    fc_value *v = calloc(f->n * NF + 1, sizeof *v);
    unsigned char **wkb = calloc(f->n + 1, sizeof *wkb);
    size_t *size = calloc(f->n + 1, sizeof *size);
    fc_csv c;
    memset(&c, 0, sizeof c);
    if (!gpath || !cpath || !v || !wkb || !size) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < f->n; i++) {
        const fc_frontline_row *r = &f->rows[i];
        fc_value *row = &v[i * NF];
        row[0].date = r->date;
        row[1].real = round(r->length_km * 1000) / 1000;
        row[2].real = round(r->shift_mean_km * 1000) / 1000;
        row[3].real = round(r->shift_p90_km * 1000) / 1000;
        row[2].null = isnan(r->shift_mean_km);
        row[3].null = isnan(r->shift_p90_km);
        wkb[i] = r->wkb;
        size[i] = r->wkb_size;
    }
    st = fc_write_vector(gpath, "GeoJSON", "frontline", fc_geojson_lco, FC_GEOM_LINES, fields, NF,
                         v, wkb, size, f->n, err);
    if (st == FC_OK)
        st = fc_csv_open(&c, cpath, "date,length_km,shift_mean_km,shift_p90_km\n",
                         "\"Date\",\"Real\",\"Real\",\"Real\"\n", err);
    for (size_t i = 0; st == FC_OK && i < f->n; i++) {
        const fc_frontline_row *r = &f->rows[i];
        date_field(c.f, r->date);
        fprintf(c.f, ",%.3f", r->length_km);
        real_or_empty(c.f, "%.3f", r->shift_mean_km);
        real_or_empty(c.f, "%.3f", r->shift_p90_km);
        fputc('\n', c.f);
    }
    if (st == FC_OK)
        st = fc_csv_commit(&c, err);
cleanup:
    fc_csv_abort(&c);
    free(gpath);
    free(cpath);
    free(v);
    free(wkb);
    free(size);
    return st;
}
