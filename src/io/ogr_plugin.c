/*
 * libfrontcast_ogr.so: the GDAL/OGR plug-in (see ogr_module.h for why it is
 * one). Reads any OGR vector source into plain data and writes layers
 * through any OGR driver.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/util.h"
#include "io/ogr_module.h"

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void gdal_register(void)
{
    GDALAllRegister();
}

/* GDAL's last error as text (thread-local in GDAL), or a fallback. */
static const char *gdal_message(const char *fallback)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : fallback;
}

static void layer_free(fc_ogr_layer *l)
{
    for (size_t i = 0; i < l->n; i++) {
        fc_ogr_feature *f = &l->features[i];
        free(f->wkb);
        free(f->skip_reason);
        for (int k = 0; f->values && k < l->nfields; k++)
            free(f->values[k]);
        free(f->values);
    }
    for (int k = 0; k < l->nfields; k++)
        free(l->fields[k]);
    free(l->fields);
    free(l->features);
    free(l->crs);
    memset(l, 0, sizeof *l);
}

/* The user's options (set_options), owned here. */
static char **user_oo, **user_lco, **user_dsco;
static OGRSpatialReferenceH user_srs; /* NULL: WGS84 */

static fc_status set_options(const char *const *oo, const char *const *lco,
                             const char *const *dsco, const char *t_srs, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    CSLDestroy(user_oo);
    CSLDestroy(user_lco);
    CSLDestroy(user_dsco);
    if (user_srs)
        OSRRelease(user_srs);
    user_srs = NULL;
    user_oo = CSLDuplicate((CSLConstList)oo);
    user_lco = CSLDuplicate((CSLConstList)lco);
    user_dsco = CSLDuplicate((CSLConstList)dsco);
    if ((oo && *oo && !user_oo) || (lco && *lco && !user_lco) || (dsco && *dsco && !user_dsco))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (t_srs) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        user_srs = OSRNewSpatialReference(NULL);
        if (user_srs && OSRSetFromUserInput(user_srs, t_srs) != OGRERR_NONE) {
            OSRRelease(user_srs);
            user_srs = NULL;
        }
        CPLPopErrorHandler();
        if (!user_srs)
            return fc_error_set(err, FC_ERR_CRS, "not a CRS GDAL knows: '%s'", t_srs);
        OSRSetAxisMappingStrategy(user_srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    return FC_OK;
}

/* first's entries, then those of second whose names first does not set:
 * GDAL takes the first value of a name. Newly allocated (CSLDestroy). */
static char **merge_options(char **first, const char *const *second)
{
    char **out = CSLDuplicate(first);
    for (const char *const *o = second; o && *o; o++) {
        const char *eq = strchr(*o, '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - *o) : (int)strlen(*o), *o);
        if (!CSLFetchNameValue(first, name))
            out = CSLAddString(out, *o);
    }
    return out;
}

/* Open options for a layer of points: a CSV's coordinate columns (other
 * drivers pass over options they do not know). */
static const char *const point_open_options[] = {
    "X_POSSIBLE_NAMES=lon,longitude,lng,x", "Y_POSSIBLE_NAMES=lat,latitude,y",
    "KEEP_GEOM_COLUMNS=NO", NULL};

static GDALDatasetH open_vector_with(const char *path, const char *const *options, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    CPLErrorReset();
    char **oo = merge_options(user_oo, options);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                                 (const char *const *)oo, NULL);
    CSLDestroy(oo);
    /* A missing file inside a /vsizip/ (say) is GDAL's "not recognised":
     * say what it is. (Opened, not stat'ed: VSIStatBufL wants stat64.) */
    VSILFILE *probe = !ds && strncmp(path, "/vsi", 4) == 0 ? VSIFOpenL(path, "rb") : NULL;
    if (probe)
        VSIFCloseL(probe);
    if (!ds && strncmp(path, "/vsi", 4) == 0 && !probe)
        fc_error_set(err, FC_ERR_IO, "%s: no such file", path);
    else if (!ds)
        fc_error_set(err, FC_ERR_FORMAT, "%s: cannot open as a vector layer: %s", path,
                     gdal_message("unrecognised format"));
    return ds;
}

static GDALDatasetH open_vector(const char *path, fc_error *err)
{
    return open_vector_with(path, NULL, err);
}

static fc_status list_dir(const char *path, bool *is_dir, char ***names, int *n, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    *is_dir = false;
    *names = NULL;
    *n = 0;
    /* A folder lists something (VSIStatBufL would want stat64); a file, a
     * missing path or an empty folder nothing, and OGR says which. */
    char **list = VSIReadDir(path);
    if (!list)
        return FC_OK;
    *is_dir = true;
    const int count = CSLCount(list);
    char **out = calloc((size_t)count + 1, sizeof *out);
    if (!out) {
        CSLDestroy(list);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < count; i++)
        if (!(out[i] = fc_strdup(list[i]))) {
            for (int k = 0; k < i; k++)
                free(out[k]);
            free(out);
            CSLDestroy(list);
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        }
    CSLDestroy(list);
    *names = out;
    *n = count;
    return FC_OK;
}

static fc_status read_bytes(const char *path, unsigned char **data, size_t *len, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    *data = NULL;
    *len = 0;
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f)
        return fc_error_set(err, FC_ERR_IO, "%s: no such file", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    fc_status st = buf ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    while (st == FC_OK) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = VSIFReadL(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    VSIFCloseL(f);
    if (st != FC_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return FC_OK;
}

static fc_status layer_names(const char *path, char ***names, int *n, fc_error *err)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = open_vector(path, err);
    CPLPopErrorHandler();
    if (!ds)
        return err ? err->code : FC_ERR_FORMAT;
    int count = GDALDatasetGetLayerCount(ds);
    char **out = calloc(count > 0 ? (size_t)count : 1, sizeof *out);
    if (!out) {
        GDALClose(ds);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < count; i++)
        out[i] = fc_strdup(OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    GDALClose(ds);
    *names = out;
    *n = count;
    return FC_OK;
}

/* The layer's CRS as WKT2, newly allocated; NULL if it has none. */
static char *layer_crs(OGRLayerH layer)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    if (!srs)
        return NULL;
    char *wkt = NULL;
    const char *opts[] = {"FORMAT=WKT2_2019", NULL};
    if (OSRExportToWktEx(srs, &wkt, opts) != OGRERR_NONE) {
        CPLFree(wkt);
        return NULL;
    }
    char *out = fc_strdup(wkt);
    CPLFree(wkt);
    return out;
}

/* g as ISO WKB into f; a reason in f->skip_reason when it cannot be. */
static void export_wkb(OGRGeometryH g, fc_ogr_feature *f)
{
    int size = OGR_G_WkbSize(g);
    f->wkb = malloc((size_t)size);
    if (f->wkb && OGR_G_ExportToIsoWkb(g, wkbNDR, f->wkb) == OGRERR_NONE) {
        f->wkb_size = (size_t)size;
    } else {
        free(f->wkb);
        f->wkb = NULL;
        f->skip_reason = fc_strdup("has a geometry OGR cannot export");
    }
}

/* Exports a Point as ISO WKB; sets f->skip_reason for anything else. */
static void export_point(OGRGeometryH g, fc_ogr_feature *f)
{
    char buf[160];
    if (!g || OGR_G_IsEmpty(g)) {
        f->skip_reason = fc_strdup("has no geometry");
        return;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPoint) {
        export_wkb(g, f);
        return;
    }
    snprintf(buf, sizeof buf, "is a %s, not a point", OGRGeometryTypeToName(t));
    f->skip_reason = fc_strdup(buf);
}

/* Exports a polygonal geometry as ISO WKB (curves linearised); sets
 * f->skip_reason for anything else. */
static void export_geometry(OGRGeometryH g, fc_ogr_feature *f)
{
    char buf[160];
    if (!g || OGR_G_IsEmpty(g)) {
        f->skip_reason = fc_strdup("has no geometry");
        return;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    OGRGeometryH lin = NULL;
    if (t != wkbPolygon && t != wkbMultiPolygon && t != wkbGeometryCollection &&
        (OGR_GT_IsSurface(t) || t == wkbMultiSurface)) {
        lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        g = lin;
        t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
    }
    if (g && (t == wkbPolygon || t == wkbMultiPolygon || t == wkbGeometryCollection)) {
        export_wkb(g, f);
    } else {
        snprintf(buf, sizeof buf, "is a %s, not a polygon", OGRGeometryTypeToName(t));
        f->skip_reason = fc_strdup(buf);
    }
    if (lin)
        OGR_G_DestroyGeometry(lin);
}

static fc_status read_layer(const char *path, const char *layer_name, bool with_attributes,
                            bool points, fc_ogr_layer *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    fc_status st = FC_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = open_vector_with(path, points ? point_open_options : NULL, err);
    if (!ds) {
        CPLPopErrorHandler();
        return err ? err->code : FC_ERR_FORMAT;
    }
    OGRLayerH layer = layer_name ? GDALDatasetGetLayerByName(ds, layer_name)
                                 : GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        st = layer_name ? fc_error_set(err, FC_ERR_FORMAT, "%s: no layer named '%s'", path, layer_name)
                        : fc_error_set(err, FC_ERR_EMPTY, "%s: has no vector layer", path);
        goto cleanup;
    }
    out->crs = layer_crs(layer);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    if (with_attributes) {
        out->nfields = OGR_FD_GetFieldCount(defn);
        out->fields = calloc((size_t)out->nfields + 1, sizeof *out->fields);
        if (!out->fields)
            goto nomem;
        for (int k = 0; k < out->nfields; k++)
            out->fields[k] = fc_strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)));
    }
    size_t cap = 0;
    long index = 0;
    OGR_L_ResetReading(layer);
    CPLErrorReset();
    OGRFeatureH feat;
    while ((feat = OGR_L_GetNextFeature(layer)) != NULL) {
        if (out->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            fc_ogr_feature *nf = realloc(out->features, nc * sizeof *nf);
            if (!nf) {
                OGR_F_Destroy(feat);
                goto nomem;
            }
            out->features = nf;
            cap = nc;
        }
        fc_ogr_feature *f = &out->features[out->n++];
        memset(f, 0, sizeof *f);
        GIntBig fid = OGR_F_GetFID(feat);
        f->fid = fid == OGRNullFID ? index : (long)fid;
        (points ? export_point : export_geometry)(OGR_F_GetGeometryRef(feat), f);
        if (with_attributes && out->nfields > 0) {
            f->values = calloc((size_t)out->nfields, sizeof *f->values);
            if (!f->values) {
                OGR_F_Destroy(feat);
                goto nomem;
            }
            for (int k = 0; k < out->nfields; k++)
                if (OGR_F_IsFieldSetAndNotNull(feat, k))
                    f->values[k] = fc_strdup(OGR_F_GetFieldAsString(feat, k));
        }
        OGR_F_Destroy(feat);
        index++;
    }
    if (CPLGetLastErrorType() >= CE_Failure)
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: read failed: %s", path,
                          gdal_message("corrupt data"));
    goto cleanup;
