/* Internals of fc_worker shared by the geo and io modules. */
#ifndef FRONTCAST_GEO_WORKER_H
#define FRONTCAST_GEO_WORKER_H

#include <stdbool.h>

#include <proj.h>

#include "frontcast/geodesy.h"

struct fc_worker {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    /* Transformations of the last few (src, dst) pairs asked for: creating
     * one reads proj.db, and a run alternates between a few pairs. */
    struct {
        char *src, *dst;
        PJ *pj;
    } cache[4];
    unsigned cache_next;
    /* Cached answer of fc_crs_is_geographic for the last CRS asked about. */
    char *geo_crs;
    bool geo_crs_geographic;
    char geos_error[512];
    /* Split and projected edges of the last two snapshots (geodesy.c):
     * consecutive snapshots share most of their edges. NULL until used. */
    struct fc_edge_memo *edges;
    /* Segment lengths of the last two lines measured (fc_geodesic_length_m),
     * each kept as a point (length, 0). NULL until used. */
    struct fc_edge_memo *lengths;
};

/* Frees w->edges or w->lengths (geodesy.c). */
void fc_edge_memo_destroy(struct fc_edge_memo *m);

#endif
