#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/read.h"

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

bool fc_is_virtual_path(const char *path)
{
    return strncmp(path, "/vsi", 4) == 0;
}

bool fc_is_geojson_path(const char *path)
{
    size_t n = strlen(path);
    return (n > 8 && strcasecmp(path + n - 8, ".geojson") == 0) ||
           (n > 5 && strcasecmp(path + n - 5, ".json") == 0);
}

fc_status fc_read_layer(fc_worker *w, const char *path, const char *layer_name,
                        bool with_attributes, fc_layer *out, fc_error *err)
{
    bool handled = false;
    if (!layer_name && fc_is_geojson_path(path) && !fc_is_virtual_path(path) &&
        !fc_ogr_has_open_options()) {
        fc_status st = fc_geojson_read(w, path, with_attributes, out, &handled, err);
        if (st != FC_OK || handled)
            return st;
    }
    return fc_ogr_read(w, path, layer_name, with_attributes, out, err);
}

/* The extent of every ring's coordinates, holes included: GEOS's envelope
 * is the shells', and an invalid hole far outside its shell (a typo of a
 * longitude) went unchecked into the hemisphere cut, whose densification
 * then asked for gigabytes (found by fuzzing). */
static int ring_extent(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    (void)hole;
    double *b = user;
    for (size_t i = 0; i < n; i++) {
        b[0] = fmin(b[0], xy[2 * i]);
        b[1] = fmin(b[1], xy[2 * i + 1]);
        b[2] = fmax(b[2], xy[2 * i]);
        b[3] = fmax(b[3], xy[2 * i + 1]);
    }
    return 0;
}

static bool extent(fc_worker *w, const GEOSGeometry *g, double b[4])
{
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    if (fc_geom_each_ring(w, g, ring_extent, b) != 0 || !(b[0] <= b[2]))
        return fc_geom_bbox(w, g, b);
    return true;
}

fc_status fc_feature_prepare(fc_worker *w, const char *path, const char *label,
                             const char *src_crs, bool geographic, const char *dst_crs,
                             const GEOSGeometry *in, GEOSGeometry **out, const fc_diag *diag,
                             bool *repaired, fc_error *err)
{
    *repaired = false;
    *out = NULL;
    double b[4]; /* the extent of every ring, walked once for both checks below */
    const bool has_extent = geographic && extent(w, in, b);
    if (has_extent && (b[0] < -180.0001 || b[2] > 360.0001 || b[1] < -90.0001 || b[3] > 90.0001))
        return fc_error_set(err, FC_ERR_CRS,
                            "%s: %s: coordinates (%.6g, %.6g) are not longitude/latitude "
                            "although the layer's CRS is geographic: wrong CRS?",
                            path, label, fabs(b[0]) > 180 ? b[0] : b[2],
                            fabs(b[1]) > 90 ? b[1] : b[3]);
    /* A polygon reaching round the globe (a whole-world mask, a hemisphere)
     * cannot be drawn in the working azimuthal projection: near the centre's
     * antipode it folds, and the whole world came out as nothing. Such
     * geometry is first cut to the hemisphere of longitudes around the
     * centre, its edges densified so that they stay meridians and
     * parallels once projected; what lies near the zones is untouched. */
    double lon0, lat0;
    GEOSGeometry *cut = NULL;
    if (has_extent && fc_equal_area_centre(dst_crs, &lon0, &lat0)) {
        if (b[0] < lon0 - 90 || b[2] > lon0 + 90) {
            GEOSGeometry *c = GEOSClipByRect_r(w->geos, in, lon0 - 90, -90, lon0 + 90, 90);
            cut = c ? GEOSDensify_r(w->geos, c, 1.0) : NULL;
            if (c)
                GEOSGeom_destroy_r(w->geos, c);
            if (!cut)
                return fc_error_set(err, FC_ERR_GEOM, "%s: %s: cannot cut to a hemisphere: %s",
                                    path, label, fc_worker_geos_error(w));
            fc_warn(diag,
                    "%s: %s reaches more than 90 degrees of longitude from the zones' centre "
                    "(%.4g): cut to longitudes %.4g to %.4g (the whole layer's area counts "
                    "only that)",
                    path, label, lon0, lon0 - 90, lon0 + 90);
        }
    }
    GEOSGeometry *g = NULL;
    fc_error sub;
    const fc_status rs = geographic
                             ? fc_reproject_geodesic(w, cut ? cut : in, src_crs, dst_crs, &g, &sub)
                             : fc_reproject(w, cut ? cut : in, src_crs, dst_crs, &g, &sub);
    if (cut)
        GEOSGeom_destroy_r(w->geos, cut);
    if (rs != FC_OK)
        return fc_error_set(err, sub.code, "%s: %s: %s", path, label, sub.msg);
    fc_repair_report rep;
    if (fc_repair(w, &g, &rep, &sub) != FC_OK) {
        GEOSGeom_destroy_r(w->geos, g);
        return fc_error_set(err, sub.code, "%s: %s: %s", path, label, sub.msg);
    }
    *out = g;
    if (rep.repaired) {
        *repaired = true;
        fc_warn(diag,
                "%s: %s: invalid geometry (%s) repaired with GEOSMakeValid; "
                "area %.3f km2 -> %.3f km2 (%+.3f km2)",
                path, label, rep.reason, rep.area_before_m2 / 1e6, rep.area_after_m2 / 1e6,
                (rep.area_after_m2 - rep.area_before_m2) / 1e6);
    }
    return FC_OK;
}

fc_status fc_layer_dissolve(fc_worker *w, const char *path, const fc_layer *layer,
                            const char *dst_crs,
                            const fc_diag *diag, GEOSGeometry **out, int *repaired,
                            double *repair_seconds, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    *out = NULL;
    *repaired = 0;
    if (!layer->crs)
        return fc_error_set(err, FC_ERR_CRS,
                            "%s: has no coordinate reference system (add one, e.g. a .prj file)",
                            path);
    const bool geographic = fc_crs_is_geographic(w, layer->crs);
    const size_t n = layer->n;
    GEOSGeometry **parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    size_t np = 0;
    fc_status st = FC_OK;
    double t0 = fc_now();
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        const fc_feature *f = &layer->features[i];
        if (!f->geom) {
            fc_warn(diag, "%s: feature %ld skipped: %s", path, f->fid, f->skip_reason);
            continue;
        }
        char label[48];
        snprintf(label, sizeof label, "feature %ld", f->fid);
        bool fixed = false;
        st = fc_feature_prepare(w, path, label, layer->crs, geographic, dst_crs, f->geom,
                                &parts[np], diag, &fixed, err);
        *repaired += fixed;
        if (st == FC_OK)
            np++;
    }
    if (st == FC_OK) {
        if (np == 1) {
            *out = parts[0];
            np = 0;
        } else {
            /* Several features of one date may overlap: dissolve them. */
            GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)np);
            if (coll) {
                np = 0;
                GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
                GEOSGeom_destroy_r(h, coll);
                *out = u ? fc_geom_polygonal(w, u) : NULL;
                if (u)
                    GEOSGeom_destroy_r(h, u);
            }
            if (!*out)
                st = fc_error_set(err, FC_ERR_GEOM, "%s: cannot dissolve features: %s", path,
                                  fc_worker_geos_error(w));
        }
    }
    if (repair_seconds)
        *repair_seconds += fc_now() - t0;
    for (size_t i = 0; i < np; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    return st;
}
