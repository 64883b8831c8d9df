/* The arrival-time model (see spatial.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/spatial.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "io/ogr_module.h"
#include "model/stats.h"
#include "spatial/grid.h"

bool fc_heap_push(fc_heap *h, double key, long cell)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? 2 * h->cap : 4096;
        double *nk = realloc(h->key, nc * sizeof *nk);
        long *ncell = nk ? realloc(h->cell, nc * sizeof *ncell) : NULL;
        if (nk)
            h->key = nk;
        if (!ncell)
            return false;
        h->cell = ncell;
        h->cap = nc;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->key[p] <= key)
            break;
        h->key[i] = h->key[p];
        h->cell[i] = h->cell[p];
        i = p;
    }
    h->key[i] = key;
    h->cell[i] = cell;
    return true;
}

bool fc_heap_pop(fc_heap *h, double *key, long *cell)
{
    if (h->n == 0)
        return false;
    *key = h->key[0];
    *cell = h->cell[0];
    double k = h->key[--h->n];
    long c = h->cell[h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        double mk = k;
        if (l < h->n && h->key[l] < mk) {
            m = l;
            mk = h->key[l];
        }
        if (r < h->n && h->key[r] < mk)
            m = r;
        if (m == i)
            break;
        h->key[i] = h->key[m];
        h->cell[i] = h->cell[m];
        i = m;
    }
    h->key[i] = k;
    h->cell[i] = c;
    return true;
}

void fc_heap_free(fc_heap *h)
{
    free(h->key);
    free(h->cell);
    memset(h, 0, sizeof *h);
}

void fc_arrival_destroy(fc_arrival *a)
{
    if (!a)
        return;
    free(a->zone);
    free(a->controlled);
    free(a->raw);
    free(a->days);
    free(a->early80);
    free(a->late80);
    free(a->speed_km_per_day);
    free(a);
}

typedef struct {
    const fc_grid *g;
    int32_t *zone;
    int32_t value;
} zone_fill;

static void zone_span(void *user, int j, int i0, int i1)
{
    zone_fill *f = user;
    int32_t *row = f->zone + (size_t)j * (size_t)f->g->nx;
    for (int i = i0; i <= i1; i++)
        row[i] = f->value;
}

/* Front samples: positions and speeds (km/day). */
typedef struct samples {
    double *x, *y, *v;
    size_t n, cap;
} samples;

static bool add_sample(samples *s, double x, double y, double v)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 256;
        double *nx = realloc(s->x, nc * sizeof *nx), *ny = nx ? realloc(s->y, nc * sizeof *ny) : NULL,
               *nv = ny ? realloc(s->v, nc * sizeof *nv) : NULL;
        if (nx)
            s->x = nx;
        if (ny)
            s->y = ny;
        if (!nv)
            return false;
        s->v = nv;
        s->cap = nc;
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->v[s->n++] = v;
    return true;
}

typedef struct sample_ctx {
    fc_worker *w;
    const GEOSPreparedGeometry *then;
    int window_days;
    samples *s;
} sample_ctx;

static fc_status add_front_sample(void *user, const GEOSGeometry *p, fc_error *err)
{
    sample_ctx *c = user;
    GEOSContextHandle_t h = c->w->geos;
    double x = 0, y = 0, dist = 0;
    if (!GEOSGeomGetX_r(h, p, &x) || !GEOSGeomGetY_r(h, p, &y) ||
        !GEOSPreparedDistance_r(h, c->then, p, &dist))
        return fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(c->w));
    if (!add_sample(c->s, x, y, dist / 1000 / c->window_days))
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    return FC_OK;
}

/* Samples the current front every step_m; the speed at each is how far the
 * front of `then` lies from it over the window (0 where `then` already held
 * it: a retreat, or no change). */
static fc_status sample_front(fc_worker *w, const GEOSGeometry *front, const GEOSGeometry *then,
                              double step_m, int window_days, samples *s, fc_error *err)
{
    sample_ctx c = {w, GEOSPrepare_r(w->geos, then), window_days, s};
    if (!c.then)
        return fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
    fc_status st = fc_sample_lines(w, front, step_m, add_front_sample, &c, err);
    GEOSPreparedGeom_destroy_r(w->geos, c.then);
    return st;
}

