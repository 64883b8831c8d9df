#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geodesic.h>

#include "core/util.h"
#include "geo/worker.h"
#include "geo/geom.h"

void fc_equal_area_crs(double lon0_deg, double lat0_deg, char *buf, size_t size)
{
    snprintf(buf, size,
             "+proj=laea +lat_0=%.4f +lon_0=%.4f +x_0=0 +y_0=0 +ellps=WGS84 "
             "+units=m +no_defs +type=crs",
             lat0_deg, lon0_deg);
}

bool fc_equal_area_centre(const char *crs, double *lon0_deg, double *lat0_deg)
{
    return sscanf(crs, "+proj=laea +lat_0=%lf +lon_0=%lf ", lat0_deg, lon0_deg) == 2;
}

/* Returns the worker's transformation src -> dst in lon/lat order, creating
 * and caching it when the pair changed. NULL with err set on failure. */
static PJ *transformation(fc_worker *w, const char *src, const char *dst, fc_error *err)
{
    const unsigned ncache = sizeof w->cache / sizeof w->cache[0];
    for (unsigned i = 0; i < ncache; i++)
        if (w->cache[i].pj && strcmp(w->cache[i].src, src) == 0 &&
            strcmp(w->cache[i].dst, dst) == 0)
            return w->cache[i].pj;

    PJ *raw = proj_create_crs_to_crs(w->proj, src, dst, NULL);
    if (!raw) {
        fc_error_set(err, FC_ERR_CRS, "cannot transform from CRS '%.200s': %s", src,
                     proj_errno_string(proj_context_errno(w->proj)));
        return NULL;
    }
    /* Axis order as in the data (easting/longitude first), not as the CRS
     * definition says: GeoJSON and OGR's traditional GIS order. */
    PJ *pj = proj_normalize_for_visualization(w->proj, raw);
    proj_destroy(raw);
    if (!pj) {
        fc_error_set(err, FC_ERR_CRS, "cannot normalise axis order of CRS '%.200s'", src);
        return NULL;
    }
    char *s = fc_strdup(src), *d = fc_strdup(dst);
    if (!s || !d) {
        free(s);
        free(d);
        proj_destroy(pj);
        fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        return NULL;
    }
    unsigned slot = w->cache_next++ % ncache;
    if (w->cache[slot].pj)
        proj_destroy(w->cache[slot].pj);
    free(w->cache[slot].src);
    free(w->cache[slot].dst);
    w->cache[slot].pj = pj;
    w->cache[slot].src = s;
    w->cache[slot].dst = d;
    return pj;
}

bool fc_crs_is_geographic(fc_worker *w, const char *crs)
{
    /* A folder of snapshots asks about the same CRS for every file, and
     * proj_create looks it up in proj.db: remember the last answer. */
    if (w->geo_crs && strcmp(w->geo_crs, crs) == 0)
        return w->geo_crs_geographic;
    PJ *pj = proj_create(w->proj, crs);
    PJ_TYPE t = pj ? proj_get_type(pj) : PJ_TYPE_UNKNOWN;
    if (pj)
        proj_destroy(pj);
    free(w->geo_crs);
    w->geo_crs = fc_strdup(crs);
    w->geo_crs_geographic = t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
                            t == PJ_TYPE_GEOGRAPHIC_CRS;
    return w->geo_crs_geographic;
}

typedef struct {
    PJ *pj;
    fc_status status;
    const struct geod_geodesic *geod; /* edges are geodesics: split them first */
    size_t budget;                    /* points the split may still add */
    struct fc_edge_memo *memo;        /* edges already split and projected; NULL: none */
} transform_ctx;

/* A bound on the length (m) of the geodesic from lon/lat a to b, from the
 * coordinates alone: the path along a meridian to the other latitude and
 * then along the parallel nearer the equator is no shorter. Most edges of
 * real boundaries are tens of metres, and this settles them without solving
 * the geodesic. */
