/* Raster grids in the working CRS: rasterising polygons by scanlines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/spatial.h"
#include "geo/geom.h"
#include "model/stats.h"
#include "spatial/grid.h"

fc_grid fc_grid_covering(const double bbox[4], double cell_m)
{
    fc_grid g;
    g.cell_m = cell_m;
    g.x0 = floor(bbox[0] / cell_m) * cell_m;
    g.y0 = floor(bbox[1] / cell_m) * cell_m;
    g.nx = (int)ceil((bbox[2] - g.x0) / cell_m);
    g.ny = (int)ceil((bbox[3] - g.y0) / cell_m);
    if (g.nx < 1)
        g.nx = 1;
    if (g.ny < 1)
        g.ny = 1;
    return g;
}

long fc_grid_cell(const fc_grid *g, double x, double y)
{
    double fi = floor((x - g->x0) / g->cell_m), fj = floor((y - g->y0) / g->cell_m);
    if (!(fi >= 0 && fj >= 0 && fi < g->nx && fj < g->ny))
        return -1;
    return (long)fj * g->nx + (long)fi;
}

/* Crossings of the rows' centre lines with the polygon's edges, per row. */
typedef struct crossings {
    const fc_grid *g;
    double **x;    /* x[j]: crossings of row j */
    size_t *n, *cap;
    bool failed;
} crossings;

static int add_ring(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    (void)hole;
    crossings *c = user;
    const fc_grid *g = c->g;
    for (size_t k = 0; k + 1 < n; k++) {
        double x1 = xy[2 * k], y1 = xy[2 * k + 1], x2 = xy[2 * k + 2], y2 = xy[2 * k + 3];
        if (y1 == y2)
            continue;
        double lo = fmin(y1, y2), hi = fmax(y1, y2);
        /* Rows whose centre yc satisfies lo <= yc < hi: half-open, so a
         * vertex shared by two edges is counted once. */
        int j0 = (int)ceil((lo - g->y0) / g->cell_m - 0.5);
        int j1 = (int)ceil((hi - g->y0) / g->cell_m - 0.5) - 1;
        if (j0 < 0)
            j0 = 0;
        if (j1 >= g->ny)
            j1 = g->ny - 1;
        for (int j = j0; j <= j1; j++) {
            double yc = g->y0 + (j + 0.5) * g->cell_m;
            if (yc < lo || yc >= hi)
                continue;
            double x = x1 + (yc - y1) * (x2 - x1) / (y2 - y1);
            if (c->n[j] == c->cap[j]) {
                size_t nc = c->cap[j] ? 2 * c->cap[j] : 4;
                double *nx = realloc(c->x[j], nc * sizeof *nx);
                if (!nx) {
                    c->failed = true;
                    return -1;
                }
                c->x[j] = nx;
                c->cap[j] = nc;
            }
            c->x[j][c->n[j]++] = x;
        }
    }
    return 0;
}

int fc_grid_spans(fc_worker *w, const fc_grid *g, const GEOSGeometry *polygon,
                  void (*span)(void *user, int j, int i0, int i1), void *user)
{
    crossings c = {g, NULL, NULL, NULL, false};
    c.x = calloc((size_t)g->ny, sizeof *c.x);
    c.n = calloc((size_t)g->ny, sizeof *c.n);
    c.cap = calloc((size_t)g->ny, sizeof *c.cap);
    int rc = -1;
    if (c.x && c.n && c.cap && fc_geom_each_ring(w, polygon, add_ring, &c) == 0 && !c.failed) {
        rc = 0;
        for (int j = 0; j < g->ny; j++) {
            fc_sort(c.x[j], c.n[j]);
            /* Even-odd: cells whose centre lies between crossings 2k and 2k+1. */
            for (size_t k = 0; k + 1 < c.n[j]; k += 2) {
                int i0 = (int)ceil((c.x[j][k] - g->x0) / g->cell_m - 0.5);
                int i1 = (int)ceil((c.x[j][k + 1] - g->x0) / g->cell_m - 0.5) - 1;
                if (i0 < 0)
                    i0 = 0;
                if (i1 >= g->nx)
                    i1 = g->nx - 1;
                if (i0 <= i1)
                    span(user, j, i0, i1);
            }
        }
    }
    for (int j = 0; c.x && j < g->ny; j++)
        free(c.x[j]);
    free(c.x);
    free(c.n);
    free(c.cap);
    return rc;
}

typedef struct {
    const fc_grid *g;
    uint8_t *mask;
    uint8_t value;
} fill_ctx;

static void fill_span(void *user, int j, int i0, int i1)
{
    fill_ctx *f = user;
    memset(f->mask + (size_t)j * (size_t)f->g->nx + (size_t)i0, f->value, (size_t)(i1 - i0 + 1));
}

void fc_grid_fill(fc_worker *w, const fc_grid *g, const GEOSGeometry *polygon, uint8_t *mask,
                  uint8_t value)
{
    fill_ctx f = {g, mask, value};
    fc_grid_spans(w, g, polygon, fill_span, &f);
}