nomem:
    st = fc_error_set(err, FC_ERR_NOMEM, "out of memory reading %s", path);
cleanup:
    GDALClose(ds);
    CPLPopErrorHandler();
    if (st != FC_OK)
        layer_free(out);
    return st;
}

static fc_status write_fail(fc_error *err, const char *path, const char *what)
{
    /* Errors are one line: libpq's messages have several. */
    char m[512];
    snprintf(m, sizeof m, "%s", CPLGetLastErrorMsg());
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        m[--n] = '\0';
    for (char *p = m; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    return fc_error_set(err, FC_ERR_IO, "%s: %s%s%s", path, what, *m ? ": " : "", m);
}

/* Ends a write begun with CPLPushErrorHandler: closes ds (where drivers
 * flush, so an error there fails the write), releases srs. Returns st, or
 * the close's error. */
static fc_status finish_write(GDALDatasetH ds, OGRSpatialReferenceH srs, const char *path,
                              fc_status st, fc_error *err)
{
    if (ds) {
        CPLErrorReset();
        GDALClose(ds);
        if (CPLGetLastErrorType() >= CE_Failure && st == FC_OK)
            st = write_fail(err, path, "cannot finish");
    }
    if (srs)
        OSRRelease(srs);
    CPLPopErrorHandler();
    return st;
}

/* The layer named l->name in ds made ready for l's rows: created, or, in
 * an existing database, emptied of the rows to replace (all of them unless
 * replace_where says which) and given any missing field. Emptied rather
 * than dropped: views, grants and indexes others made on a table survive
 * (OGR's PostgreSQL driver drops with CASCADE). map[k]: the layer's index
 * of field k. */
static fc_status prepare_layer(GDALDatasetH ds, const char *path, OGRSpatialReferenceH srs,
                               const fc_vector_layer *l, bool existing, OGRLayerH *out, int *map,
                               fc_error *err)
{
    static const OGRwkbGeometryType gtypes[] = {wkbMultiPolygon, wkbMultiLineString, wkbPoint,
                                                wkbNone};
    static const OGRFieldType types[] = {OFTString, OFTReal, OFTInteger64, OFTDate, OFTInteger,
                                         OFTDateTime};
    OGRLayerH layer = existing ? GDALDatasetGetLayerByName(ds, l->name) : NULL;
    /* Rows in one CRS written into a table of another would sit in the
     * wrong place under the table's CRS: refused, nothing written. */
    OGRSpatialReferenceH have = layer && l->geometry != FC_GEOM_NONE ? OGR_L_GetSpatialRef(layer) : NULL;
    if (have && srs && !OSRIsSame(have, srs)) {
        const char *a = OSRGetAuthorityName(have, NULL), *ac = OSRGetAuthorityCode(have, NULL);
        const char *b = OSRGetAuthorityName(srs, NULL), *bc = OSRGetAuthorityCode(srs, NULL);
        return fc_error_set(err, FC_ERR_CRS,
                            "%s: table %s is in %s:%s, not the %s:%s asked for: write elsewhere or "
                            "drop the table", path, l->name, a ? a : "?", ac ? ac : OSRGetName(have),
                            b ? b : "?", bc ? bc : OSRGetName(srs));
    }
    if (layer) {
        char sql[1024];
        int n = snprintf(sql, sizeof sql, "DELETE FROM \"%s\"%s%s", l->name,
                         l->replace_where ? " WHERE " : "", l->replace_where ? l->replace_where : "");
        if (n < 0 || (size_t)n >= sizeof sql)
            return fc_error_set(err, FC_ERR_ARG, "%s: condition too long", path);
        CPLErrorReset();
        OGRLayerH result = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
        if (result)
            GDALDatasetReleaseResultSet(ds, result);
        if (CPLGetLastErrorType() >= CE_Failure)
            return write_fail(err, path, "cannot empty a table to replace its rows");
        /* A GeoPackage's ids count on from the largest ever given
         * (AUTOINCREMENT): set back to the largest kept, the rows written
         * again get the ids a new file gives them. */
        const char *fid = OGR_L_GetFIDColumn(layer);
        if (strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "GPKG") == 0 && fid && *fid) {
            n = snprintf(sql, sizeof sql,
                         "UPDATE sqlite_sequence SET seq = (SELECT IFNULL(MAX(\"%s\"), 0) FROM \"%s\") "
                         "WHERE name = '%s'", fid, l->name, l->name);
            if (n < 0 || (size_t)n >= sizeof sql)
                return fc_error_set(err, FC_ERR_ARG, "%s: table name too long", path);
            result = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
            if (result)
                GDALDatasetReleaseResultSet(ds, result);
            if (CPLGetLastErrorType() >= CE_Failure)
                return write_fail(err, path, "cannot renumber a table's rows");
        }
    } else {
        CPLErrorReset(); /* a table that is not there is no error */
        char **lco = merge_options(user_lco, l->lco);
        layer = GDALDatasetCreateLayer(ds, l->name, l->geometry == FC_GEOM_NONE ? NULL : srs,
                                       gtypes[l->geometry], lco);
        CSLDestroy(lco);
        if (!layer)
            return write_fail(err, path, "cannot create layer");
    }
    for (int k = 0; k < l->nfields; k++) {
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
        map[k] = OGR_FD_GetFieldIndex(defn, l->fields[k].name); /* case-insensitive */
        if (map[k] >= 0)
            continue;
        OGRFieldDefnH fd = OGR_Fld_Create(l->fields[k].name, types[l->fields[k].type]);
        if (l->fields[k].type == FC_FIELD_BOOLEAN)
            OGR_Fld_SetSubType(fd, OFSTBoolean);
        OGRErr e = OGR_L_CreateField(layer, fd, 1);
        OGR_Fld_Destroy(fd);
        /* Drivers may launder the name (PostgreSQL lowercases it). */
        map[k] = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(layer)) - 1;
        if (e != OGRERR_NONE)
            return write_fail(err, path, "cannot create field");
    }
    *out = layer;
    return FC_OK;
}