static double geodesic_bound_m(const double *a, const double *b)
{
    const double deg = M_PI / 180 * FC_WGS84_A * 1.0068; /* > a meridian degree anywhere */
    const double lat = fmin(fabs(a[1]), fabs(b[1]));
    return (fabs(b[1] - a[1]) + fabs(b[0] - a[0]) * cos(fmin(lat, 90) * M_PI / 180)) * deg;
}

/* The points a geometry's split may add: this many, plus SPLIT_PER_POINT
 * per point it has. Real layers stay far below (a DeepStateMap snapshot
 * adds about 1,000 to its 3,000 points; a 1-degree cell 220); a few
 * hundred globe-spanning edges would otherwise ask for millions of points
 * and the repair after them for gigabytes (found by fuzzing). Past the
 * budget the pieces grow longer than FC_GEODESIC_STEP_M instead. */
#define SPLIT_BUDGET ((size_t)1 << 16)
#define SPLIT_PER_POINT 8

/* How many points splitting by step the edges of the n points p (lon/lat)
 * longer than it may add, at most: the sum of ceil(bound / step) over them;
 * *most (when not NULL) the largest of one edge. */
static double split_count(const double *p, size_t n, double step, double *most)
{
    double extra = 0, top = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const double bound = geodesic_bound_m(p + 2 * i, p + 2 * i + 2);
        if (bound > step) {
            extra += ceil(bound / step);
            top = fmax(top, ceil(bound / step));
        }
    }
    if (most)
        *most = top;
    return extra;
}

/* The edge a -> b (lon/lat) split by step along its geodesic, into out: a,
 * then the points added (fewer than ceil(bound / step)); returns how many.
 * The points are computed from the lesser end (by longitude, then
 * latitude) whichever way the edge runs, so that two zones sharing an edge
 * split it at the very same points: computed from either end, they differ
 * in the last bits, and the zones' union would have hundreds of
 * zero-width holes along their common borders. */
static size_t split_edge(const struct geod_geodesic *g, const double *a, const double *b,
                         double step, double *out)
{
    size_t n = 0;
    out[2 * n] = a[0];
    out[2 * n++ + 1] = a[1];
    const bool flip = a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]);
    const double *s = flip ? b : a, *e = flip ? a : b;
    const double bound = geodesic_bound_m(s, e);
    if (!(bound > step))
        return n;
    struct geod_geodesicline line;
    geod_inverseline(&line, g, s[1], s[0], e[1], e[0],
                     GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
    if (!(line.s13 > step))
        return n;
    /* Never more pieces than the bound allows: the buffers are sized by it. */
    const size_t k = (size_t)ceil(fmin(line.s13, bound) / step);
    for (size_t j = 1; j < k; j++) {
        double lat, lon;
        const size_t at = flip ? k - j : j;
        geod_genposition(&line, GEOD_LONG_UNROLL, line.s13 * (double)at / (double)k, &lat, &lon,
                         NULL, NULL, NULL, NULL, NULL, NULL);
        out[2 * n] = lon;
        out[2 * n++ + 1] = lat;
    }
    return n;
}

/* Splits the edges of the n points in *xy (lon/lat) longer than
 * FC_GEODESIC_STEP_M into equal pieces along their geodesics (longitudes
 * kept continuous across the antimeridian), adding at most *budget points
 * (and taking what it adds from it). -1 when out of memory. */