/* Gaussian smoothing of the sample speeds along the front (by distance
 * between samples): a local speed, not one sample's noise. */
static void smooth_speeds(samples *s, double sigma_m)
{
    double *out = malloc(s->n * sizeof *out);
    if (!out)
        return;
    const double lim2 = 9 * sigma_m * sigma_m;
    for (size_t i = 0; i < s->n; i++) {
        double sw = 0, sv = 0;
        for (size_t j = 0; j < s->n; j++) {
            double dx = s->x[i] - s->x[j], dy = s->y[i] - s->y[j], d2 = dx * dx + dy * dy;
            if (d2 > lim2)
                continue;
            double wgt = exp(-d2 / (2 * sigma_m * sigma_m));
            sw += wgt;
            sv += wgt * s->v[j];
        }
        out[i] = sw > 0 ? sv / sw : s->v[i];
    }
    memcpy(s->v, out, s->n * sizeof *out);
    free(out);
}

/* Each country cell takes the speed of its nearest sample: a Dijkstra
 * flood keyed by the Euclidean distance to the sample it carries. */
static fc_status spread_speeds(const fc_arrival *a, const samples *s, double *speed)
{
    const fc_grid *g = &a->grid;
    const size_t nc = (size_t)g->nx * (size_t)g->ny;
    long *site = malloc(nc * sizeof *site);
    double *best = malloc(nc * sizeof *best);
    fc_heap heap = {0};
    if (!site || !best) {
        free(site);
        free(best);
        return FC_ERR_NOMEM;
    }
    for (size_t c = 0; c < nc; c++) {
        site[c] = -1;
        best[c] = INFINITY;
        speed[c] = 0;
    }
    fc_status st = FC_OK;
    for (size_t k = 0; k < s->n; k++) {
        long c = fc_grid_cell(g, s->x[k], s->y[k]);
        if (c < 0)
            continue;
        double cx = g->x0 + (c % g->nx + 0.5) * g->cell_m, cy = g->y0 + (c / g->nx + 0.5) * g->cell_m;
        double d = hypot(cx - s->x[k], cy - s->y[k]);
        if (d < best[c]) {
            best[c] = d;
            site[c] = (long)k;
            if (!fc_heap_push(&heap, d, c))
                st = FC_ERR_NOMEM;
        }
    }
    double key;
    long c;
    static const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
    while (st == FC_OK && fc_heap_pop(&heap, &key, &c)) {
        if (key > best[c])
            continue;
        int i = (int)(c % g->nx), j = (int)(c / g->nx);
        long k = site[c];
        for (int m = 0; m < 4; m++) {
            int ni = i + di[m], nj = j + dj[m];
            if (ni < 0 || nj < 0 || ni >= g->nx || nj >= g->ny)
                continue;
            long n = (long)nj * g->nx + ni;
            if (a->zone[n] < 0)
                continue;
            double cx = g->x0 + (ni + 0.5) * g->cell_m, cy = g->y0 + (nj + 0.5) * g->cell_m;
            double d = hypot(cx - s->x[k], cy - s->y[k]);
            if (d < best[n]) {
                best[n] = d;
                site[n] = k;
                if (!fc_heap_push(&heap, d, n))
                    st = FC_ERR_NOMEM;
            }
        }
    }
    for (size_t cc = 0; cc < nc; cc++)
        if (site[cc] >= 0 && a->zone[cc] >= 0 && !a->controlled[cc])
            speed[cc] = s->v[site[cc]];
    fc_heap_free(&heap);
    free(site);
    free(best);
    return st;
}

/* The first-order fast marching method (Sethian 1996) for |grad T| = 1/v
 * on the cells of the country, from the control area's edge. The cells
 * next to the control area start at their exact distance to it over their
 * speed, so a straight front keeps its position to well within a cell. */
