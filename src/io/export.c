#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/util.h"
#include "frontcast/export.h"
#include "io/read.h"

static const char *const csv_header =
    "date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2\n";
static const char *const csvt_types =
    "\"Date\",\"String\",\"String\",\"Real\",\"Real\",\"Real\",\"Real\",\"Real\"\n";
static const char *const all_zone_name = "whole control layer";

/* Writes s as a CSV field, quoted only when it must be (RFC 4180). */
static void csv_field(FILE *f, const char *s)
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

static void csv_km2(FILE *f, double m2)
{
    if (isnan(m2))
        return;
    fprintf(f, "%.3f", m2 / 1e6);
}

/* Values of one output row, shared by the CSV and GeoJSON writers. */
typedef struct row_view {
    const char *zone_id, *zone_name;
    double controlled_m2, zone_m2, pct, gained_m2, lost_m2;
} row_view;

static double zones_total_m2(const fc_zoneset *zs)
{
    double s = 0;
    for (size_t z = 0; z < zs->n; z++)
        s += zs->zones[z].area_m2;
    return s;
}

/* The whole-layer row's percentage is of the zones' total area, counting
 * only control inside the zones, so that it reads like the zones' rows. */
static row_view view(const fc_area_table *t, const fc_zoneset *zs, size_t d, size_t z,
                     double total_m2)
{
    const fc_measure *m = fc_area_row(t, d, z);
    row_view v = {0};
    v.controlled_m2 = m->controlled_m2;
    v.gained_m2 = m->gained_m2;
    v.lost_m2 = m->lost_m2;
    if (z < zs->n) {
        v.zone_id = zs->zones[z].id;
        v.zone_name = zs->zones[z].name;
        v.zone_m2 = zs->zones[z].area_m2;
        v.pct = v.zone_m2 > 0 ? 100 * m->controlled_m2 / v.zone_m2 : 0;
    } else {
        double inside = 0;
        for (size_t k = 0; k < zs->n; k++)
            inside += fc_area_row(t, d, k)->controlled_m2;
        v.zone_id = FC_ALL_ZONE_ID;
        v.zone_name = all_zone_name;
        v.zone_m2 = total_m2;
        v.pct = total_m2 > 0 ? 100 * inside / total_m2 : 0;
    }
    return v;
}

