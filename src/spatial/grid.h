/* Internal raster helpers of the spatial module. */
#ifndef FRONTCAST_SPATIAL_GRID_H
#define FRONTCAST_SPATIAL_GRID_H

#include "frontcast/spatial.h"

/* Calls span(user, j, i0, i1) for each run of cells i0..i1 of row j whose
 * centres lie inside polygon. Returns 0, or -1 when out of memory. */
int fc_grid_spans(fc_worker *w, const fc_grid *g, const GEOSGeometry *polygon,
                  void (*span)(void *user, int j, int i0, int i1), void *user);

/* Calls fn with points every step_m along each part of lines, the first
 * half a step in, so that every part counts by its length. fn returns a
 * status; the first that is not FC_OK stops the walk and is returned. */
typedef fc_status (*fc_sample_fn)(void *user, const GEOSGeometry *point, fc_error *err);
fc_status fc_sample_lines(fc_worker *w, const GEOSGeometry *lines, double step_m, fc_sample_fn fn,
                          void *user, fc_error *err);

/* A binary min-heap of (key, cell) pairs. */
typedef struct fc_heap {
    double *key;
    long *cell;
    size_t n, cap;
} fc_heap;
bool fc_heap_push(fc_heap *h, double key, long cell);
/* Pops the smallest; false when empty. */
bool fc_heap_pop(fc_heap *h, double *key, long *cell);
void fc_heap_free(fc_heap *h);

#endif