static fc_status fast_march(fc_worker *w, fc_arrival *a, const GEOSGeometry *now, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    const fc_grid *g = &a->grid;
    const size_t nc = (size_t)g->nx * (size_t)g->ny;
    const double cell_km = g->cell_m / 1000;
    uint8_t *frozen = calloc(nc, 1);
    fc_heap heap = {0};
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, now);
    fc_status st = FC_OK;
    if (!frozen || !prep) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t c = 0; c < nc; c++) {
        a->raw[c] = INFINITY;
        if (a->controlled[c] && a->zone[c] >= 0) {
            a->raw[c] = 0;
            frozen[c] = 1;
        }
    }
    static const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
    for (size_t c = 0; c < nc && st == FC_OK; c++) {
        if (frozen[c] || a->zone[c] < 0 || !(a->speed_km_per_day[c] > 0))
            continue;
        int i = (int)(c % (size_t)g->nx), j = (int)(c / (size_t)g->nx);
        bool edge = false;
        for (int m = 0; m < 4 && !edge; m++) {
            int ni = i + di[m], nj = j + dj[m];
            edge = ni >= 0 && nj >= 0 && ni < g->nx && nj < g->ny &&
                   a->controlled[(size_t)nj * (size_t)g->nx + (size_t)ni] &&
                   a->zone[(size_t)nj * (size_t)g->nx + (size_t)ni] >= 0;
        }
        if (!edge)
            continue;
        GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, g->x0 + (i + 0.5) * g->cell_m,
                                                        g->y0 + (j + 0.5) * g->cell_m);
        double d = 0;
        if (!p || !GEOSPreparedDistance_r(h, prep, p, &d))
            st = fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
        if (p)
            GEOSGeom_destroy_r(h, p);
        a->raw[c] = (float)(d / 1000 / a->speed_km_per_day[c]);
        if (st == FC_OK && !fc_heap_push(&heap, a->raw[c], (long)c))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    double key;
    long c;
    while (st == FC_OK && fc_heap_pop(&heap, &key, &c)) {
        if (frozen[c] || key > a->raw[c])
            continue;
        frozen[c] = 1;
        int i = (int)(c % g->nx), j = (int)(c / g->nx);
        for (int m = 0; m < 4; m++) {
            int ni = i + di[m], nj = j + dj[m];
            if (ni < 0 || nj < 0 || ni >= g->nx || nj >= g->ny)
                continue;
            long n = (long)nj * g->nx + ni;
            if (frozen[n] || a->zone[n] < 0 || !(a->speed_km_per_day[n] > 0))
                continue;
            /* Upwind neighbours along x and y (frozen values only). */
            double tx = INFINITY, ty = INFINITY;
            if (ni > 0 && frozen[n - 1])
                tx = a->raw[n - 1];
            if (ni + 1 < g->nx && frozen[n + 1])
                tx = fmin(tx, a->raw[n + 1]);
            if (nj > 0 && frozen[n - g->nx])
                ty = a->raw[n - g->nx];
            if (nj + 1 < g->ny && frozen[n + g->nx])
                ty = fmin(ty, a->raw[n + g->nx]);
            double f = cell_km / a->speed_km_per_day[n];
            double lo = fmin(tx, ty), hi = fmax(tx, ty), t;
            if (!isfinite(hi) || hi - lo >= f)
                t = lo + f;
            else
                t = (lo + hi + sqrt(2 * f * f - (hi - lo) * (hi - lo))) / 2;
            if (t < a->raw[n]) {
                a->raw[n] = (float)t;
                /* The key is the stored float, or the pop would see a
                 * rounded-down raw below its key and skip the cell. */
                if (!fc_heap_push(&heap, a->raw[n], n))
                    st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            }
        }
    }
cleanup:
    if (prep)
        GEOSPreparedGeom_destroy_r(h, prep);
    fc_heap_free(&heap);
    free(frozen);
    return st;
}

typedef struct {
    const float *raw;
    long cell;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->raw[p->cell] != q->raw[q->cell])
        return p->raw[p->cell] < q->raw[q->cell] ? -1 : 1;
    return (p->cell > q->cell) - (p->cell < q->cell);
}

/* First day d with curve[d] >= area, or INFINITY. curve is non-decreasing. */
static float first_day_reaching(const double *curve, size_t ndays, double area)
{
    if (!curve || ndays == 0 || curve[ndays - 1] < area)
        return INFINITY;
    size_t lo = 0, hi = ndays - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (curve[mid] >= area)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (float)lo;
}

/* Zone by zone, the k-th cell to be reached gets the day the projected gain
 * reaches k cells' area (centred: k - 1/2), so areas match by construction. */
