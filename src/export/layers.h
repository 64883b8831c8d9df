/*
 * Output layers built from results (internal to the io module): the same
 * fields and rows whether they go to a GeoJSON file, a GeoPackage or
 * PostGIS, so that every format says the same.
 */
#ifndef FRONTCAST_IO_LAYERS_H
#define FRONTCAST_IO_LAYERS_H

#include "frontcast/export.h"

/* A layer and the buffers behind it. */
typedef struct fc_layer_data {
    fc_vector_layer layer;   /* points into the buffers below */
    fc_value *values;
    unsigned char **wkb;
    size_t *wkb_size;
    bool owns_wkb;           /* wkb[r] were made here: freed with the layer */
    fc_field own_fields[16]; /* the fields, when they depend on the data (zoned_fields) */
} fc_layer_data;

/* Frees the buffers; accepts a zeroed layer. */
void fc_layer_data_free(fc_layer_data *d);

/* Projected control of an advance: a feature per step and zone with
 * control (zone_id, valid_from, valid_to, days_ahead, projected_km2,
 * model, window_days). Geometry borrowed from a. */
fc_status fc_layer_projected_control(const fc_advance *a, const fc_zoneset *zs, const char *model,
                                     int window_days, fc_layer_data *out, fc_error *err);
/* Projected front lines, one per step (the same fields, zone_id ALL). */
fc_status fc_layer_projected_front(const fc_advance *a, const char *model, int window_days,
                                   fc_layer_data *out, fc_error *err);

/* The observed timeline of places (fc_places_timeline): a point per place
 * with name, population, zone_id, first_held, last_free, held_now,
 * changes. Points made here (owned by the layer); text borrowed. */
fc_status fc_layer_places_observed(const fc_places *places, const fc_place_history *hist,
                                   fc_layer_data *out, fc_error *err);

/* fc_write_layers into an existing file at path, its tables' rows replaced
 * as in a database (replace_where; missing tables created), on a copy that
 * takes the file's name when complete (fc_atomic_begin_copy). */
fc_status fc_update_layers(const char *path, const char *driver, const fc_vector_layer *layers,
                           size_t nlayers, fc_error *err);

#endif