/* Adds l's rows to ds; *expect: the features the layer should then hold. */
static fc_status add_layer(GDALDatasetH ds, const char *path, OGRSpatialReferenceH srs,
                           OGRCoordinateTransformationH ct, const fc_vector_layer *l,
                           bool existing, GIntBig *expect, fc_error *err)
{
    OGRLayerH layer = NULL;
    int *map = calloc((size_t)l->nfields + 1, sizeof *map);
    if (!map)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    fc_status st = prepare_layer(ds, path, srs, l, existing, &layer, map, err);
    if (st != FC_OK) {
        free(map);
        return st;
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    *expect = (existing ? OGR_L_GetFeatureCount(layer, TRUE) : 0) + (GIntBig)l->nrows;
    for (size_t r = 0; r < l->nrows && st == FC_OK; r++) {
        OGRFeatureH f = OGR_F_Create(defn);
        for (int k = 0; k < l->nfields; k++) {
            const fc_value *v = &l->values[r * (size_t)l->nfields + (size_t)k];
            if (v->null)
                continue;
            int y, m, d;
            switch (l->fields[k].type) {
            case FC_FIELD_STRING: OGR_F_SetFieldString(f, map[k], v->text); break;
            case FC_FIELD_REAL: OGR_F_SetFieldDouble(f, map[k], v->real); break;
            case FC_FIELD_INTEGER: OGR_F_SetFieldInteger64(f, map[k], (GIntBig)v->real); break;
            case FC_FIELD_BOOLEAN: OGR_F_SetFieldInteger(f, map[k], v->real != 0); break;
            case FC_FIELD_DATE:
                fc_date_to_ymd(v->date, &y, &m, &d);
                OGR_F_SetFieldDateTime(f, map[k], y, m, d, 0, 0, 0, 0);
                break;
            case FC_FIELD_DATETIME: {
                double secs = floor(v->real);
                fc_date_to_ymd((fc_day)floor(secs / 86400), &y, &m, &d);
                long s = (long)(secs - 86400 * floor(secs / 86400));
                OGR_F_SetFieldDateTimeEx(f, map[k], y, m, d, (int)(s / 3600), (int)(s / 60 % 60),
                                         (float)(s % 60), 100 /* UTC */);
                break;
            }
            }
        }
        if (l->wkb && l->wkb[r]) {
            OGRGeometryH g = NULL;
            if (OGR_G_CreateFromWkbEx(l->wkb[r], NULL, &g, l->wkb_size[r]) == OGRERR_NONE &&
                ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
                OGR_G_DestroyGeometry(g);
                OGR_F_Destroy(f);
                st = write_fail(err, path, "cannot transform a geometry to the output CRS");
                break;
            }
            if (g)
                OGR_F_SetGeometryDirectly(f, l->geometry == FC_GEOM_POLYGONS ? OGR_G_ForceToMultiPolygon(g)
                                             : l->geometry == FC_GEOM_LINES  ? OGR_G_ForceToMultiLineString(g)
                                                                             : g);
        }
        if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE)
            st = write_fail(err, path, "cannot write feature");
        OGR_F_Destroy(f);
    }
    free(map);
    return st;
}