static fc_status calibrate(fc_arrival *a, size_t nzones, const fc_gain_curve *gains, fc_error *err)
{
    const fc_grid *g = &a->grid;
    const size_t nc = (size_t)g->nx * (size_t)g->ny;
    const double cell_km2 = (g->cell_m / 1000) * (g->cell_m / 1000);
    ranked *order = malloc(nc * sizeof *order);
    if (!order)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < nc; c++)
        a->days[c] = a->early80[c] = a->late80[c] = a->controlled[c] ? NAN : INFINITY;
    for (size_t z = 0; z < nzones; z++) {
        size_t n = 0;
        for (size_t c = 0; c < nc; c++)
            if (a->zone[c] == (int32_t)z && !a->controlled[c] && isfinite(a->raw[c]))
                order[n++] = (ranked){a->raw, (long)c};
        const fc_gain_curve *gc = &gains[z];
        if (!gc->gain_km2 || n == 0)
            continue;
        qsort(order, n, sizeof *order, ranked_cmp);
        for (size_t k = 0; k < n; k++) {
            double area = ((double)k + 0.5) * cell_km2;
            long c = order[k].cell;
            a->days[c] = first_day_reaching(gc->gain_km2, gc->ndays, area);
            a->early80[c] = first_day_reaching(gc->hi80_km2, gc->ndays, area);
            a->late80[c] = first_day_reaching(gc->lo80_km2, gc->ndays, area);
        }
    }
    free(order);
    return FC_OK;
}

fc_status fc_arrival_compute(fc_worker *w, const fc_zoneset *zs, const fc_frontier *fr,
                             const GEOSGeometry *now, const GEOSGeometry *then,
                             const fc_gain_curve *gains, const fc_arrival_options *in,
                             fc_arrival **out, fc_error *err)
{
    *out = NULL;
    fc_arrival_options o = *in;
    if (!(o.cell_m > 0))
        o.cell_m = FC_DEFAULT_CELL_M;
    if (!(o.sample_m > 0))
        o.sample_m = 2000;
    if (!(o.smooth_m > 0))
        o.smooth_m = 25000;
    if (o.window_days <= 0)
        o.window_days = FC_DEFAULT_WINDOW_DAYS;
    double bbox[4];
    if (!fc_geom_bbox(w, fc_frontier_country(fr), bbox))
        return fc_error_set(err, FC_ERR_EMPTY, "the zones are empty");
    fc_arrival *a = calloc(1, sizeof *a);
    if (!a)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    a->grid = fc_grid_covering(bbox, o.cell_m);
    a->crs = zs->crs;
    const size_t nc = (size_t)a->grid.nx * (size_t)a->grid.ny;
    a->zone = malloc(nc * sizeof *a->zone);
    a->controlled = calloc(nc, 1);
    a->raw = malloc(nc * sizeof *a->raw);
    a->days = malloc(nc * sizeof *a->days);
    a->early80 = malloc(nc * sizeof *a->early80);
    a->late80 = malloc(nc * sizeof *a->late80);
    a->speed_km_per_day = calloc(nc, sizeof *a->speed_km_per_day);
    samples s = {0};
    GEOSGeometry *front = NULL;
    fc_status st = FC_OK;
    if (!a->zone || !a->controlled || !a->raw || !a->days || !a->early80 || !a->late80 ||
        !a->speed_km_per_day) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory (a %d x %d grid)", a->grid.nx,
                          a->grid.ny);
        goto cleanup;
    }
    for (size_t c = 0; c < nc; c++)
        a->zone[c] = -1;
    for (size_t z = 0; z < zs->n && st == FC_OK; z++) {
        zone_fill f = {&a->grid, a->zone, (int32_t)z};
        if (fc_grid_spans(w, &a->grid, zs->zones[z].geom, zone_span, &f) != 0)
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    if (st == FC_OK)
        fc_grid_fill(w, &a->grid, now, a->controlled, 1);
    if (st == FC_OK)
        st = fc_front_line(w, fr, now, o.sample_m, &front, err);
    if (st == FC_OK)
        st = sample_front(w, front, then, o.sample_m, o.window_days, &s, err);
    if (st != FC_OK)
        goto cleanup;
    a->nsamples = s.n;
    double sum = 0;
    for (size_t k = 0; k < s.n; k++)
        sum += s.v[k];
    a->mean_speed_km_per_day = s.n ? sum / (double)s.n : 0;
    if (o.uniform_speed) {
        /* The baseline: one speed everywhere, so arrival is distance. */
        for (size_t k = 0; k < s.n; k++)
            s.v[k] = 1;
    } else {
        smooth_speeds(&s, o.smooth_m);
    }
    if (spread_speeds(a, &s, a->speed_km_per_day) != FC_OK) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    st = fast_march(w, a, now, err);
    if (st == FC_OK)
        st = calibrate(a, zs->n, gains, err);
cleanup:
    if (front)
        GEOSGeom_destroy_r(w->geos, front);
    free(s.x);
    free(s.y);
    free(s.v);
    if (st != FC_OK) {
        fc_arrival_destroy(a);
        return st;
    }
    *out = a;
    return FC_OK;
}

