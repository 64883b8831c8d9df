/*
 * Where two polygonal geometries can differ, from their rings' vertices
 * alone: consecutive snapshots of a control series share most rings, and
 * a changed ring most of its vertices, so the overlay clips again only the
 * tiles around what changed.
 */
#ifndef FRONTCAST_GEO_RINGS_H
#define FRONTCAST_GEO_RINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "geo/worker.h"

/* A geometry's rings, copied (every ring's vertices, in GEOS's order). */
typedef struct fc_rings fc_rings;

/* An empty set. Newly allocated: fc_rings_destroy. NULL when out of memory. */
fc_rings *fc_rings_create(void);
void fc_rings_destroy(fc_rings *r);

/* r holds g's rings (what it held before is dropped); false when out of
 * memory, r then holding none. */
bool fc_rings_load(fc_worker *w, fc_rings *r, const GEOSGeometry *g);

/*
 * Boxes [xmin, ymin, xmax, ymax] outside which the point sets of was and
 * now (each a valid polygon or multipolygon) are the same, one call of
 * fn each. A ring with a twin (the same vertices) in the other is no
 * difference. A ring of now without one that starts where a lone ring of
 * was does is that ring edited: the box of the old and the new stretch
 * between their common start and common end. Any other lone ring: its
 * own box. Outside every box, a ray from a point crosses was's and now's
 * rings as often, give or take an even number. False when out of memory
 * (nothing can be said then; fn may have been called).
 */
bool fc_rings_diff(const fc_rings *was, const fc_rings *now,
                   void (*fn)(const double box[4], void *user), void *user);

#endif
