/*
 * A cache of results between runs. The library computes; the caller (the
 * scheduled run, over its store) keys and keeps. A result names what of
 * its options it depends on (params, a line of text) and which snapshots:
 * those dated first to last, inclusive (first INT32_MIN: from the first
 * snapshot; first > last: none). The caller's key adds their content, the
 * zones', the places' and the program's version. The blobs are opaque to
 * the caller; one that does not fit is computed again. get and put may be
 * called from several threads at once (fc_place_predictions_compute): an
 * implementation serialises what they share.
 */
#ifndef FRONTCAST_CACHE_H
#define FRONTCAST_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "frontcast/date.h"
#include "frontcast/frontcast.h"

typedef struct fc_result_cache {
    /* *data newly allocated (free()) when *found. */
    fc_status (*get)(void *user, const char *params, fc_day first, fc_day last, void **data,
                     size_t *size, bool *found, fc_error *err);
    fc_status (*put)(void *user, const char *params, fc_day first, fc_day last,
                     const void *data, size_t size, fc_error *err);
    void *user;
} fc_result_cache;

#endif