fc_status fc_arrival_polygons(fc_worker *w, const fc_arrival *a, const float *days, float limit,
                              size_t nzones, GEOSGeometry **out, fc_error *err)
{
    GEOSContextHandle_t h = w->geos;
    const fc_grid *g = &a->grid;
    for (size_t z = 0; z < nzones; z++)
        out[z] = NULL;
    const fc_ogr_api *ogr = fc_ogr(err);
    if (!ogr)
        return err->code;
    /* GDAL's rows run north to south. */
    int32_t *v = calloc((size_t)g->nx * (size_t)g->ny, sizeof *v);
    if (!v)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (int j = 0; j < g->ny; j++)
        for (int i = 0; i < g->nx; i++) {
            size_t c = (size_t)j * (size_t)g->nx + (size_t)i;
            if (a->zone[c] >= 0 && !a->controlled[c] && days[c] <= limit)
                v[(size_t)(g->ny - 1 - j) * (size_t)g->nx + (size_t)i] = a->zone[c] + 1;
        }
    fc_ogr_raster r = {g->nx, g->ny, {g->x0, g->cell_m, 0, g->y0 + g->ny * g->cell_m, 0, -g->cell_m},
                       a->crs, NULL, NULL};
    unsigned char **wkb = NULL;
    size_t *size = NULL, n = 0;
    int32_t *value = NULL;
    fc_status st = ogr->polygonize(&r, v, &wkb, &size, &value, &n, err);
    free(v);
    /* Group the polygons by zone. */
    GEOSGeometry ***parts = calloc(nzones + 1, sizeof *parts);
    size_t *count = calloc(nzones + 1, sizeof *count);
    if (st == FC_OK && (!parts || !count))
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; st == FC_OK && k < n; k++) {
        size_t z = (size_t)(value[k] - 1);
        if (z >= nzones)
            continue;
        GEOSGeometry **np = realloc(parts[z], (count[z] + 1) * sizeof *np);
        GEOSGeometry *p = np ? GEOSGeomFromWKB_buf_r(h, wkb[k], size[k]) : NULL;
        if (np)
            parts[z] = np;
        if (!p)
            st = fc_error_set(err, FC_ERR_GEOM, "bad polygon from polygonize");
        else
            parts[z][count[z]++] = p;
    }
    for (size_t z = 0; z < nzones && st == FC_OK; z++) {
        out[z] = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts ? parts[z] : NULL,
                                             (unsigned)(count ? count[z] : 0));
        if (!out[z])
            st = fc_error_set(err, FC_ERR_GEOM, "%s", fc_worker_geos_error(w));
        else if (count)
            count[z] = 0; /* owned by out[z] now */
    }
    for (size_t z = 0; parts && z < nzones; z++) {
        for (size_t k = 0; count && k < count[z]; k++)
            GEOSGeom_destroy_r(h, parts[z][k]);
        free(parts[z]);
    }
    free(parts);
    free(count);
    for (size_t k = 0; k < n; k++)
        free(wkb[k]);
    free(wkb);
    free(size);
    free(value);
    if (st != FC_OK)
        for (size_t z = 0; z < nzones; z++)
            if (out[z]) {
                GEOSGeom_destroy_r(h, out[z]);
                out[z] = NULL;
            }
    return st;
}
