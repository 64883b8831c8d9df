/* Content keys of the store (internal to the store module). */
#ifndef FRONTCAST_STORE_KEYS_H
#define FRONTCAST_STORE_KEYS_H

#include "frontcast/store.h"

/* The content key of snapshot i: its file's SHA-256 for a folder series;
 * for one source of many dates, the source's hash and the date. */
fc_status fc_store_snapshot_key(fc_store *store, const fc_series *s, size_t i, char key[65],
                                fc_error *err);

#endif