static int split_geodesics(const struct geod_geodesic *g, double **xy, size_t *n,
                           size_t *budget)
{
    const double *p = *xy;
    double step = FC_GEODESIC_STEP_M, extra = split_count(p, *n, step, NULL);
    if (extra == 0)
        return 0;
    if (extra > (double)*budget) { /* longer pieces: count them again */
        step = *budget ? step * extra / (double)*budget : INFINITY;
        extra = split_count(p, *n, step, NULL);
    }
    double *out = malloc(2 * (*n + (size_t)extra) * sizeof *out);
    if (!out)
        return -1;
    const size_t n0 = *n;
    size_t q = 0;
    for (size_t i = 0; i + 1 < n0; i++)
        q += split_edge(g, p + 2 * i, p + 2 * i + 2, step, out + 2 * q);
    out[2 * q] = p[2 * (n0 - 1)];
    out[2 * q++ + 1] = p[2 * (n0 - 1) + 1];
    free(*xy);
    *xy = out;
    *n = q;
    *budget -= *n - n0 < *budget ? *n - n0 : *budget;
    return 0;
}

/*
 * The edge memo. A day's control map differs from the day before's in a
 * few places, yet splitting its long edges along the geodesic and
 * projecting the points took a third of the area engine's time. So each
 * edge (its two lon/lat end points, bit for bit) keeps what it became: its
 * first point and the points the split added, projected. Two generations,
 * the snapshot being read and the one before (fc_geodesic_memo_begin): an
 * edge found in the older is carried into the newer, and the rest goes.
 * The results are the same doubles as without the memo: the same
 * functions computed them, from the same inputs.
 */
typedef struct edge_slot {
    double key[4]; /* lon, lat of the start and of the end */
    uint32_t off, n; /* n projected points (x, y) at pts[2 * off] */
    bool used;
} edge_slot;

typedef struct edge_table {
    edge_slot *slots;
    size_t cap, count; /* cap: a power of two, or 0 */
    double *pts;
    size_t npts, ptcap;
} edge_table;

struct fc_edge_memo {
    char *src, *dst; /* the transformation the points were projected with */
    edge_table gen[2];
    int cur;
    bool active;     /* between fc_geodesic_memo_begin and _end */
};

static void table_clear(edge_table *t)
{
    if (t->slots)
        memset(t->slots, 0, t->cap * sizeof *t->slots);
    t->count = 0;
    t->npts = 0;
}

static void table_free(edge_table *t)
{
    free(t->slots);
    free(t->pts);
    memset(t, 0, sizeof *t);
}

void fc_edge_memo_destroy(struct fc_edge_memo *m)
{
    if (!m)
        return;
    table_free(&m->gen[0]);
    table_free(&m->gen[1]);
    free(m->src);
    free(m->dst);
    free(m);
}

/* A new generation of m: the last one's is kept, the one before it goes. */
static void memo_next(struct fc_edge_memo *m)
{
    m->cur ^= 1;
    table_clear(&m->gen[m->cur]);
}

void fc_geodesic_memo_begin(fc_worker *w)
{
    if (!w->edges && !(w->edges = calloc(1, sizeof *w->edges)))
        return; /* no memo: slower, not wrong */
    memo_next(w->edges);
    w->edges->active = true;
}

void fc_geodesic_memo_end(fc_worker *w)
{
    if (w->edges)
        w->edges->active = false;
}

/* The slot of key in t: its own, or the empty one it would take. */
static edge_slot *table_find(const edge_table *t, const double key[4])
{
    if (!t->cap)
        return NULL;
    for (size_t i = fc_hash_doubles(key, 4) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        edge_slot *e = &t->slots[i];
        if (!e->used || !memcmp(e->key, key, sizeof e->key))
            return e;
    }
}

/* Adds key with n points (x, y) to t; false when out of memory. */
static bool table_add(edge_table *t, const double key[4], const double *pts, uint32_t n)
{
    if (2 * (t->count + 1) > t->cap) { /* at most half full */
        edge_table bigger = {.cap = t->cap ? 2 * t->cap : 4096};
        if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
            return false;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].used)
                *table_find(&bigger, t->slots[i].key) = t->slots[i];
        free(t->slots);
        t->slots = bigger.slots;
        t->cap = bigger.cap;
    }
    if (t->npts + n > t->ptcap) {
        size_t cap = t->ptcap ? 2 * t->ptcap : 8192;
        while (cap < t->npts + n)
            cap *= 2;
        double *p = realloc(t->pts, 2 * cap * sizeof *p);
        if (!p)
            return false;
        t->pts = p;
        t->ptcap = cap;
    }
    edge_slot *e = table_find(t, key);
    memcpy(e->key, key, sizeof e->key);
    e->off = (uint32_t)t->npts;
    e->n = n;
    e->used = true;
    memcpy(t->pts + 2 * t->npts, pts, 2 * n * sizeof *pts);
    t->npts += n;
    t->count++;
    return true;
}

