/*
 * A vector layer as plain data: fields, rows of values and a WKB geometry
 * per row. The exporters build these; the GDAL/OGR plug-in writes them.
 */
#ifndef FRONTCAST_VECTOR_H
#define FRONTCAST_VECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "frontcast/date.h"

/* Fields, values and geometry of a vector output layer. */
typedef enum {
    FC_FIELD_STRING,
    FC_FIELD_REAL,
    FC_FIELD_INTEGER,
    FC_FIELD_DATE,
    FC_FIELD_BOOLEAN,  /* an integer 0/1 that OGR types as boolean */
    FC_FIELD_DATETIME  /* UTC; the value in .real as seconds since 1970 */
} fc_field_type;
typedef struct fc_field {
    const char *name;
    fc_field_type type;
} fc_field;
typedef struct fc_value {
    bool null;
    const char *text; /* FC_FIELD_STRING */
    double real;      /* FC_FIELD_REAL, _INTEGER, _BOOLEAN, _DATETIME */
    fc_day date;      /* FC_FIELD_DATE */
} fc_value;
typedef enum { FC_GEOM_POLYGONS, FC_GEOM_LINES, FC_GEOM_POINTS, FC_GEOM_NONE } fc_geometry_kind;

/* One output layer: nrows rows of nfields values (values[r * nfields + k]
 * is field k of row r) and a geometry per row in lon/lat WGS84 (wkb[r];
 * NULL: none). The pointers are borrowed. */
typedef struct fc_vector_layer {
    const char *name;
    const char *const *lco;  /* layer creation options, NULL-terminated; may be NULL */
    fc_geometry_kind geometry;
    const fc_field *fields;
    int nfields;
    const fc_value *values;
    unsigned char *const *wkb;
    const size_t *wkb_size;
    size_t nrows;
    /* In an existing database, a table of the same name is emptied and
     * refilled; with this SQL condition only its matching rows are replaced
     * (for a table shared with others, like layer_styles). */
    const char *replace_where;
} fc_vector_layer;

#endif
