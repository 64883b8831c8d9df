#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "geo/geom.h"
#include "geo/rings.h"

struct fc_rings {
    double *xy;     /* every ring's vertices, ring after ring */
    size_t *start;  /* ring k is vertices start[k] .. start[k + 1] - 1 */
    uint64_t *hash; /* of each ring's vertices */
    size_t n, nxy;  /* rings, vertices */
    size_t cap_xy, cap_start, cap_hash;
};

/* Beyond this many pairs of rings without a twin, each is taken whole
 * rather than matched by its first vertex: a different source, not a
 * day's edits. */
#define MAX_PAIRS 4096

fc_rings *fc_rings_create(void)
{
    fc_rings *r = calloc(1, sizeof *r);
    size_t *s = r ? fc_grow(NULL, &r->cap_start, 0, sizeof *s, 64) : NULL;
    if (!s) {
        free(r);
        return NULL;
    }
    r->start = s;
    r->start[0] = 0;
    return r;
}

void fc_rings_destroy(fc_rings *r)
{
    if (!r)
        return;
    free(r->xy);
    free(r->start);
    free(r->hash);
    free(r);
}

static int add_ring(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    (void)hole;
    fc_rings *r = user;
    if (n == 0)
        return 0;
    double *v = fc_grow(r->xy, &r->cap_xy, 2 * (r->nxy + n) - 1, sizeof *v, 4096);
    if (!v)
        return -1;
    r->xy = v;
    size_t *s = fc_grow(r->start, &r->cap_start, r->n + 1, sizeof *s, 64);
    if (!s)
        return -1;
    r->start = s;
    uint64_t *h = fc_grow(r->hash, &r->cap_hash, r->n, sizeof *h, 64);
    if (!h)
        return -1;
    r->hash = h;
    memcpy(r->xy + 2 * r->nxy, xy, 2 * n * sizeof *xy);
    r->hash[r->n] = fc_hash_doubles(xy, 2 * n);
    r->nxy += n;
    r->start[++r->n] = r->nxy;
    return 0;
}

bool fc_rings_load(fc_worker *w, fc_rings *r, const GEOSGeometry *g)
{
    r->n = r->nxy = 0;
    if (fc_geom_each_ring(w, g, add_ring, r) == 0)
        return true;
    r->n = r->nxy = 0;
    return false;
}

static size_t ring_len(const fc_rings *r, size_t k)
{
    return r->start[k + 1] - r->start[k];
}

static const double *ring_xy(const fc_rings *r, size_t k)
{
    return r->xy + 2 * r->start[k];
}

static bool same_ring(const fc_rings *a, size_t i, const fc_rings *b, size_t j)
{
    return ring_len(a, i) == ring_len(b, j) &&
           memcmp(ring_xy(a, i), ring_xy(b, j), 2 * ring_len(a, i) * sizeof(double)) == 0;
}

/* b grown to vertices from .. to (inclusive) of xy. */
static void box_add(const double *xy, size_t from, size_t to, double b[4])
{
    for (size_t i = from; i <= to; i++) {
        b[0] = fmin(b[0], xy[2 * i]);
        b[1] = fmin(b[1], xy[2 * i + 1]);
        b[2] = fmax(b[2], xy[2 * i]);
        b[3] = fmax(b[3], xy[2 * i + 1]);
    }
}

/*
 * The box of what differs between ring a of was and ring b of now, which
 * share their first vertex: a = P M S and b = P M' S with the longest
 * common P and S, so that the old and new stretches, from P's last vertex
 * to S's first, close a loop that is all of the difference.
 */
static void stretch_box(const fc_rings *was, size_t i, const fc_rings *now, size_t j, double b[4])
{
    const double *a = ring_xy(was, i), *c = ring_xy(now, j);
    const size_t na = ring_len(was, i), nc = ring_len(now, j), m = na < nc ? na : nc;
    size_t p = 1;
    while (p < m - 1 && a[2 * p] == c[2 * p] && a[2 * p + 1] == c[2 * p + 1])
        p++;
    size_t q = 0;
    while (q < m - p && a[2 * (na - 1 - q)] == c[2 * (nc - 1 - q)] &&
           a[2 * (na - 1 - q) + 1] == c[2 * (nc - 1 - q) + 1])
        q++;
    box_add(a, p - 1, q ? na - q : na - 1, b);
    box_add(c, p - 1, q ? nc - q : nc - 1, b);
}

typedef struct keyed {
    uint64_t hash;
    size_t ring;
} keyed;

static int keyed_cmp(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return (a->ring > b->ring) - (a->ring < b->ring);
}

bool fc_rings_diff(const fc_rings *was, const fc_rings *now,
                   void (*fn)(const double box[4], void *user), void *user)
{
    keyed *order = malloc((was->n ? was->n : 1) * sizeof *order);
    bool *twin_was = calloc(was->n + 1, sizeof *twin_was);
    bool *twin_now = calloc(now->n + 1, sizeof *twin_now);
    size_t *lone_was = malloc((was->n + 1) * sizeof *lone_was);
    size_t *lone_now = malloc((now->n + 1) * sizeof *lone_now);
    const bool ok = order && twin_was && twin_now && lone_was && lone_now;
    if (ok) {
        for (size_t k = 0; k < was->n; k++)
            order[k] = (keyed){was->hash[k], k};
        qsort(order, was->n, sizeof *order, keyed_cmp);
        /* Twins: the same vertices, found by their hash. */
        for (size_t j = 0; j < now->n; j++) {
            size_t lo = 0, hi = was->n;
            while (lo < hi) {
                const size_t mid = lo + (hi - lo) / 2;
                if (order[mid].hash < now->hash[j])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < was->n && order[lo].hash == now->hash[j]; lo++) {
                const size_t k = order[lo].ring;
                if (!twin_was[k] && same_ring(was, k, now, j)) {
                    twin_was[k] = twin_now[j] = true;
                    break;
                }
            }
        }
        size_t nw = 0, nn = 0;
        for (size_t k = 0; k < was->n; k++)
            if (!twin_was[k])
                lone_was[nw++] = k;
        for (size_t j = 0; j < now->n; j++)
            if (!twin_now[j])
                lone_now[nn++] = j;
        /* A ring edited in place keeps its first vertex: its old self is
         * the lone ring of was that starts there. */
        const bool pair = nw * nn <= MAX_PAIRS;
        for (size_t u = 0; u < nn; u++) {
            const size_t j = lone_now[u];
            const double *c = ring_xy(now, j);
            double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
            size_t v = nw;
            for (size_t t = 0; pair && t < nw && v == nw; t++) {
                const size_t k = lone_was[t];
                const double *a = ring_xy(was, k);
                if (!twin_was[k] && ring_len(was, k) >= 2 && ring_len(now, j) >= 2 &&
                    a[0] == c[0] && a[1] == c[1])
                    v = t;
            }
            if (v < nw) {
                twin_was[lone_was[v]] = true; /* taken */
                stretch_box(was, lone_was[v], now, j, b);
            } else if (ring_len(now, j)) {
                box_add(c, 0, ring_len(now, j) - 1, b);
            }
            if (b[0] <= b[2])
                fn(b, user);
        }
        for (size_t t = 0; t < nw; t++) {
            const size_t k = lone_was[t];
            double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
            if (!twin_was[k] && ring_len(was, k))
                box_add(ring_xy(was, k), 0, ring_len(was, k) - 1, b);
            if (b[0] <= b[2])
                fn(b, user);
        }
    }
    free(order);
    free(twin_was);
    free(twin_now);
    free(lone_was);
    free(lone_now);
    return ok;
}