/*
 * Whether a new file holds what was written: every layer there with its
 * feature count. GDAL's GeoJSON writer ignores failed writes, so on a full
 * disk it closes a truncated file without an error; reading it back is the
 * one check that does not trust the writer.
 */
static fc_status read_back(const char *path, const char *driver, const fc_vector_layer *layers,
                           size_t nlayers, fc_error *err)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const char *drivers[] = {driver, NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    fc_status st = ds ? FC_OK : write_fail(err, path, "written but unreadable (disk full?)");
    for (size_t i = 0; i < nlayers && st == FC_OK; i++) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, layers[i].name);
        if (!l && nlayers == 1 && GDALDatasetGetLayerCount(ds) == 1)
            l = GDALDatasetGetLayer(ds, 0); /* GeoJSON names its layer after the file */
        GIntBig n = l ? OGR_L_GetFeatureCount(l, TRUE) : -1;
        if (n != (GIntBig)layers[i].nrows)
            st = fc_error_set(err, FC_ERR_IO,
                              "%s: layer %s written with %zu features, %lld read back (disk full?)",
                              path, layers[i].name, layers[i].nrows, (long long)n);
    }
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    return st;
}

static fc_status write_dataset(const char *path, const char *driver, bool existing,
                               const fc_vector_layer *layers, size_t nlayers, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    fc_status st = FC_OK;
    GDALDatasetH ds = NULL;
    OGRSpatialReferenceH srs = NULL;
    bool transaction = false;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    if (existing) {
        const char *drivers[] = {driver, NULL};
        /* PostgreSQL lists only tables with geometry unless told. */
        const char *open_options[] = {"LIST_ALL_TABLES=YES", NULL};
        ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers,
                        strcmp(driver, "PostgreSQL") == 0 ? open_options : NULL, NULL);
        if (!ds) {
            st = write_fail(err, path, "cannot open for writing");
            goto cleanup;
        }
    } else {
        GDALDriverH drv = GDALGetDriverByName(driver);
        ds = drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, user_dsco) : NULL;
        if (!ds) {
            st = write_fail(err, path, drv ? "cannot create" : "no such OGR driver");
            goto cleanup;
        }
    }
    /* One transaction: GeoPackage and PostGIS write a row at a time
     * otherwise, and a database reader must not see half the tables. */
    transaction = GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE;
    CPLErrorReset(); /* drivers without transactions write directly */
    srs = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(srs, "WGS84");
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    /* The geometry comes in lon/lat; --t_srs writes it in another CRS. */
    OGRCoordinateTransformationH ct = user_srs ? OCTNewCoordinateTransformation(srs, user_srs) : NULL;
    if (user_srs && !ct)
        st = write_fail(err, path, "no transformation to the output CRS");
    GIntBig *expect = calloc(nlayers + 1, sizeof *expect);
    if (!expect && st == FC_OK)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nlayers && st == FC_OK; i++)
        st = add_layer(ds, path, user_srs ? user_srs : srs, ct, &layers[i], existing, &expect[i],
                       err);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (transaction && st == FC_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = write_fail(err, path, "cannot commit");
    else if (transaction && st != FC_OK)
        GDALDatasetRollbackTransaction(ds);
    /* An updated dataset holds the rows it kept and the new ones: the
     * counts say that no write went missing (a new file is read back
     * after it is closed, below). */
    for (size_t i = 0; existing && i < nlayers && st == FC_OK; i++) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, layers[i].name);
        GIntBig n = l ? OGR_L_GetFeatureCount(l, TRUE) : -1;
        if (n != expect[i])
            st = fc_error_set(err, FC_ERR_IO, "%s: layer %s holds %lld features, %lld expected",
                              path, layers[i].name, (long long)n, (long long)expect[i]);
    }
    free(expect);
