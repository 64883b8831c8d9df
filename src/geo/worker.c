#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/worker.h"

/* GEOS reports errors through a handler; keep the text so the caller can
 * put it into the one-line message that names the file. */
static void geos_error_handler(const char *fmt, ...)
{
    (void)fmt;
}

static void geos_error_handler_r(const char *msg, void *user)
{
    fc_worker *w = user;
    snprintf(w->geos_error, sizeof w->geos_error, "%s", msg);
}

fc_worker *fc_worker_create(void)
{
    fc_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->geos = GEOS_init_r();
    w->proj = proj_context_create();
    if (!w->geos || !w->proj) {
        fc_worker_destroy(w);
        return NULL;
    }
    GEOSContext_setErrorHandler_r(w->geos, geos_error_handler);
    GEOSContext_setErrorMessageHandler_r(w->geos, geos_error_handler_r, w);
    GEOSContext_setNoticeHandler_r(w->geos, geos_error_handler);
    proj_log_level(w->proj, PJ_LOG_NONE);
    return w;
}

void fc_worker_destroy(fc_worker *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < sizeof w->cache / sizeof w->cache[0]; i++) {
        if (w->cache[i].pj)
            proj_destroy(w->cache[i].pj);
        free(w->cache[i].src);
        free(w->cache[i].dst);
    }
    free(w->geo_crs);
    fc_edge_memo_destroy(w->edges);
    fc_edge_memo_destroy(w->lengths);
    if (w->proj)
        proj_context_destroy(w->proj);
    if (w->geos)
        GEOS_finish_r(w->geos);
    free(w);
}

GEOSContextHandle_t fc_worker_geos(fc_worker *w)
{
    return w->geos;
}

const char *fc_worker_geos_error(const fc_worker *w)
{
    return w->geos_error;
}