/* The points kept for edge key in this generation, cur, or the last one,
 * prev (then copied into cur; *ok false when that ran out of memory), and
 * their count in *n; NULL when neither has it. */
static const double *memo_find(edge_table *cur, const edge_table *prev, const double key[4],
                               uint32_t *n, bool *ok)
{
    const edge_slot *e = table_find(cur, key);
    if (e && e->used) {
        *n = e->n;
        return cur->pts + 2 * e->off;
    }
    if (!(e = table_find(prev, key)) || !e->used)
        return NULL;
    const double *pts = prev->pts + 2 * e->off;
    *n = e->n;
    *ok = table_add(cur, key, pts, e->n);
    return pts;
}

/* split_geodesics and the projection of one ring through the memo: 1 done,
 * 0 when the ring is not for the memo (the split would exceed its budget
 * and stretch its pieces), -1 out of memory. */
static int transform_ring_memo(transform_ctx *t, double **pxy, size_t *pn)
{
    struct fc_edge_memo *m = t->memo;
    const double *p = *pxy;
    const size_t n = *pn;
    const double step = FC_GEODESIC_STEP_M;
    double most = 0, extra = split_count(p, n, step, &most);
    if (extra > (double)t->budget || n < 2)
        return 0;
    double *out = malloc(2 * (n + (size_t)extra) * sizeof *out);
    double *edge = malloc(2 * (1 + (size_t)most) * sizeof *edge);
    edge_table *cur = &m->gen[m->cur], *prev = &m->gen[m->cur ^ 1];
    size_t q = 0;
    bool ok = out && edge;
    for (size_t i = 0; ok && i + 1 < n; i++) {
        const double *key = p + 2 * i; /* a and b: four doubles in a row */
        uint32_t k;
        const double *pts = memo_find(cur, prev, key, &k, &ok);
        if (!pts) {
            k = (uint32_t)split_edge(t->geod, key, key + 2, step, edge);
            proj_trans_generic(t->pj, PJ_FWD, edge, 2 * sizeof(double), k, edge + 1,
                               2 * sizeof(double), k, NULL, 0, 0, NULL, 0, 0);
            pts = edge;
            ok = table_add(cur, key, pts, k);
        }
        memcpy(out + 2 * q, pts, 2 * k * sizeof *pts);
        q += k;
        if (i + 2 == n) { /* the last point: the first again in a ring */
            if (!memcmp(p, p + 2 * (n - 1), 2 * sizeof *p)) {
                memcpy(out + 2 * q, out, 2 * sizeof *out);
            } else {
                memcpy(out + 2 * q, p + 2 * (n - 1), 2 * sizeof *p);
                proj_trans_generic(t->pj, PJ_FWD, out + 2 * q, 2 * sizeof(double), 1,
                                   out + 2 * q + 1, 2 * sizeof(double), 1, NULL, 0, 0, NULL, 0,
                                   0);
            }
            q++;
        }
    }
    free(edge);
    if (!ok) {
        free(out);
        return -1;
    }
    free(*pxy);
    *pxy = out;
    t->budget -= q - n < t->budget ? q - n : t->budget;
    *pn = q;
    return 1;
}

