/*
 * Border reconciliation. The control map and the zone map draw the
 * international border and the coast a little differently: where control
 * reaches the outline, a thin strip between the two is measured as
 * uncontrolled though nobody contests it, and a zone held whole reads
 * "99.6 % held". Defined once, here, for any zones and any source:
 *
 *   a zone's border sliver is its uncontrolled ground that lies within the
 *   tolerance of the country's outline (the union of the zones) and within
 *   the tolerance of the control area, and that vanishes under a
 *   morphological opening of the tolerance's width (eroded by half of it,
 *   then dilated back) of the country's uncontrolled ground.
 *
 * A gap wider than the tolerance survives the opening and stays contested
 * ground; an island or a spit far from any control is no sliver. The same
 * tolerance keeps control edges along the outline out of the front line
 * (spatial.h). The sliver is reported (fc_measure.border_m2), and the held
 * figures add it unless asked not to (fc_held_m2, areas.h).
 *
 * The opening reaches only the tolerance around a point, so the sliver is
 * computed tile by tile on the overlay's grid from the control around each
 * tile, and again only where that control changed since the snapshot
 * before.
 */
#ifndef FRONTCAST_BORDER_H
#define FRONTCAST_BORDER_H

#include "frontcast/cache.h"
#include "frontcast/overlay.h"

/* Control edges closer than this to the country's outline are not front,
 * and uncontrolled slivers thinner than this along it are not contested. */
#define FC_BORDER_TOLERANCE_M 2000.0

/*
 * The union of nzones zone polygons (working CRS) in *country, without its
 * holes smaller than a disk of radius shrink_m[0] (gaps between zones, not
 * outline), and in interiors[i] the country shrunk by shrink_m[i]
 * (ascending, > 0). Each
 * interior is computed on an outline simplified to coarseness times the
 * distance, before and after the buffer: it only decides what is near the
 * outline, and buffering a full-resolution outline (300,000 vertices for
 * Ukraine) costs seconds. threads as -j (0: all cores, 1: one; at most
 * two are used) merge the zones: the union of 1,466 hromadas takes
 * seconds on one. All newly allocated;
 * country may be NULL when not wanted.
 */
fc_status fc_country_outline(fc_worker *w, const GEOSGeometry *const *zones, size_t nzones,
                             int threads, const double *shrink_m, size_t nshrink,
                             double coarseness, GEOSGeometry **country,
                             GEOSGeometry **interiors, fc_error *err);

/* The strips along the outline, per tile of an overlay; immutable once
 * created, shared by all threads. */
typedef struct fc_border fc_border;
typedef struct fc_border_state fc_border_state;

/*
 * Builds the strips of zones (the same as the overlay's, working CRS) along
 * their outline, on ov's grid. tolerance_m <= 0: FC_BORDER_TOLERANCE_M.
 * threads as fc_country_outline's. cache (NULL: none) keeps the outline
 * between runs. Newly allocated; free with fc_border_destroy().
 */
fc_status fc_border_create(fc_worker *w, const fc_overlay *ov, const GEOSGeometry *const *zones,
                           size_t nzones, double tolerance_m, int threads,
                           const fc_result_cache *cache, fc_border **out, fc_error *err);
/* Accepts NULL. */
void fc_border_destroy(fc_worker *w, fc_border *b);

/* One thread's state: its copies of the strips and each tile's last
 * result. Newly allocated; free with fc_border_state_destroy(). */
fc_status fc_border_state_create(fc_worker *w, const fc_border *b, fc_border_state **out,
                                 fc_error *err);
void fc_border_state_destroy(fc_worker *w, fc_border_state *st);

/*
 * Sets zones[z].border_m2 for the control polygon that fc_overlay_measure
 * has just measured with ovst (whose changed tiles say what to recompute).
 * Call it after every successful fc_overlay_measure on ovst.
 */
fc_status fc_border_measure(fc_worker *w, const fc_border *b, fc_border_state *st,
                            const fc_overlay_state *ovst, const GEOSGeometry *control,
                            fc_measure *zones, fc_error *err);

#endif
