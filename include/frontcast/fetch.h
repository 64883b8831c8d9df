/*
 * Fetching new snapshots from DeepStateMap's public API:
 *   GET {base}/api/history/public         [{"id": ..., "datetime": "...", ...}, ...]
 *   GET {base}/api/history/{id}/geojson   a FeatureCollection, lon/lat[/0],
 *       each feature's properties.name ending in its category, e.g.
 *       "... /// ... /// geoJSON.status.occupied"
 */
#ifndef FRONTCAST_FETCH_H
#define FRONTCAST_FETCH_H

#include "frontcast/load.h"

typedef struct fc_fetch_options {
    const char *base_url;  /* default https://deepstatemap.live */
    const char *dir;       /* the snapshot folder */
    long timeout_s;        /* per request, default 120 */
    const fc_diag *diag;   /* one line per file written */
} fc_fetch_options;

typedef struct fc_fetch_stats {
    size_t listed_dates, present, fetched;
} fc_fetch_stats;

/*
 * Brings the snapshots of dates not yet in dir: for each UTC date the
 * latest id. The occupied categories (status.occupied, territories.crimea,
 * territories.ordlo) are dissolved into dir/deepstatemap_YYYYMMDD.geojson;
 * the grey zone (status.unknown) goes to dir/grey/ under the same name;
 * everything else (territories outside Ukraine, markers) is dropped. Each
 * file is written to a temporary name and renamed.
 */
fc_status fc_fetch_deepstate(fc_worker *w, const fc_fetch_options *opts, fc_fetch_stats *stats,
                             fc_error *err);

#endif