cleanup:
    st = finish_write(ds, srs, path, st, err);
    if (st == FC_OK && !existing && strncmp(path, "/vsistdout/", 11) != 0)
        st = read_back(path, driver, layers, nlayers, err);
    return st;
}

static OGRSpatialReferenceH raster_srs(const fc_ogr_raster *r)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (srs && OSRSetFromUserInput(srs, r->crs) != OGRERR_NONE) {
        OSRRelease(srs);
        return NULL;
    }
    return srs;
}

static fc_status write_raster(const char *path, const fc_ogr_raster *r, const float *values,
                              double nodata, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    fc_status st = FC_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    const char *opts[] = {"COMPRESS=DEFLATE", "TILED=YES", "PREDICTOR=3", NULL};
    GDALDatasetH ds = drv ? GDALCreate(drv, path, r->nx, r->ny, 1, GDT_Float32, (char **)opts) : NULL;
    OGRSpatialReferenceH srs = raster_srs(r);
    if (!ds || !srs) {
        st = write_fail(err, path, ds ? "cannot set the CRS" : "cannot create GeoTIFF");
        goto cleanup;
    }
    GDALSetGeoTransform(ds, (double *)r->geotransform);
    GDALSetSpatialRef(ds, srs);
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    GDALSetRasterNoDataValue(band, nodata);
    if (r->band_description)
        GDALSetDescription(band, r->band_description);
    if (r->metadata)
        GDALSetMetadata(ds, (char **)r->metadata, NULL);
    if (GDALRasterIO(band, GF_Write, 0, 0, r->nx, r->ny, (void *)values, r->nx, r->ny,
                     GDT_Float32, 0, 0) != CE_None)
        st = write_fail(err, path, "cannot write raster");
cleanup:
    return finish_write(ds, srs, path, st, err);
}

