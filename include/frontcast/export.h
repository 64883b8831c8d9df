/*
 * Exporters and atomic output files.
 *
 * Every output is written to a temporary file in the destination folder and
 * renamed into place when complete, so a reader (QGIS, a cron job) never
 * sees half a file and a failed run leaves the previous output intact.
 */
#ifndef FRONTCAST_EXPORT_H
#define FRONTCAST_EXPORT_H

#include <stdio.h>

#include "frontcast/areas.h"

/* An output file being written. */
typedef struct fc_atomic {
    char *path;  /* final path, owned */
    char *tmp;   /* temporary path in the same folder, owned */
    FILE *f;     /* open on tmp when begun with a stream, else NULL */
} fc_atomic;

/* Starts writing path: picks a temporary name beside it (same extension,
 * so that GDAL drivers recognise it) and, if with_stream, opens it. */
fc_status fc_atomic_begin(const char *path, bool with_stream, fc_atomic *a, fc_error *err);
/* Flushes, syncs and renames the temporary file onto the final path. */
fc_status fc_atomic_commit(fc_atomic *a, fc_error *err);
/* Removes the temporary file; safe after commit and on a zeroed fc_atomic. */
void fc_atomic_abort(fc_atomic *a);

/* The name of the whole-layer rows' zone_id. */
#define FC_ALL_ZONE_ID "ALL"

/*
 * Writes areas as CSV with the header
 *   date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2
 * to path with a QGIS .csvt sidecar (types Date, String, ..., Real), or to
 * out when path is NULL (no sidecar).
 */
fc_status fc_write_areas_csv(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                             FILE *out, fc_error *err);

/*
 * Writes areas as an RFC 7946 GeoJSON FeatureCollection through OGR: one
 * feature per CSV row, its geometry the controlled polygon (null when
 * none), date typed as a date. Needs a table computed with keep_geometry.
 * path "-" writes to standard output.
 */
fc_status fc_write_areas_geojson(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                                 fc_error *err);

#endif
