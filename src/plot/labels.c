/* Label placement for the map: greedy by priority, a few candidate
 * positions per label, nothing drawn over anything else. */
#include <stdlib.h>

#include "frontcast/plot.h"

/* Room kept between a box and its neighbours, and a marker's half-size. */
#define MARGIN 1.0
#define MARKER 3.5

static bool overlaps(double x0, double y0, double x1, double y1, const double b[4])
{
    return x0 < b[2] + MARGIN && b[0] < x1 + MARGIN && y0 < b[3] + MARGIN && b[1] < y1 + MARGIN;
}

typedef struct rank {
    double priority;
    size_t i;
} rank;

/* Highest priority first; ties in input order, so that placement is
 * deterministic. */
static int by_priority(const void *a, const void *b)
{
    const rank *p = a, *q = b;
    if (p->priority != q->priority)
        return p->priority > q->priority ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* Whether label i's box at (x, y) is free of everything placed so far. */
static bool fits(const fc_label *l, size_t n, size_t i, double x, double y, const double frame[4],
                 const double (*obstacles)[4], size_t nobstacles)
{
    const double x1 = x + l[i].w, y1 = y + l[i].h;
    if (x < frame[0] || y < frame[1] || x1 > frame[2] || y1 > frame[3])
        return false;
    for (size_t k = 0; k < nobstacles; k++)
        if (overlaps(x, y, x1, y1, obstacles[k]))
            return false;
    for (size_t k = 0; k < n; k++) {
        if (l[k].point && k != i) {
            const double m[4] = {l[k].ax - MARKER, l[k].ay - MARKER, l[k].ax + MARKER,
                                 l[k].ay + MARKER};
            if (overlaps(x, y, x1, y1, m))
                return false;
        }
        if (l[k].placed) {
            const double b[4] = {l[k].x, l[k].y, l[k].x + l[k].w, l[k].y + l[k].h};
            if (overlaps(x, y, x1, y1, b))
                return false;
        }
    }
    return true;
}

void fc_place_labels(fc_label *l, size_t n, const double frame[4],
                     const double (*obstacles)[4], size_t nobstacles)
{
    rank *order = malloc((n + 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        l[i].placed = false;
    if (!order)
        return; /* nothing placed: a map without labels rather than a failed map */
    for (size_t i = 0; i < n; i++)
        order[i] = (rank){l[i].priority, i};
    qsort(order, n, sizeof *order, by_priority);
    for (size_t o = 0; o < n; o++) {
        fc_label *b = &l[order[o].i];
        const double gap = MARKER + 2;
        /* right, left, above, below of a marker; a zone's centred, a line up, down */
        const double point_xy[4][2] = {{b->ax + gap, b->ay - b->h / 2},
                                       {b->ax - gap - b->w, b->ay - b->h / 2},
                                       {b->ax - b->w / 2, b->ay - gap - b->h},
                                       {b->ax - b->w / 2, b->ay + gap}};
        const double zone_xy[3][2] = {{b->ax - b->w / 2, b->ay - b->h / 2},
                                      {b->ax - b->w / 2, b->ay - 1.5 * b->h},
                                      {b->ax - b->w / 2, b->ay + 0.5 * b->h}};
        const double(*xy)[2] = b->point ? point_xy : zone_xy;
        const int npos = b->point ? 4 : 3;
        for (int p = 0; p < npos && !b->placed; p++)
            if (fits(l, n, order[o].i, xy[p][0], xy[p][1], frame, obstacles, nobstacles)) {
                b->x = xy[p][0];
                b->y = xy[p][1];
                b->placed = true;
            }
    }
    free(order);
}
