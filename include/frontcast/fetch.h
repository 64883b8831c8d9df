/*
 * Fetching new snapshots from DeepStateMap's public API:
 *   GET {base}/api/history/public         [{"id": ..., "datetime": "...", ...}, ...]
 *   GET {base}/api/history/{id}/geojson   a FeatureCollection, lon/lat[/0],
 *       each feature's properties.name ending in its category, e.g.
 *       "... /// ... /// geoJSON.status.occupied"
 */
#ifndef FRONTCAST_FETCH_H
#define FRONTCAST_FETCH_H

#include "frontcast/date.h"
#include "frontcast/load.h"

/* A response larger than this is refused (a snapshot is about 100 KB; a
 * runaway server must not fill memory). */
#define FC_FETCH_MAX_BYTES ((size_t)256 << 20)
/* Redirects followed per request, each to the same scheme, host and port. */
#define FC_FETCH_MAX_REDIRECTS 5
/* Versions dated before this (or after tomorrow, UTC) are implausible. */
#define FC_FETCH_FIRST_DATE "2014-01-01"

typedef struct fc_fetch_options {
    const char *base_url;  /* default https://deepstatemap.live */
    const char *dir;       /* the snapshot folder */
    long timeout_s;        /* per request, default 120 */
    size_t max_bytes;      /* per response, default FC_FETCH_MAX_BYTES */
    const fc_diag *diag;   /* one line per file written */
    /* One line per version quarantined (skipped this time, tried again
     * next time): "version ID (DATETIME): PROBLEM". Never NULL'd silently:
     * stats->quarantined counts them either way. */
    const fc_diag *quarantine;
} fc_fetch_options;

typedef struct fc_fetch_stats {
    size_t listed_dates, present, fetched;
    size_t quarantined; /* versions skipped: odd id or date, or a failed download */
} fc_fetch_stats;

/* One listed version. */
typedef struct fc_fetch_version {
    char id[64];
    char datetime[40];  /* as listed */
    long long minutes;  /* the instant: minutes since 1970-01-01T00:00Z */
    fc_day date;        /* its UTC date */
} fc_fetch_version;

/*
 * The versions in text, the answer to GET {base}/api/history/public, in
 * time order. An entry with an id that is not plain, no datetime, or a
 * date before FC_FETCH_FIRST_DATE or after today + 1 is quarantined
 * (reported through quarantine, counted in *quarantined) and left out.
 * Fails only when text is not a JSON list (url labels the message). *out
 * newly allocated (free), *n entries.
 */
fc_status fc_fetch_parse_list(const char *url, const char *text, fc_day today,
                              const fc_diag *quarantine, fc_fetch_version **out, size_t *n,
                              size_t *quarantined, fc_error *err);

/*
 * One version's body (GeoJSON, lon/lat): *occupied, the occupied categories
 * dissolved, and *grey, the grey zone (NULL when there is none), each newly
 * allocated (GEOSGeom_destroy_r). An error, with both NULL, when the body
 * is not such a snapshot or has no occupied territory.
 */
fc_status fc_fetch_parse_body(fc_worker *w, const char *url, const char *text, size_t len,
                              GEOSGeometry **occupied, GEOSGeometry **grey, fc_error *err);

/* The UTC date of an ISO 8601 datetime ("2026-08-22T01:30:00+03:00" is
 * 2026-08-21; no zone means UTC; a bare date is itself). False when s is
 * not one. */
bool fc_fetch_utc_date(const char *s, fc_day *out);

/* Whether a version id may go into a URL as it is: 1 to 63 of
 * [A-Za-z0-9_-]. */
bool fc_fetch_plain_id(const char *id);

/*
 * Brings the snapshots of dates not yet in dir: for each UTC date the
 * latest id. The occupied categories (status.occupied, territories.crimea,
 * territories.ordlo) are dissolved into dir/deepstatemap_YYYYMMDD.geojson;
 * the grey zone (status.unknown) goes to dir/grey/ under the same name;
 * everything else (territories outside Ukraine, markers) is dropped. Each
 * file is written to a temporary name and renamed. A version that cannot
 * be had (an id that is not plain, an implausible date, a failed or
 * oversized download, a body that is not a snapshot) is quarantined: reported
 * through opts->quarantine, counted, and skipped, so that the others are
 * fetched; it is tried again on the next call. Errors are only those that
 * stop everything (the list, the folder, memory).
 */
fc_status fc_fetch_deepstate(fc_worker *w, const fc_fetch_options *opts, fc_fetch_stats *stats,
                             fc_error *err);

#endif