static int transform_ring(fc_worker *w, double **pxy, size_t *pn, void *user)
{
    (void)w;
    transform_ctx *t = user;
    int memo = t->geod && t->memo ? transform_ring_memo(t, pxy, pn) : 0;
    if (memo < 0) {
        t->status = FC_ERR_NOMEM;
        return -1;
    }
    if (memo > 0) {
        for (size_t i = 0; i < 2 * *pn; i++)
            if (!isfinite((*pxy)[i])) {
                t->status = FC_ERR_CRS;
                return -1;
            }
        return 0;
    }
    if (t->geod && split_geodesics(t->geod, pxy, pn, &t->budget) != 0) {
        t->status = FC_ERR_NOMEM;
        return -1;
    }
    double *xy = *pxy;
    const size_t n = *pn;
    proj_trans_generic(t->pj, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1,
                       2 * sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
    for (size_t i = 0; i < 2 * n; i++)
        if (!isfinite(xy[i])) {
            t->status = FC_ERR_CRS;
            return -1;
        }
    return 0;
}

/* The worker's memo while it is on (fc_geodesic_memo_begin),
 * made for the pair src -> dst: a memo of another pair starts again. */
static struct fc_edge_memo *memo_for(fc_worker *w, const char *src, const char *dst)
{
    struct fc_edge_memo *m = w->edges;
    if (!m || !m->active)
        return NULL;
    if (m->src && !strcmp(m->src, src) && !strcmp(m->dst, dst))
        return m;
    table_clear(&m->gen[0]);
    table_clear(&m->gen[1]);
    free(m->src);
    free(m->dst);
    m->src = fc_strdup(src);
    m->dst = fc_strdup(dst);
    return m->src && m->dst ? m : NULL;
}

static fc_status reproject(fc_worker *w, const GEOSGeometry *g, const char *src_crs,
                           const char *dst_crs, const struct geod_geodesic *geod,
                           GEOSGeometry **out, fc_error *err)
{
    PJ *pj = transformation(w, src_crs, dst_crs, err);
    if (!pj)
        return err ? err->code : FC_ERR_CRS;
    /* The split's budget: counting the points walks the geometry, so only
     * when there is a split (not on every output's reprojection). */
    const int npoints = geod ? GEOSGetNumCoordinates_r(w->geos, g) : 0;
    transform_ctx t = {pj, FC_OK, geod,
                       SPLIT_BUDGET + SPLIT_PER_POINT * (size_t)(npoints > 0 ? npoints : 0),
                       geod ? memo_for(w, src_crs, dst_crs) : NULL};
    *out = fc_geom_is_lineal(w, g) ? fc_geom_map_lines(w, g, transform_ring, &t)
                                   : fc_geom_map_rings(w, g, transform_ring, &t);
    if (!*out) {
        if (t.status == FC_ERR_NOMEM)
            return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        if (t.status != FC_OK)
            return fc_error_set(err, t.status,
                                "coordinates cannot be transformed to the working CRS "
                                "(outside the CRS's area of use, or wrong CRS?)");
        return fc_error_set(err, FC_ERR_GEOM, "reprojection failed: %s",
                            fc_worker_geos_error(w));
    }
    return FC_OK;
}

fc_status fc_reproject(fc_worker *w, const GEOSGeometry *g, const char *src_crs,
                       const char *dst_crs, GEOSGeometry **out, fc_error *err)
{
    return reproject(w, g, src_crs, dst_crs, NULL, out, err);
}

fc_status fc_reproject_geodesic(fc_worker *w, const GEOSGeometry *g, const char *src_crs,
                                const char *dst_crs, GEOSGeometry **out, fc_error *err)
{
    struct geod_geodesic geod;
    geod_init(&geod, FC_WGS84_A, FC_WGS84_F);
    return reproject(w, g, src_crs, dst_crs, &geod, out, err);
}

fc_status fc_reproject_xy(fc_worker *w, const char *src_crs, const char *dst_crs, double *xy,
                          size_t n, fc_error *err)
{
    PJ *pj = transformation(w, src_crs, dst_crs, err);
    if (!pj)
        return err ? err->code : FC_ERR_CRS;
    transform_ctx t = {pj, FC_OK, NULL, 0, NULL};
    size_t m = n;
    if (transform_ring(w, &xy, &m, &t) != 0)
        return fc_error_set(err, FC_ERR_CRS, "coordinates cannot be transformed from the working CRS");
    return FC_OK;
}

typedef struct {
    struct geod_geodesic g;
    double area_m2;
} geod_ctx;

static int geod_ring(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    geod_ctx *c = user;
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    /* The closing point repeats the first; geod_polygon closes by itself. */
    for (size_t i = 0; i + 1 < n; i++)
        geod_polygon_addpoint(&c->g, &p, xy[2 * i + 1], xy[2 * i]);
    double area = 0, perimeter = 0;
    geod_polygon_compute(&c->g, &p, 0, 1, &area, &perimeter);
    c->area_m2 += hole ? -fabs(area) : fabs(area);
    return 0;
}

double fc_geodesic_area_m2(fc_worker *w, const GEOSGeometry *lonlat)
{
    geod_ctx c;
    geod_init(&c.g, FC_WGS84_A, FC_WGS84_F);
    c.area_m2 = 0;
    fc_geom_each_ring(w, lonlat, geod_ring, &c);
    return c.area_m2;
}

typedef struct {
    struct geod_geodesic g;
    struct fc_edge_memo *memo; /* NULL: none (out of memory) */
    double m;
} length_ctx;

static int add_lengths(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    (void)hole;
    length_ctx *c = user;
    edge_table *cur = c->memo ? &c->memo->gen[c->memo->cur] : NULL;
    edge_table *prev = c->memo ? &c->memo->gen[c->memo->cur ^ 1] : NULL;
    for (size_t i = 1; i < n; i++) {
        const double *key = xy + 2 * (i - 1); /* lon, lat of both ends in a row */
        double s12[2] = {0, 0};
        uint32_t k;
        bool ok = true;
        const double *kept = cur ? memo_find(cur, prev, key, &k, &ok) : NULL;
        if (kept) {
            s12[0] = kept[0];
        } else {
            geod_inverse(&c->g, key[1], key[0], key[3], key[2], &s12[0], NULL, NULL);
            if (cur)
                ok = table_add(cur, key, s12, 1);
        }
        if (!ok)
            cur = prev = NULL; /* out of memory: measured, not kept */
        c->m += s12[0];
    }
    if (!cur)
        c->memo = NULL;
    return 0;
}

double fc_geodesic_length_m(fc_worker *w, const GEOSGeometry *lonlat)
{
    length_ctx c = {.memo = w->lengths ? w->lengths : (w->lengths = calloc(1, sizeof *w->lengths))};
    geod_init(&c.g, FC_WGS84_A, FC_WGS84_F);
    if (c.memo)
        memo_next(c.memo); /* this geometry's generation */
    fc_geom_each_line(w, lonlat, add_lengths, &c);
    return c.m;
}

double fc_quadrangle_area_m2(double lat1_deg, double lat2_deg, double dlon_deg)
{
    const double e2 = FC_WGS84_F * (2 - FC_WGS84_F), e = sqrt(e2);
    /* F(phi) = sin/(1 - e^2 sin^2) + atanh(e sin)/e has derivative
     * 2 cos/(1 - e^2 sin^2)^2, the ellipsoid's area element up to a^2(1-e^2). */
    double s1 = sin(lat1_deg * M_PI / 180), s2 = sin(lat2_deg * M_PI / 180);
    double f1 = s1 / (1 - e2 * s1 * s1) + atanh(e * s1) / e;
    double f2 = s2 / (1 - e2 * s2 * s2) + atanh(e * s2) / e;
    return FC_WGS84_A * FC_WGS84_A * (1 - e2) * (dlon_deg * M_PI / 180) * (f2 - f1) / 2;
}