static fc_status polygonize(const fc_ogr_raster *r, const int32_t *values, unsigned char ***wkb,
                            size_t **wkb_size, int32_t **value, size_t *n, fc_error *err)
{
    pthread_once(&gdal_once, gdal_register);
    *wkb = NULL;
    *wkb_size = NULL;
    *value = NULL;
    *n = 0;
    fc_status st = FC_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    /* The band is the caller's array itself (DATAPOINTER), not a copy of it
     * in memory GDAL allocates and zeroes first. Polygonize only reads it. */
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", r->nx, r->ny, 0, GDT_Int32, NULL);
    char ptr[64], opt[80];
    ptr[CPLPrintPointer(ptr, (void *)values, sizeof ptr - 1)] = '\0'; /* it does not end it */
    snprintf(opt, sizeof opt, "DATAPOINTER=%s", ptr);
    char *band_opts[] = {opt, NULL};
    if (mem && GDALAddBand(mem, GDT_Int32, band_opts) != CE_None) {
        GDALClose(mem);
        mem = NULL;
    }
    GDALDatasetH vec = GDALCreate(GDALGetDriverByName("Memory"), "", 0, 0, 0, GDT_Unknown, NULL);
    OGRLayerH layer = vec ? GDALDatasetCreateLayer(vec, "cells", NULL, wkbPolygon, NULL) : NULL;
    size_t cap = 0;
    if (!mem || !layer) {
        st = fc_error_set(err, FC_ERR_NOMEM, "cannot make in-memory rasters: %s",
                          gdal_message("GDAL failed"));
        goto cleanup;
    }
    OGRFieldDefnH fd = OGR_Fld_Create("v", OFTInteger);
    OGR_L_CreateField(layer, fd, 1);
    OGR_Fld_Destroy(fd);
    GDALSetGeoTransform(mem, (double *)r->geotransform);
    GDALRasterBandH band = GDALGetRasterBand(mem, 1);
    if (GDALPolygonize(band, band, layer, 0, NULL, NULL, NULL) != CE_None) {
        st = fc_error_set(err, FC_ERR_GEOM, "polygonize failed: %s", gdal_message("GDAL failed"));
        goto cleanup;
    }
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && OGR_F_GetFieldAsInteger(f, 0) != 0) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                unsigned char **nw = realloc(*wkb, cap * sizeof *nw);
                size_t *ns = nw ? realloc(*wkb_size, cap * sizeof *ns) : NULL;
                int32_t *nv = ns ? realloc(*value, cap * sizeof *nv) : NULL;
                if (nw)
                    *wkb = nw;
                if (ns)
                    *wkb_size = ns;
                if (!nv) {
                    OGR_F_Destroy(f);
                    st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                    goto cleanup;
                }
                *value = nv;
            }
            size_t size = (size_t)OGR_G_WkbSize(g);
            unsigned char *buf = malloc(size);
            if (buf && OGR_G_ExportToWkb(g, wkbNDR, buf) == OGRERR_NONE) {
                (*wkb)[*n] = buf;
                (*wkb_size)[*n] = size;
                (*value)[*n] = OGR_F_GetFieldAsInteger(f, 0);
                (*n)++;
            } else {
                free(buf);
            }
        }
        OGR_F_Destroy(f);
    }
cleanup:
    if (vec)
        GDALClose(vec);
    if (mem)
        GDALClose(mem);
    CPLPopErrorHandler();
    return st;
}

static const char *gdal_version(void)
{
    return GDALVersionInfo("RELEASE_NAME");
}

/* The one symbol the loader looks up. */
__attribute__((visibility("default"))) const fc_ogr_api fc_ogr_api_v7 = {
    .version = FC_OGR_API_VERSION,
    .read = read_layer,
    .layer_free = layer_free,
    .layer_names = layer_names,
    .list_dir = list_dir,
    .read_bytes = read_bytes,
    .write = write_dataset,
    .write_raster = write_raster,
    .polygonize = polygonize,
    .gdal_version = gdal_version,
    .set_options = set_options,
};
