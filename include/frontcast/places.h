/*
 * Named places (fc_places_read, load.h): their observed timeline, when
 * each was first inside the control area, the "settlement capture" list
 * analysts keep by hand.
 */
#ifndef FRONTCAST_PLACES_H
#define FRONTCAST_PLACES_H

#include <stdbool.h>

#include "frontcast/areas.h"
#include "frontcast/cache.h"

/* The places' coordinates in crs as x0, y0, x1, y1, ... *xy newly
 * allocated (free()). */
fc_status fc_places_xy(fc_worker *w, const fc_places *places, const char *crs, double **xy,
                       fc_error *err);

/* One place over a series. */
typedef struct fc_place_history {
    const char *zone_id; /* the zone the place lies in (owned by the zone set);
                            NULL outside every zone */
    fc_day first_held;   /* the first snapshot with the place inside the
                            control area; FC_NO_DAY: never */
    fc_day last_free;    /* the snapshot before first_held, with the place
                            outside; FC_NO_DAY: held from the first snapshot,
                            or never held */
    bool held_now;       /* on the last snapshot */
    int changes;         /* how often it changed side between snapshots */
} fc_place_history;

typedef struct fc_places_timeline_options {
    int threads;            /* <= 0: all cores */
    const fc_diag *diag;    /* warnings of the snapshot reader */
    fc_progress_fn progress;
    void *progress_user;
    const fc_result_cache *cache; /* each snapshot's row (cache.h); NULL: none */
} fc_places_timeline_options;

/*
 * The timeline of every place over every snapshot: each snapshot is read
 * in the zones' working CRS (on threads) and each place tested against it
 * (a point on the control area's edge counts as inside). zs must have
 * geometry. *out: places->n rows, newly allocated (free()).
 */
fc_status fc_places_timeline(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                             const fc_places *places, const fc_places_timeline_options *opts,
                             fc_place_history **out, fc_error *err);

#endif
