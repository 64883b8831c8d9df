/*
 * The area engine: controlled area, gains and losses of every zone on every
 * date of a control series.
 */
#ifndef FRONTCAST_AREAS_H
#define FRONTCAST_AREAS_H

#include <stdbool.h>

#include "frontcast/cache.h"
#include "frontcast/load.h"
#include "frontcast/overlay.h"

/* Results: one row per (date, zone) plus one for the whole layer. */
typedef struct fc_area_table {
    size_t ndates;
    size_t nzones;
    fc_day *dates;        /* ascending */
    fc_measure *rows;     /* ndates x (nzones + 1); see fc_area_row() */
    /* With keep_geometry: the controlled polygons in lon/lat (OGC:CRS84) as
     * WKB, laid out like rows; NULL otherwise. */
    unsigned char **wkb;
    size_t *wkb_size;
    bool *with_wkb;       /* with keep_geometry: the dates whose polygons were
                             computed (all but those left out by `only`) */
    bool raw_border;      /* held figures without the border sliver (fc_held_m2) */
} fc_area_table;

/* Row of zone z on date index d; z == nzones is the whole-layer row. */
static inline fc_measure *fc_area_row(const fc_area_table *t, size_t d, size_t z)
{
    return &t->rows[d * (t->nzones + 1) + z];
}

/*
 * What zone z held on date index d, the figure that shares, forecasts and
 * charts use: the controlled area and its border sliver (border.h), or the
 * controlled area alone when t->raw_border. The whole layer has no sliver.
 */
static inline double fc_held_m2(const fc_area_table *t, size_t d, size_t z)
{
    const fc_measure *m = fc_area_row(t, d, z);
    return t->raw_border ? m->controlled_m2 : m->controlled_m2 + m->border_m2;
}

/* Which of the two fc_held_m2 counts (t->raw_border), for cache keys and
 * manifests: "reconciled" or "raw". */
static inline const char *fc_held_basis(bool raw_border)
{
    return raw_border ? "raw" : "reconciled";
}

/* Frees t; accepts NULL. */
void fc_area_table_destroy(fc_area_table *t);

typedef void (*fc_progress_fn)(void *user, size_t done, size_t total);

typedef struct fc_areas_options {
    int threads;            /* worker threads; <= 0: all cores */
    double tile_m;          /* overlay tile size (m); <= 0: 40 km */
    bool keep_geometry;     /* keep controlled polygons for export */
    bool zone_geometry_only;/* with keep_geometry: not the whole layer's (its
                               wkb stays NULL), which costs as much as the
                               zones' and no map layer shows */
    const fc_diag *diag;    /* warnings (called from worker threads) */
    fc_progress_fn progress;/* called from worker threads; may be NULL */
    void *progress_user;
    const bool *only;       /* measure only these snapshots (rows of the others
                               stay zero, to be filled by the caller); NULL: all */
    char **read_errors;     /* if not NULL (one per snapshot): unreadable
                               snapshots are skipped, their message stored
                               here (newly allocated), instead of failing */
    bool raw_border;        /* the table's held figures leave the border
                               sliver out (it is measured either way) */
    const fc_result_cache *cache; /* keeps the border strips (border.h)
                                     between runs; NULL: none */
} fc_areas_options;

/* Where the time went (seconds summed over threads, except wall and
 * setup_s, the wall time of cutting the zones into tiles and building the
 * border strips, before any snapshot is measured). */
typedef struct fc_areas_timing {
    double read_s, prepare_s, overlay_s, wall_s, setup_s;
    size_t snapshots, repaired;
    fc_overlay_stats overlay;
    int threads;
} fc_areas_timing;

/*
 * Measures every snapshot of series against zones. The series is cut into
 * runs of consecutive dates, one thread per run at a time, so that each
 * thread can reuse the tiles unchanged since its previous snapshot. Zones
 * and control that never overlap is FC_ERR_NO_OVERLAP. *out newly allocated
 * (fc_area_table_destroy); timing may be NULL.
 */
fc_status fc_areas_compute(const fc_zoneset *zones, const fc_series *series,
                           const fc_areas_options *opts, fc_area_table **out,
                           fc_areas_timing *timing, fc_error *err);

/*
 * Reads an areas CSV written by fc_write_areas_csv back into a table and a
 * zone set without geometry (ids, names, areas). Every (date, zone) row
 * must be there. *table and *zones newly allocated.
 */
fc_status fc_read_areas_csv(const char *path, fc_area_table **table, fc_zoneset **zones,
                            fc_error *err);

#endif