static void write_rows(FILE *f, const fc_area_table *t, const fc_zoneset *zs)
{
    const double total = zones_total_m2(zs);
    fputs(csv_header, f);
    for (size_t d = 0; d < t->ndates; d++) {
        char date[11];
        fc_date_format(t->dates[d], date);
        for (size_t z = 0; z <= zs->n; z++) {
            row_view v = view(t, zs, d, z, total);
            fprintf(f, "%s,", date);
            csv_field(f, v.zone_id);
            fputc(',', f);
            csv_field(f, v.zone_name);
            fprintf(f, ",%.3f,%.3f,%.4f,", v.controlled_m2 / 1e6, v.zone_m2 / 1e6, v.pct);
            csv_km2(f, v.gained_m2);
            fputc(',', f);
            csv_km2(f, v.lost_m2);
            fputc('\n', f);
        }
    }
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

fc_status fc_write_areas_csv(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                             FILE *out, fc_error *err)
{
    if (!path) {
        write_rows(out, t, zs);
        if (fflush(out) != 0 || ferror(out))
            return fc_error_set(err, FC_ERR_IO, "cannot write to standard output");
        return FC_OK;
    }
    char *tpath = csvt_path(path);
    if (!tpath)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_atomic csv, csvt;
    memset(&csvt, 0, sizeof csvt);
    fc_status st = fc_atomic_begin(path, true, &csv, err);
    if (st == FC_OK)
        st = fc_atomic_begin(tpath, true, &csvt, err);
    if (st == FC_OK) {
        write_rows(csv.f, t, zs);
        fputs(csvt_types, csvt.f);
        /* Sidecar first: a reader that finds the new CSV finds its types. */
        st = fc_atomic_commit(&csvt, err);
    }
    if (st == FC_OK)
        st = fc_atomic_commit(&csv, err);
    fc_atomic_abort(&csvt);
    fc_atomic_abort(&csv);
    free(tpath);
    return st;
}

static fc_status ogr_fail(fc_error *err, const char *path, const char *what)
{
    const char *m = CPLGetLastErrorMsg();
    return fc_error_set(err, FC_ERR_IO, "%s: %s%s%s", path, what, m && *m ? ": " : "",
                        m ? m : "");
}

fc_status fc_write_areas_geojson(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                                 fc_error *err)
{
    if (!t->wkb)
        return fc_error_set(err, FC_ERR_ARG, "areas were computed without geometry");
    fc_gdal_init();
    const bool to_stdout = strcmp(path, "-") == 0;
    fc_atomic a;
    memset(&a, 0, sizeof a);
    fc_status st = to_stdout ? FC_OK : fc_atomic_begin(path, false, &a, err);
    if (st != FC_OK)
        return st;
    const char *target = to_stdout ? "/vsistdout/" : a.tmp;
    GDALDatasetH ds = NULL;
    OGRSpatialReferenceH srs = NULL;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDriverH drv = GDALGetDriverByName("GeoJSON");
    ds = drv ? GDALCreate(drv, target, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!ds) {
        st = ogr_fail(err, path, "cannot create GeoJSON");
        goto cleanup;
    }
    srs = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(srs, "WGS84");
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    /* RFC7946=YES: WGS84 lon/lat, counter-clockwise shells, no "crs" member. */
    const char *lopts[] = {"RFC7946=YES", "WRITE_NAME=NO", NULL};
    OGRLayerH layer = GDALDatasetCreateLayer(ds, "areas", srs, wkbMultiPolygon, (char **)lopts);
    if (!layer) {
        st = ogr_fail(err, path, "cannot create layer");
        goto cleanup;
    }
    static const struct {
        const char *name;
        OGRFieldType type;
    } fields[] = {{"date", OFTDate},          {"zone_id", OFTString},
                  {"zone_name", OFTString},   {"controlled_km2", OFTReal},
                  {"zone_km2", OFTReal},      {"controlled_pct", OFTReal},
                  {"gained_km2", OFTReal},    {"lost_km2", OFTReal}};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        OGRFieldDefnH fd = OGR_Fld_Create(fields[k].name, fields[k].type);
        OGR_L_CreateField(layer, fd, 1);
        OGR_Fld_Destroy(fd);
    }
    const double total = zones_total_m2(zs);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    for (size_t d = 0; d < t->ndates && st == FC_OK; d++) {
        int y, m, dd;
        fc_date_to_ymd(t->dates[d], &y, &m, &dd);
        for (size_t z = 0; z <= zs->n && st == FC_OK; z++) {
            row_view v = view(t, zs, d, z, total);
            OGRFeatureH f = OGR_F_Create(defn);
            OGR_F_SetFieldDateTime(f, 0, y, m, dd, 0, 0, 0, 0);
            OGR_F_SetFieldString(f, 1, v.zone_id);
            OGR_F_SetFieldString(f, 2, v.zone_name);
            OGR_F_SetFieldDouble(f, 3, round(v.controlled_m2 / 1e3) / 1e3);
            OGR_F_SetFieldDouble(f, 4, round(v.zone_m2 / 1e3) / 1e3);
            OGR_F_SetFieldDouble(f, 5, round(v.pct * 1e4) / 1e4);
            if (!isnan(v.gained_m2)) {
                OGR_F_SetFieldDouble(f, 6, round(v.gained_m2 / 1e3) / 1e3);
                OGR_F_SetFieldDouble(f, 7, round(v.lost_m2 / 1e3) / 1e3);
            }
            size_t i = d * (zs->n + 1) + z;
            if (t->wkb[i]) {
                OGRGeometryH g = NULL;
                if (OGR_G_CreateFromWkbEx(t->wkb[i], NULL, &g, t->wkb_size[i]) == OGRERR_NONE) {
                    g = OGR_G_ForceToMultiPolygon(g);
                    OGR_F_SetGeometryDirectly(f, g);
                }
            }
            if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE)
                st = ogr_fail(err, path, "cannot write feature");
            OGR_F_Destroy(f);
        }
    }
cleanup:
    if (ds) {
        CPLErrorReset();
        GDALClose(ds);
        if (CPLGetLastErrorType() >= CE_Failure && st == FC_OK)
            st = ogr_fail(err, path, "cannot finish GeoJSON");
    }
    if (srs)
        OSRRelease(srs);
    CPLPopErrorHandler();
    if (!to_stdout) {
        if (st == FC_OK)
            st = fc_atomic_commit(&a, err);
        fc_atomic_abort(&a);
    }
    return st;
}
