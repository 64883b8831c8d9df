#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/read.h"

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void gdal_register(void)
{
    GDALAllRegister();
}

void fc_gdal_init(void)
{
    pthread_once(&gdal_once, gdal_register);
}

void fc_layer_clear(fc_worker *w, fc_layer *layer)
{
    for (size_t i = 0; i < layer->n; i++) {
        fc_feature *f = &layer->features[i];
        if (f->geom)
            GEOSGeom_destroy_r(w->geos, f->geom);
        free(f->skip_reason);
        for (int k = 0; f->values && k < layer->nfields; k++)
            free(f->values[k]);
        free(f->values);
    }
    free(layer->features);
    for (int k = 0; k < layer->nfields; k++)
        free(layer->fields[k]);
    free(layer->fields);
    free(layer->crs);
    memset(layer, 0, sizeof *layer);
}

/* GDAL's last error as text, or a fallback. Thread-local in GDAL. */
static const char *gdal_message(const char *fallback)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : fallback;
}

static GDALDatasetH open_vector(const char *path, fc_error *err)
{
    fc_gdal_init();
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        fc_error_set(err, FC_ERR_FORMAT, "%s: cannot open as a vector layer: %s", path,
                     gdal_message("unrecognised format"));
    return ds;
}

fc_status fc_ogr_layer_names(const char *path, char ***names, int *n, fc_error *err)
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

static const char *type_name(OGRwkbGeometryType t)
{
    return OGRGeometryTypeToName(t);
}

/* Converts an OGR geometry to a GEOS polygonal geometry; sets *reason when
 * the feature has none. */
static GEOSGeometry *to_geos(fc_worker *w, OGRGeometryH g, char **reason)
{
    if (!g || OGR_G_IsEmpty(g)) {
        *reason = fc_strdup("has no geometry");
        return NULL;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    OGRGeometryH lin = NULL;
    if (OGR_GT_IsCurve(t) || OGR_GT_IsSurface(t) || t == wkbMultiSurface ||
        t == wkbMultiCurve || t == wkbCompoundCurve) {
        if (t != wkbPolygon) {
            lin = OGR_G_GetLinearGeometry(g, 0, NULL);
            g = lin;
            t = wkbFlatten(OGR_G_GetGeometryType(g));
        }
    }
    GEOSGeometry *out = NULL;
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbGeometryCollection) {
        int size = OGR_G_WkbSize(g);
        unsigned char *wkb = malloc((size_t)size);
        if (wkb && OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) == OGRERR_NONE) {
            GEOSGeometry *raw = GEOSGeomFromWKB_buf_r(w->geos, wkb, (size_t)size);
            if (raw) {
                out = fc_geom_polygonal(w, raw);
                GEOSGeom_destroy_r(w->geos, raw);
            }
        }
        free(wkb);
        if (out && GEOSisEmpty_r(w->geos, out)) {
            GEOSGeom_destroy_r(w->geos, out);
            out = NULL;
            *reason = fc_strdup("has no polygon");
        } else if (!out) {
            char buf[300];
            snprintf(buf, sizeof buf, "has an unreadable geometry (%s)", fc_worker_geos_error(w));
            *reason = fc_strdup(buf);
        }
    } else {
        char buf[128];
        snprintf(buf, sizeof buf, "is a %s, not a polygon", type_name(t));
        *reason = fc_strdup(buf);
    }
    if (lin)
        OGR_G_DestroyGeometry(lin);
    return out;
}

fc_status fc_ogr_read(fc_worker *w, const char *path, const char *layer_name,
                      bool with_attributes, fc_layer *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    fc_status st = FC_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = open_vector(path, err);
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
    OGR_L_ResetReading(layer);
    CPLErrorReset();
    OGRFeatureH feat;
    long index = 0;
    while ((feat = OGR_L_GetNextFeature(layer)) != NULL) {
        if (out->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            fc_feature *nf = realloc(out->features, nc * sizeof *nf);
            if (!nf) {
                OGR_F_Destroy(feat);
                goto nomem;
            }
            out->features = nf;
            cap = nc;
        }
        fc_feature *f = &out->features[out->n++];
        memset(f, 0, sizeof *f);
        GIntBig fid = OGR_F_GetFID(feat);
        f->fid = fid == OGRNullFID ? index : (long)fid;
        f->geom = to_geos(w, OGR_F_GetGeometryRef(feat), &f->skip_reason);
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
    if (CPLGetLastErrorType() >= CE_Failure) {
        st = fc_error_set(err, FC_ERR_FORMAT, "%s: read failed: %s", path,
                          gdal_message("corrupt data"));
        goto cleanup;
    }
    goto cleanup;
nomem:
    st = fc_error_set(err, FC_ERR_NOMEM, "out of memory reading %s", path);
cleanup:
    GDALClose(ds);
    CPLPopErrorHandler();
    if (st != FC_OK)
        fc_layer_clear(w, out);
    return st;
}
