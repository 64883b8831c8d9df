/*
 * Loading: zone boundaries and dated series of control areas, from any OGR
 * vector source in any CRS, into the equal-area working CRS.
 */
#ifndef FRONTCAST_LOAD_H
#define FRONTCAST_LOAD_H

#include <stdbool.h>

#include "frontcast/date.h"
#include "frontcast/geodesy.h"

/* One zone (an oblast, a district...). */
typedef struct fc_zone {
    char *id;            /* e.g. "UA-14" */
    char *name;          /* e.g. "Donetsk" */
    GEOSGeometry *geom;  /* valid (Multi)Polygon in the working CRS */
    double area_m2;
} fc_zone;

typedef struct fc_zoneset {
    char *path;
    char *id_field, *name_field; /* the fields used */
    char crs[256];       /* PROJ definition of the working (equal-area) CRS */
    fc_zone *zones;      /* in the order of the source */
    size_t n;
    int repaired;        /* zones whose geometry was repaired */
} fc_zoneset;

typedef struct fc_zone_options {
    const char *id_field;    /* NULL: auto-detect (zone_id, iso_3166_2, id, code...) */
    const char *name_field;  /* NULL: auto-detect (name, name_en, NAME_1, shapeName...) */
    const char *layer;       /* NULL: the first layer */
} fc_zone_options;

/*
 * Loads zones, repairing invalid ones (reported through diag) and skipping
 * features without a polygon (reported). Zones sharing an id are merged.
 * *out newly allocated; free with fc_zones_destroy().
 */
fc_status fc_zones_load(fc_worker *w, const char *path, const fc_zone_options *opts,
                        const fc_diag *diag, fc_zoneset **out, fc_error *err);
/* Accepts NULL; w may be NULL for zones without geometry (as read back
 * from an areas CSV by fc_read_areas_csv). */
void fc_zones_destroy(fc_worker *w, fc_zoneset *zs);

/* The bundled zones (a file of the geodata directory; geodata/README.md
 * says what they are) and the credit their maps carry. */
#define FC_DEFAULT_ZONES "ukraine-oblasts.geojson"
#define FC_DEFAULT_ZONES_CREDIT \
    "Zones: \u00a9 OpenStreetMap contributors (ODbL), Sevastopol: Natural Earth"

/* The zone_id of the whole-layer rows. */
#define FC_ALL_ZONE_ID "ALL"

/* Zone z's id, name and area; z == zs->n stands for the whole layer: "ALL",
 * "whole control layer", and the zones' total area. Strings owned by zs or
 * static. */
const char *fc_zone_id(const fc_zoneset *zs, size_t z);
const char *fc_zone_name(const fc_zoneset *zs, size_t z);
double fc_zone_area_m2(const fc_zoneset *zs, size_t z);

/* How a control series is laid out. */
typedef enum fc_series_kind {
    FC_SERIES_FOLDER,     /* a folder of files, the date in each file name */
    FC_SERIES_DATE_FIELD, /* one layer, a date attribute per feature */
    FC_SERIES_LAYERS      /* one source (e.g. GeoPackage), the date in each layer name */
} fc_series_kind;

typedef struct fc_series fc_series;

typedef struct fc_series_options {
    const char *date_pattern; /* for names: %Y %m %d and literals; NULL: auto */
    const char *date_field;   /* for one layer; NULL: auto-detect (date, day, ...) */
} fc_series_options;

/*
 * Opens a control series: a folder, or a single source with a date field or
 * dated layers. Lists the snapshots, sorted by date; two snapshots of one
 * date, or a name without a date, are errors. A layer with a date field is
 * read whole here (grouped by date); folders are read lazily, one file per
 * fc_series_read(). *out newly allocated; free with fc_series_close().
 */
fc_status fc_series_open(fc_worker *w, const char *path, const fc_series_options *opts,
                         fc_series **out, fc_error *err);
/* Accepts NULL. */
void fc_series_close(fc_worker *w, fc_series *s);

fc_series_kind fc_series_get_kind(const fc_series *s);
/* The folder or file the series was opened from. Owned by s. */
const char *fc_series_path(const fc_series *s);
size_t fc_series_count(const fc_series *s);
fc_day fc_series_date(const fc_series *s, size_t i);
/* Where snapshot i comes from, for messages: a file, or "file:layer". Owned by s. */
const char *fc_series_source(const fc_series *s, size_t i);

/* Timings and counts of one read. */
typedef struct fc_read_info {
    double read_seconds;    /* parsing the file */
    double prepare_seconds; /* reprojection, repair and dissolve */
    int repaired;           /* features repaired */
} fc_read_info;

/*
 * Reads snapshot i as one valid (Multi)Polygon in crs (the zones' working
 * CRS). Safe to call from several threads at once, each with its own
 * worker. *out newly allocated (destroy with the worker's GEOS context).
 */
fc_status fc_series_read(const fc_series *s, size_t i, fc_worker *w, const char *crs,
                         const fc_diag *diag, GEOSGeometry **out, fc_read_info *info,
                         fc_error *err);

#endif
