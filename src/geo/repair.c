#include <math.h>
#include <stdio.h>
#include <string.h>

#include "frontcast/overlay.h"
#include "geo/geom.h"
#include "geo/worker.h"

fc_status fc_repair(fc_worker *w, GEOSGeometry **geom, fc_repair_report *rep, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    fc_repair_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);

    char *reason = NULL;
    GEOSGeometry *location = NULL;
    char valid = GEOSisValidDetail_r(h, *geom, 0, &reason, &location);
    if (location)
        GEOSGeom_destroy_r(h, location);
    if (valid == 1) {
        GEOSFree_r(h, reason);
        return FC_OK;
    }
    snprintf(rep->reason, sizeof rep->reason, "%s", reason ? reason : "invalid geometry");
    GEOSFree_r(h, reason);
    GEOSArea_r(h, *geom, &rep->area_before_m2);

    GEOSMakeValidParams *params = GEOSMakeValidParams_create_r(h);
    if (!params)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0);
    GEOSGeometry *fixed = GEOSMakeValidWithParams_r(h, *geom, params);
    GEOSMakeValidParams_destroy_r(h, params);
    if (!fixed)
        return fc_error_set(err, FC_ERR_GEOM, "GEOSMakeValid failed: %s",
                            fc_worker_geos_error(w));
    /* MakeValid may return collapsed lines or points beside the polygons. */
    GEOSGeometry *poly = fc_geom_polygonal(w, fixed);
    GEOSGeom_destroy_r(h, fixed);
    if (!poly)
        return fc_error_set(err, FC_ERR_GEOM, "cannot rebuild repaired polygons: %s",
                            fc_worker_geos_error(w));
    GEOSGeom_destroy_r(h, *geom);
    *geom = poly;
    GEOSArea_r(h, poly, &rep->area_after_m2);
    rep->repaired = true;
    return FC_OK;
}
